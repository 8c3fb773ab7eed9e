"""The raw logs' lake (burden/ingest/lake.py) with the served file: a sorted month file is written as read, a load
killed after writing its lake files and before its swap leaves the old version (its files are removed by a later
load once past the grace period), a database from before the lake is moved into it unchanged, and an accounts file
rewrites only the months it changes (a reader of the older version still reads it whole; a dry run writes nothing
live)."""

from __future__ import annotations

import os
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from burden.ingest import lake
from burden.ingest.merge import SORT_KEY
from burden.ingest.pipeline import load, upgrade
from tests.lakes import own_logs
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
    why = "left by a load that did not finish, or replaced"
    assert f"removed {len(MONTHS)} lake files no version lists ({why})" in said
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

    assert [c for c in changed if c.endswith("-> lake")] == [f"{t} -> lake" for t in sorted(lake.TABLES)]
    assert checksums(db) == old
    with duckdb.connect(str(db), read_only=True) as con:
        kinds = dict(con.execute("select table_name, table_type from information_schema.tables").fetchall())
        per_month = con.execute("select count(*), count(distinct (table_name, month)) from lake_files").fetchone()
    assert kinds["app_events"] == kinds["photo_uploads"] == kinds["app_accounts"] == "VIEW"
    assert per_month[0] == per_month[1] == len(on_disk(db)) > 0  # one file per table and month, in its own lake
    assert upgrade(db, progress=lambda _: None) == []  # done once
    assert os.path.getsize(db) <= os.path.getsize(small_db) < inside / 2  # the served file no longer holds them


def accounts_file(db: Path, out: Path) -> tuple[Path, list[tuple], date]:
    """Two stored accounts closed on a new day (in two opening months) and one new account: the changed keys, and
    the month no stored account was opened in that the new one is."""
    with duckdb.connect(str(db), read_only=True) as con:
        stored = "select distinct month from lake_files where table_name = 'app_accounts'"
        months = [m for (m,) in con.execute(stored).fetchall()]
        changed = con.execute(
            "select cadre_id, app_id, opened_on from app_accounts where closed_on is null "
            "qualify row_number() over (partition by date_trunc('month', opened_on) order by cadre_id, app_id) = 1 "
            "order by opened_on limit 2"
        ).fetchall()
        cadre, app = con.execute(
            "select c.cadre_id, a.app_id from cadres c, apps a where not exists "
            "(select 1 from app_accounts t where t.cadre_id = c.cadre_id and t.app_id = a.app_id) "
            "order by 1, 2 limit 1"
        ).fetchone()
    new_month = date(2018, 6, 1)
    assert new_month not in months and len({d.replace(day=1) for _c, _a, d in changed}) == 2
    rows = [(c, a, d, date(2024, 3, 2)) for c, a, d in changed] + [(cadre, app, new_month + timedelta(days=4), None)]
    with duckdb.connect() as con:
        con.execute("create table t (cadre_id varchar, app_id varchar, opened_on date, closed_on date)")
        con.executemany("insert into t values (?, ?, ?, ?)", rows)
        con.execute(f"copy t to '{out}' (format parquet)")
    return out, [r[:3] for r in rows], new_month


def accounts(db: Path) -> dict[tuple, object]:
    """{key: closed_on}, each key stored once."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select cadre_id, app_id, opened_on, closed_on from app_accounts").fetchall()
    found = {r[:3]: r[3] for r in rows}
    assert len(found) == len(rows)
    return found


def account_files(db: Path) -> dict[date, set[str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select month, path from lake_files where table_name = 'app_accounts'").fetchall()
    files: dict[date, set[str]] = {}
    for month, path in rows:
        files.setdefault(month, set()).add(path)
    return files


def test_an_accounts_file_rewrites_only_the_months_it_changes(small_db, tmp_path, monkeypatch):
    db = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, db)
    with duckdb.connect(str(db)) as con:  # the accounts in this database's own lake, written two hours ago
        own_logs(con, db, "app_accounts")
    for path in on_disk(db):
        os.utime(path, (time.time() - 7200,) * 2)
    source, keys, new_month = accounts_file(db, tmp_path / "accounts.parquet")
    old, old_files = accounts(db), account_files(db)
    shutil.copyfile(db, tmp_path / "before.duckdb")  # the version a dashboard process may still be reading

    report = load([source], db, progress=lambda _: None)

    assert report.ok, report.messages
    assert report.rows("app_accounts") == 3 and report.files[0].rows_updated == 2
    new, new_files = accounts(db), account_files(db)
    assert len(new) == len(old) + 1
    assert {k: v for k, v in new.items() if k not in keys} == {k: v for k, v in old.items() if k not in keys}
    assert [new[k] for k in keys] == [date(2024, 3, 2), date(2024, 3, 2), None]
    touched = {d.replace(day=1) for _c, _a, d in keys}
    assert {m for m in new_files if new_files[m] != old_files.get(m)} == touched  # the other months' files stay
    assert new_month in touched and all(len(new_files[m]) == 1 for m in touched)
    replaced = {p for m in touched for p in old_files.get(m, ())}
    assert len(replaced) == 2 and replaced <= on_disk(db) - listed(db)  # kept for that version's readers
    assert accounts(tmp_path / "before.duckdb") == old  # that version still reads its accounts, whole
    with duckdb.connect(str(db), read_only=True) as con:  # the derived tables were rebuilt from the new accounts
        held = con.execute(
            "select count(*) from app_cadre_month where cadre_id = ? and app_id = ? and is_held", list(keys[2][:2])
        ).fetchone()[0]
    assert held > 0

    again = load([source], db, progress=lambda _: None)  # a re-load changes nothing
    assert again.ok and again.rows("app_accounts") == 0 and account_files(db) == new_files
    assert replaced <= on_disk(db)  # written hours ago, but replaced just now: within the grace period
    monkeypatch.setattr(lake, "GRACE_S", 0.0)
    assert load([source], db, progress=lambda _: None).ok
    own = {p for p in listed(db) if p.startswith(f"{lake.lake_dir(db)}/")}  # the copy reads its original's logs
    assert not replaced & on_disk(db) and on_disk(db) == own


def test_a_dry_run_of_accounts_leaves_the_live_lake_alone(small_db, tmp_path):
    db = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, db)
    source, _keys, _month = accounts_file(db, tmp_path / "accounts.parquet")
    before, files = checksums(db), on_disk(db) | listed(db)

    report = load([source], db, commit=False, progress=lambda _: None)

    assert report.ok and report.rows("app_accounts") == 3 and report.files[0].rows_updated == 2
    assert checksums(db) == before and on_disk(db) | listed(db) == files
