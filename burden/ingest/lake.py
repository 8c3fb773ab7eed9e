"""The raw logs' lake: plain Parquet files outside the served database, Hive-partitioned by month (of the event or
upload; of the day an account was opened).

    <db>.lake/app_events/month=2024-03/part-<load>-<n>.parquet

A file is written once and never changed. The logs (events, photos) only gain files; the accounts, which a later
file may change (closed_on), are upserted by rewriting the months a load changes: new files listed in place of the
month's old ones (Writer.replace). The served database lists the files of its version (table lake_files)
and reads each raw table through a view (app_events, photo_uploads, app_accounts) naming exactly those files. A
load writes its new rows as new files, fsyncs them, and only then swaps in the served file that lists them: a
reader of either version sees that version's rows, whole. A load killed before its swap leaves files no version
lists, and a rewrite leaves the files it replaced; a later load removes such files once their last change is older
than GRACE_S (a reader still on an older version may be scanning them): a replaced file is touched when it is
unlisted, so its grace starts then, not when it was written.
DuckDB and Spark both read the files natively; no table format (Iceberg, Delta) is needed for that.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from burden import settings
from burden.ingest.kinds import columns
from burden.ingest.stage import _literal, _q

# each raw table in the lake, with the column its month partitions come from
PARTITION = {"app_events": "ts", "photo_uploads": "ts", "app_accounts": "opened_on"}
TABLES = tuple(PARTITION)
GRACE_S = float(os.environ.get("BURDEN_LAKE_GRACE_S", "3600"))


def lake_dir(db_path: Path) -> Path:
    """The lake beside a served database: data/burden.duckdb -> data/burden.lake/."""
    db_path = Path(db_path).resolve()
    return db_path.with_name(f"{db_path.stem}.lake")


def month_of(table: str, alias: str = "") -> str:
    """SQL for the month partition a row of a raw table falls in (a date), its columns qualified by alias if given."""
    column = (f"{alias}." if alias else "") + _q(PARTITION[table])
    return f"date_trunc('month', {column})::date"


def paths_sql(paths: list[str]) -> str:
    return "[" + ", ".join(_literal(p) for p in paths) + "]"


def base_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Raw tables a served file made before the lake still keeps as tables (adopt() moves them)."""
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'main'"
    ).fetchall()
    return {name for (name,) in rows} & set(TABLES)


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """Each raw table's view over exactly the files lake_files lists (typed and empty when there are none)."""
    kept = base_tables(con)
    for table in TABLES:
        if table in kept:
            continue
        cols = columns(table)
        paths = files(con, table)
        if paths:
            names = ", ".join(_q(c.name) for c in cols)
            body = f"select {names} from read_parquet({paths_sql(paths)})"
        else:
            body = "select " + ", ".join(f"cast(null as {c.type}) as {_q(c.name)}" for c in cols) + " limit 0"
        con.execute(f"create or replace view {table} as {body}")


def files(
    con: duckdb.DuckDBPyConnection, table: str, months: list[date] | None = None, catalog: str = "main"
) -> list[str]:
    """The files of a raw table in this version, of the given months only if months is given (in month, path order)."""
    sql = f"select path from {catalog}.lake_files where table_name = $table"
    params: dict = {"table": table}
    if months is not None:
        sql += " and list_contains($months, month)"
        params["months"] = list(months)
    return [p for (p,) in con.execute(sql + " order by month, path", params).fetchall()]


@dataclass
class Writer:
    """Where one load writes its new files; `written` are fsynced before the served file is swapped in."""

    root: Path
    load_id: str = field(default_factory=lambda: f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}")
    written: list[Path] = field(default_factory=list)

    def write(self, con: duckdb.DuckDBPyConnection, table: str, rows: str) -> None:
        """Write the rows of the table or view `rows` (in its order) as one file per month, listed in lake_files;
        refresh the views."""
        at = _q(PARTITION[table])
        months = con.execute(
            f"select {month_of(table)} as m, count(*), min({at}), max({at}) from {rows} group by m order by m"
        ).fetchall()
        names = ", ".join(_q(c.name) for c in columns(table))
        now = datetime.now(ZoneInfo(settings.TIMEZONE)).replace(tzinfo=None)
        for month, count, first, last in months:
            folder = self.root / table / f"month={month:%Y-%m}"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"part-{self.load_id}-{len(self.written)}.parquet"
            con.execute(
                f"copy (select {names} from {rows} where {at} >= date '{month}' "
                f"and {at} < date '{month}' + interval 1 month) to {_literal(str(path))} (format parquet)"
            )
            self.written.append(path)
            con.execute(
                "insert into lake_files values (?, ?, ?, ?, ?, ?, ?)",
                [table, month, str(path), count, first, last, now],
            )
        create_views(con)

    def replace(self, con: duckdb.DuckDBPyConnection, table: str, rows: str) -> None:
        """Make the rows of the query `rows` (in its order) the whole content of the months they fall in: written
        as new files, listed in place of those months' old files. The old files stay on disk for readers of older
        versions: those under this writer's root are touched, so collect_garbage's grace period starts now (a
        dry run's writer, whose root is a scratch lake, touches no live file); other months are untouched."""
        con.execute(f"create or replace temp table _replacing as {rows}")  # kept first: rows may read the old files
        months = f"(select distinct {month_of(table)} from _replacing)"
        old = con.execute(
            f"delete from lake_files where table_name = ? and month in {months} returning path", [table]
        ).fetchall()
        for (path,) in old:
            if Path(path).is_relative_to(self.root):
                with contextlib.suppress(FileNotFoundError):
                    os.utime(path)
        self.write(con, table, "_replacing")
        con.execute("drop table _replacing")

    def sync(self) -> None:
        """fsync every file written and every folder that gained an entry, so a swapped-in file never lists a file
        a power cut could lose."""
        folders = set()
        for path in self.written:
            fsync(path)
            folders.update({path.parent, path.parent.parent, self.root})
        for folder in sorted(folders, key=lambda p: -len(p.parts)):
            fsync(folder)


def adopt(con: duckdb.DuckDBPyConnection, writer: Writer) -> list[str]:
    """Move the raw tables a served file from before the lake keeps as tables into the lake (logs stored sorted by
    month and cadre already: written in table order), then make their views. Returns the tables moved."""
    moved = sorted(base_tables(con))
    for table in moved:
        con.execute(f"alter table {table} rename to _adopting_{table}")
        writer.write(con, table, f"_adopting_{table}")
        con.execute(f"drop table _adopting_{table}")  # the view over its files was made by the write
    return moved


def collect_garbage(con: duckdb.DuckDBPyConnection, root: Path, grace_s: float | None = None) -> list[Path]:
    """Remove files under root that this version does not list and that were last changed more than grace_s ago:
    left by a load that was killed, replaced by a rewrite (Writer.replace), or by an older version (a demo rebuilt).
    Call only while holding the load lock."""
    grace_s = GRACE_S if grace_s is None else grace_s
    listed = {p for (p,) in con.execute("select path from lake_files").fetchall()}
    removed = []
    now = time.time()
    for path in root.glob("*/month=*/*.parquet"):
        if str(path) in listed:
            continue
        try:
            if now - path.stat().st_mtime > grace_s:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:
            continue
    for folder in root.glob("*/month=*"):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return removed


def remove(root: Path) -> None:
    """A dry run's scratch lake."""
    shutil.rmtree(root, ignore_errors=True)


def fsync(path: Path) -> None:
    """A file's or a folder's content to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
