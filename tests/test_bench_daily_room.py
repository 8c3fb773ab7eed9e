"""The bench's daily load picks a copy or the bench database itself by free disk, and says so when neither fits."""

from __future__ import annotations

import shutil
from collections import namedtuple

import pytest

from bench import data

Usage = namedtuple("Usage", "total used free")
GB = 1024**3


@pytest.mark.parametrize(
    ("free_gb", "asked", "expected"),
    [
        (100, None, False),  # room for a bench copy and the loader's staging copy: measure on a copy
        (20, None, True),  # room for the staging copy only: in place
        (20, False, None),  # a copy was asked for and does not fit
        (5, None, None),  # not even the staging copy
    ],
)
def test_room_for_the_daily_load(tmp_path, monkeypatch, free_gb, asked, expected):
    db_path = tmp_path / "burden.duckdb"
    with db_path.open("wb") as f:
        f.truncate(10 * GB)  # sparse: a 10 GB database on paper
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: Usage(0, 0, free_gb * GB))
    in_place, why = data._room_for(db_path, asked)
    assert in_place is expected
    if expected is None:
        assert why.startswith("needs ") and f"{free_gb * GB / 1e9:.1f} GB free" in why
    else:
        assert why is None


def test_skipped_daily_is_reported_not_crashed(tmp_path, monkeypatch):
    from bench import report

    db_path = tmp_path / "burden.duckdb"
    with db_path.open("wb") as f:
        f.truncate(10 * GB)
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: Usage(0, 0, 1 * GB))
    result = data.daily(db_path, in_place=None)
    assert set(result) == {"skipped", "db_bytes"} and "staging copy" in result["skipped"]
    rows = [row for row in report.rows({"daily": result}) if row[0].startswith("daily")]
    assert rows and rows[0][1].startswith("not run: needs") and rows[0][3] == "not measured"
