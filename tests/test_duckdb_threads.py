"""BURDEN_DUCKDB_THREADS caps the threads of every connection db.open_duckdb makes; a bad value is refused by name."""

from __future__ import annotations

import pytest

from burden import db


@pytest.mark.parametrize("value", ["1", "3"])
def test_the_cap_is_set_on_the_connection(monkeypatch, value):
    monkeypatch.setenv("BURDEN_DUCKDB_THREADS", value)
    with db.open_duckdb() as con:
        assert con.execute("select current_setting('threads')").fetchone()[0] == int(value)


def test_unset_leaves_duckdbs_default(monkeypatch):
    monkeypatch.delenv("BURDEN_DUCKDB_THREADS", raising=False)
    with db.open_duckdb() as con:
        default = con.execute("select current_setting('threads')").fetchone()[0]
    import duckdb

    with duckdb.connect() as plain:
        assert default == plain.execute("select current_setting('threads')").fetchone()[0]


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_bad_value_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("BURDEN_DUCKDB_THREADS", value)
    with pytest.raises(ValueError, match=rf"BURDEN_DUCKDB_THREADS must be a whole number .* \(got '{value}'\)"):
        db.open_duckdb()
