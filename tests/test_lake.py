"""The raw logs' lake (burden/ingest/lake.py) with the served file: a sorted month file is written as read, a load
killed after writing its lake files and before its swap leaves the old version (its files are removed by a later
load once past the grace period), and a database from before the lake is moved into it unchanged."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from burden.ingest import lake
from burden.ingest.merge import SORT_KEY
from burden.ingest.pipeline import load, upgrade
from tests.test_demo_build import checksums
from tests.test_ingest_crash import MONTHS, kill_at, new_events, start_load

NEW_IDS = 20_000_000_000


def listed(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {p for (p,) in con.execute("select path from lake_files").fetchall()}


def on_disk(db: Path) -> set[str]:
    return {str(p) for p in lake.lake_dir(db).glob("*/month=*/*.parquet")}


def month_file(db: Path, out: Path, month: str, order: str) -> Path:
    """A month of the demo's events under new ids (new rows, in a month the lake holds), rows in `order`."""
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute(
            f"copy (select * replace (event_id + {NEW_IDS} as event_id) from app_events "
            f"where strftime(ts, '%Y-%m') = ? order by {order}) to '{out}' (format parquet)",
            [month],
        )
    return out


def keys_in_file_order(path: str | Path) -> list[tuple]:
    with duckdb.connect() as con:
        rows = f"read_parquet('{path}', file_row_number = true)"
        sql = f"select event_id, ts, cadre_id from {rows} order by file_row_number"
        return con.execute(sql).fetchall()


@pytest.mark.parametrize("shuffled", [False, True], ids=["sorted", "shuffled"])
def test_a_sorted_month_file_is_written_as_read_and_a_shuffled_one_sorted(small_db, tmp_path, shuffled):
    db = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, db)
    order = "hash(event_id)" if shuffled else f"{SORT_KEY}, event_id desc"  # ties in an order no sort would pick
    source = month_file(db, tmp_path / "2023-11.parquet", "2023-11", order)
    lines: list[str] = []

    report = load([source], db, progress=lines.append)

    assert report.ok, report.messages
    line = next(x for x in lines if "-> app_events:" in x)
    assert ("sorted" in line) == shuffled and ("in order as read" in line) != shuffled, line
    (written,) = listed(db) - listed(small_db)
    assert "/app_events/month=2023-11/" in written and written.startswith(str(lake.lake_dir(db)))
    rows = keys_in_file_order(written)
    assert len(rows) == report.rows("app_events") > 10_000
    if shuffled:
        assert [r[2] for r in rows] == sorted(r[2] for r in rows)  # one month: sorted by cadre
    else:
        assert rows == keys_in_file_order(source)  # row for row in the file's order, ties included


def test_kill_9_between_the_lake_files_and_the_swap_keeps_the_old_version(small_db, tmp_path, monkeypatch):
    db = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, db)
    files, rows = new_events(db, tmp_path / "new", MONTHS)
    before, before_files = checksums(db), listed(db)

    proc, lines = start_load(db, files)
    seen = kill_at(proc, lines, "rollups built")  # every lake file written, the served file not yet swapped

    assert checksums(db) == before, seen
    assert listed(db) == before_files
    orphans = on_disk(db) - before_files
    assert len(orphans) == len(MONTHS), seen  # one file per month, listed by no version

    # A load within the grace period leaves them (a reader of an older version may still scan such files) ...
    proc, lines = start_load(db, files)
    assert proc.wait(timeout=300) == 0
    assert orphans <= on_disk(db) and not orphans & listed(db)
    after = checksums(db)
    assert after["app_events"][0] == before["app_events"][0] + rows

    # ... a load past it removes them, and the lake then holds exactly the files the served version lists.
    monkeypatch.setattr(lake, "GRACE_S", 0.0)
    said: list[str] = []
    assert load([files], db, progress=said.append).ok  # a re-load: nothing new
    assert f"removed {len(MONTHS)} lake files no version lists (left by a load that did not finish)" in said
    own = {p for p in listed(db) if p.startswith(f"{lake.lake_dir(db)}/")}  # the copy reads its original's files too
    assert on_disk(db) == own and len(own) == len(MONTHS)
    assert checksums(db) == after


def test_a_database_from_before_the_lake_is_moved_into_it_unchanged(small_db, tmp_path):
    db = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, db)
    with duckdb.connect(str(db)) as con:  # as the loader left a file before the lake: the logs as tables
        for table in lake.TABLES:
            con.execute(f"create table _{table} as select * from {table}")
            con.execute(f"drop view {table}")
            con.execute(f"alter table _{table} rename to {table}")
        con.execute("drop table lake_files")
    old, inside = checksums(db), os.path.getsize(db)
    assert lake.lake_dir(db).exists() is False

    changed = upgrade(db, progress=lambda _: None)

    assert [c for c in changed if c.endswith("-> lake")] == ["app_events -> lake", "photo_uploads -> lake"]
    assert checksums(db) == old
    with duckdb.connect(str(db), read_only=True) as con:
        kinds = dict(con.execute("select table_name, table_type from information_schema.tables").fetchall())
        per_month = con.execute("select count(*), count(distinct (table_name, month)) from lake_files").fetchone()
    assert kinds["app_events"] == kinds["photo_uploads"] == "VIEW"
    assert per_month[0] == per_month[1] == len(on_disk(db)) > 0  # one file per log and month, in its own lake
    assert upgrade(db, progress=lambda _: None) == []  # done once
    assert os.path.getsize(db) <= os.path.getsize(small_db) < inside / 2  # the served file no longer holds them
