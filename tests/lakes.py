"""Test fixtures' edits of a copied database's logs, which live in the lake (burden/ingest/lake.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from burden import settings
from burden.ingest import lake
from burden.ingest.kinds import columns


def delete_logs(con: duckdb.DuckDBPyConnection, db: Path, table: str, where: str) -> None:
    """`delete from <table> where <where>` for a table in the lake: each file holding a deleted row is written again
    without it, as a new file of db's own lake listed in its place (a copied database shares its original's files,
    which are never changed); the files holding none stay listed as they are."""
    listed = lake.files(con, table)
    hit = con.execute(
        f"select distinct filename from read_parquet({lake.paths_sql(listed)}, filename = true) "
        f"where coalesce(({where}), false)"
    ).fetchall()
    _rewrite(con, db, table, [path for (path,) in hit], f"not coalesce(({where}), false)")


def own_logs(con: duckdb.DuckDBPyConnection, db: Path, table: str) -> None:
    """Every file of `table` written again as a file of db's own lake, its rows unchanged."""
    _rewrite(con, db, table, lake.files(con, table), "true")


def _rewrite(con: duckdb.DuckDBPyConnection, db: Path, table: str, paths: list[str], keep: str) -> None:
    if not paths:
        return
    kept = f"_kept_{table}"
    names = ", ".join(f'"{c.name}"' for c in columns(table))
    con.execute(f"create temp table {kept} as select {names} from read_parquet({lake.paths_sql(paths)}) where {keep}")
    con.execute("delete from lake_files where table_name = ? and list_contains(?, path)", [table, paths])
    [zone] = con.execute("select current_setting('TimeZone')").fetchone()
    con.execute(f"set TimeZone = '{settings.TIMEZONE}'")  # the months the loader files rows under
    try:
        lake.Writer(lake.lake_dir(db)).write(con, table, kept)  # (the views: listed files only)
    finally:
        con.execute(f"set TimeZone = '{zone}'")
    con.execute(f"drop table {kept}")
