"""The database file: a new one (base tables from queries/schema, regions from data/zhejiang_divisions),
load metadata, and the lock, staging copy and atomic swap that make a load land whole or not at all."""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from burden import settings
from burden.ingest import lake
from burden.ingest.kinds import SCHEMA_FILLS, columns, schema_files
from burden.ingest.lake import fsync


def _csv(name: str) -> str:
    return "'" + str(settings.DIVISIONS_DIR / name).replace("'", "''") + "'"


def create_schema(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table of queries/schema (`create ... if not exists`) but the raw ones, views over the lake's files
    (burden/ingest/lake.py), and the columns added to a table since the file
    was made (filled where kinds.SCHEMA_FILLS says how: an app's line from its owner department,
    a quarantined row's ids from its raw JSON). Returns those columns."""
    kept = lake.base_tables(con)  # a file from before the lake: its raw tables stay until pipeline adopts them
    for path in schema_files():
        if path.stem not in lake.TABLES or path.stem in kept:
            con.execute(path.read_text(encoding="utf-8"))
    lake.create_views(con)
    added = schema_gaps(con)
    for table, column in added:
        col = next(c for c in columns(table) if c.name == column)
        con.execute(f'alter table {table} add column "{column}" {col.type}')
        if (table, column) in SCHEMA_FILLS:
            con.execute(f'update {table} set "{column}" = {SCHEMA_FILLS[table, column]}')
    return [f"{table}.{column}" for table, column in added]


def schema_gaps(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(table, column) of queries/schema the database's tables lack: a file made before the column was added."""
    have: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from duckdb_columns() "
        "where schema_name = 'main' and database_name = current_database()"
    ).fetchall():
        have.setdefault(table, set()).add(column)
    return [
        (path.stem, col.name)
        for path in schema_files()
        if path.stem in have
        for col in columns(path.stem)
        if col.name not in have[path.stem]
    ]


def fill_regions(con: duckdb.DuckDBPyConnection) -> None:
    names_en = "'" + str(settings.DATA_DIR / "region_names_en.csv").replace("'", "''") + "'"
    con.execute(
        f"""
        insert into regions
        with divisions as (
            select '{settings.PROVINCE_CODE}' as region_code, '浙江省' as name_zh, 'province' as level,
                   null as parent_code
            union all select code, name, 'city', '{settings.PROVINCE_CODE}'
                      from read_csv({_csv("cities.csv")}, all_varchar = true)
            union all select code, name, 'county', cityCode from read_csv({_csv("counties.csv")}, all_varchar = true)
            union all select code, name, 'town', areaCode from read_csv({_csv("towns.csv")}, all_varchar = true)
            union all select code, name, 'village', streetCode from read_csv({_csv("villages.csv")}, all_varchar = true)
        ),
        en as (select region_code, name_en from read_csv({names_en}, all_varchar = true))
        select d.region_code, d.name_zh, coalesce(en.name_en, case d.level when 'province' then 'Zhejiang' end),
               d.level, d.parent_code
        from divisions d left join en using (region_code)
        order by length(d.region_code), d.region_code
        """
    )


def create_database(con: duckdb.DuckDBPyConnection) -> None:
    create_schema(con)
    fill_regions(con)


# A dry run validates into a scratch database beside the live file instead of a copy of it (31.7 GB and ~48 s at
# province scale). What the checks look up (regions, apps, cadres) and the tables the load upserts (catalogues,
# the ledger: small) are copied, so the checks and upserts run on them unchanged; the accounts, in the lake, by their
# file list: the scratch lists the live files, and an upsert writes its months anew into the scratch lake, never
# touching a live file. The logs are not copied: the scratch file holds only the new rows, and dedupe reads the live
# rows through LIVE (merge._append). Quarantine starts empty: a dry run's counts come from the stage.
LIVE = "live"
REFERENCE = ("regions", "apps", "cadres")
LOGS = ("app_events", "photo_uploads")


def open_scratch(con: duckdb.DuckDBPyConnection, db_path: Path, tables: set[str]) -> None:
    """Make the database of con (new, its schema created) a dry run's scratch copy of db_path, with the rows of
    REFERENCE and of `tables` (those the load writes to) but of no log: see LIVE above."""
    path = "'" + str(db_path).replace("'", "''") + "'"
    con.execute(f"attach {path} as {LIVE} (read_only)")
    found = con.execute("select table_name from duckdb_tables() where database_name = ?", [LIVE]).fetchall()
    live = {name for (name,) in found}
    for table in sorted((set(REFERENCE) | tables) - set(LOGS)):
        if table in live and table in lake.TABLES:  # a file from before the lake keeps it as a table: so does this
            con.execute(f"drop view {table}")
            con.execute(f"create table {table} as select * from {LIVE}.{table}")
        elif table in live:
            con.execute(f"insert into {table} by name select * from {LIVE}.{table}")
        elif table in lake.TABLES:
            con.execute(f"insert into lake_files select * from {LIVE}.lake_files where table_name = ?", [table])
            lake.create_views(con)


def write_meta(con: duckdb.DuckDBPyConnection, source_files: list[str], tables: list[str] = ()) -> None:
    """Record the load: when, up to when the events run, which files so far, and per table when it last changed.

    `tables` are the tables this load wrote rows to: their key `loaded_at.<table>` is set to now.
    """
    previous = con.execute("select value from load_meta where key = 'source_files'").fetchone()
    files = json.loads(previous[0]) if previous else []
    files += [f for f in source_files if f not in files]
    as_of, first = _event_span(con)
    # Wall-clock time in Asia/Shanghai, as the quarantine's loaded_at (DuckDB's current_timestamp in that zone).
    now = datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None).isoformat(timespec="seconds")
    _record_arrivals(con, now)
    meta = {
        "loaded_at": now,
        "as_of": as_of.isoformat() if as_of else "",
        "first_event_on": first.isoformat() if first else "",
        "source_files": json.dumps(files, ensure_ascii=False),
    }
    meta.update({f"loaded_at.{table}": now for table in tables})
    con.executemany("insert or replace into load_meta values (?, ?)", list(meta.items()))


def _record_arrivals(con: duckdb.DuckDBPyConnection, now: str) -> None:
    """The days this load added log rows for, beside the data's last day before it (data_arrivals)."""
    before = con.execute("select value from load_meta where key = 'as_of'").fetchone()
    if not before or not before[0]:  # a new database: no link can predate it
        return
    try:
        con.execute(
            "insert into data_arrivals select cast($now as timestamp), cast($before as date), day "
            "from (select distinct day from _appended_days)",
            {"now": now, "before": before[0]},
        )
    except duckdb.CatalogException:  # nothing appended
        return


def _event_span(con: duckdb.DuckDBPyConnection) -> tuple:
    """The first and last day with events. Events are never deleted, so only those on or after the recorded
    as_of can hold the new last day, and only those on or before the recorded first day the new first one:
    zonemaps skip the rest (a scan of every event's time costs seconds at 1B events)."""
    recorded = dict(con.execute("select key, value from load_meta where key in ('as_of', 'first_event_on')").fetchall())
    as_of = first = None
    if recorded.get("as_of"):
        sql = "select max(ts)::date from app_events where ts >= cast($day as date)"
        as_of = con.execute(sql, {"day": recorded["as_of"]}).fetchone()[0]
    if recorded.get("first_event_on"):
        sql = "select min(ts)::date from app_events where ts < cast($day as date) + 1"
        first = con.execute(sql, {"day": recorded["first_event_on"]}).fetchone()[0]
    if as_of is None:
        as_of = con.execute("select max(ts)::date from app_events").fetchone()[0]
    if first is None:
        first = con.execute("select min(ts)::date from app_events").fetchone()[0]
    return as_of, first


# --- The database file: one load at a time, built on a copy, swapped in whole -------------------------------


class LoadLocked(RuntimeError):
    """Another load into the same database is running."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def staging_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.name}.staging-{os.getpid()}")


@contextmanager
def load_lock(db_path: Path, wait_s: float, say) -> Iterator[None]:
    """Hold an exclusive flock on <db>.lock for the whole load; wait up to wait_s for another load to end.

    The kernel drops a flock when its process dies (kill -9 included), so a crashed load never blocks
    the next one. The file is removed on release; a waiter that locked the removed file notices (its
    inode no longer is the path's) and locks the new one.
    """
    path = lock_path(db_path)
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            if time.monotonic() >= deadline:
                raise LoadLocked(f"another load into {db_path.name} is running (pid {holder}); try later") from None
            if not told:
                say(f"waiting for another load into {db_path.name} (pid {holder}) to finish")
                told = True
            time.sleep(0.2)
            continue
        if _same_file(fd, path):
            break
        os.close(fd)  # the holder removed it as we opened it: lock the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)  # releases the lock


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == path.stat().st_ino
    except FileNotFoundError:
        return False


def clean_staging(db_path: Path) -> list[Path]:
    """Remove staging files of loads that died (kill -9, power loss). Call only while holding the lock."""
    stale = list(db_path.parent.glob(f"{glob.escape(db_path.name)}.staging-*"))
    for path in stale:
        if path.is_dir():  # a dry run's scratch lake
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return stale


def copy_to_staging(db_path: Path, staging: Path) -> None:
    """The live file (and its WAL, if a writer left one) copied as the start of the new version."""
    copy_file(db_path, staging)
    wal = _wal(db_path)
    if wal.exists():
        copy_file(wal, _wal(staging))


def copy_file(src: Path, dst: Path) -> None:
    """Copy in the kernel with copy_file_range: no bytes through user space, and a reflink (instant, shared
    blocks) on file systems that have them (XFS, Btrfs). On ext4 it measured as fast as shutil's sendfile
    (~0.6-0.8 GB/s from the page cache); reading the source from disk is the bound at province scale."""
    try:
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            size, done = os.fstat(fin.fileno()).st_size, 0
            while done < size:
                n = os.copy_file_range(fin.fileno(), fout.fileno(), min(size - done, 1 << 30), done, done)
                if n == 0:
                    break
                done += n
        if done == size:
            return
    except OSError:  # e.g. EXDEV across file systems on old kernels, or no copy_file_range at all
        pass
    shutil.copyfile(src, dst)


def swap_in(staging: Path, db_path: Path) -> None:
    """Make the checkpointed staging file the live database in one step, durably.

    fsync before the rename, so a power cut cannot leave the name pointing at a half-written file;
    fsync the folder after, so the rename itself survives. Readers holding the old file keep reading it.
    """
    fsync(staging)
    # A leftover WAL belongs to the old file (its content was copied into staging) and DuckDB refuses
    # to open a file with a WAL that does not match it. Dropping it first keeps the old file usable if
    # we die between the two steps.
    _wal(db_path).unlink(missing_ok=True)
    os.replace(staging, db_path)
    fsync(db_path.parent)


def remove_staging(staging: Path) -> None:
    staging.unlink(missing_ok=True)
    _wal(staging).unlink(missing_ok=True)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")
