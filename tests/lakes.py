"""Test fixtures' edits of a copied database's logs, which live in the lake (burden/ingest/lake.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from burden.ingest import lake


def delete_logs(con: duckdb.DuckDBPyConnection, db: Path, table: str, where: str) -> None:
    """`delete from <table> where <where>` for a table in the lake: the rows kept are written as new files of db's
    own lake and listed instead of the old ones (a copied database shares its original's files, which are never
    changed)."""
    kept = f"_kept_{table}"
    con.execute(f"create temp table {kept} as select * from {table} where not coalesce(({where}), false)")
    con.execute("delete from lake_files where table_name = ?", [table])
    lake.create_views(con)
    lake.Writer(lake.lake_dir(db)).write(con, table, kept)
    con.execute(f"drop table {kept}")
