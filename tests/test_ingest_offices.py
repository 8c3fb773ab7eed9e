"""Files as offices send them (tests/data/offices/): the exact outcome of loading each one with the dimension files
of tests/data/bad/dims/: rows read / loaded, and the lines quarantined with their reasons, or the one-line refusal.
docs/data-format.md describes each rule."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from burden.ingest import load
from tests.office_files import ENDINGS, OFFICES, files

TOO_FEW = "line has too few fields (truncated?)"


@pytest.fixture
def loaded(tmp_path, with_dims):
    """Load one fixture into a copy of the dims database: (report of the file, quarantine [(line, reason)], db)."""

    def run(name: str):
        db = tmp_path / "o.duckdb"
        shutil.copyfile(with_dims, db)
        report = load([OFFICES / name], db, progress=lambda _: None)
        assert report.ok, report.messages
        with duckdb.connect(str(db), read_only=True) as con:
            quarantined = con.execute("select line, reason from quarantine order by line").fetchall()
        return report.files[-1], quarantined, db

    return run


def test_committed_files_are_the_templates():
    for name, data in files().items():
        assert (OFFICES / name).read_bytes() == data, name


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_damaged_lines_same_outcome_for_every_line_ending(loaded, ending):
    fr, quarantined, db = loaded(f"events_damaged_{ending}.csv")

    assert (fr.rows_read, fr.rows_loaded) == (10, 6)
    assert quarantined == [(4, TOO_FEW), (6, TOO_FEW), (8, "line has too many fields"), (11, TOO_FEW)]
    with duckdb.connect(str(db), read_only=True) as con:
        ids = con.execute("select list(event_id order by event_id) from app_events").fetchone()[0]
        extra = con.execute("select raw::json ->> '_extra_1' from quarantine where line = 8").fetchone()[0]
    assert ids == [1, 2, 4, 6, 8, 9]
    assert extra == "extra"


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_unbalanced_quote_same_outcome_for_every_line_ending(loaded, ending):
    fr, quarantined, db = loaded(f"events_unbalanced_quote_{ending}.csv")

    # The open quote runs to the file's end: the lines after it are part of the quarantined line.
    assert (fr.rows_read, fr.rows_loaded) == (3, 2)
    assert quarantined == [(4, "line has a stray quote")]
    with duckdb.connect(str(db), read_only=True) as con:
        cell = con.execute("select raw::json ->> 'subject_key' from quarantine").fetchone()[0]
    assert cell.split("\n")[0] == "湖田村3组,visit,T3" and cell.count("\n") == 2


def test_every_zone_form_is_stored_as_shanghai_time(loaded):
    fr, quarantined, db = loaded("events_zones.csv")

    assert (fr.rows_read, fr.rows_loaded) == (19, 17)
    assert quarantined == [(19, "ts has an unknown time zone"), (20, "ts not a timestamp")]  # CST; +25 is no offset
    with duckdb.connect(str(db), read_only=True) as con:
        stored = dict(con.execute("select event_id, strftime(ts, '%Y-%m-%d %H:%M:%S.%f') from app_events").fetchall())
    fractions = {7: "250000", 11: "123456"}
    # Every row is 05:42:53 UTC written another way: 13:42:53 in Shanghai.
    assert stored == {i: "2023-10-02 13:42:53." + fractions.get(i, "000000") for i in range(1, 18)}
