"""Builds the derived tables (queries/rollups/*.sql) that the dashboard reads.

Each rollup file is one SELECT named for its table; build() runs them in
dependency order as `create or replace table <name> as <select>`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from burden import db, settings

# Dependency order: each table reads only base tables and the ones before it.
TABLES = (
    "months",
    "cadre_regions",
    "duplicate_submits",
    "app_cadre_month",
    "cadre_month",
    "apps_hist",
    "region_month",
    "app_month_county",
    "duplicate_pair_month",
    "fact_type_month",
    "photo_app_month",
    "cadre_app_use",
)


def _first_of_month(day: date) -> date:
    return date(day.year, day.month, 1)


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _meta_campaign_start(con: duckdb.DuckDBPyConnection) -> date | None:
    """A campaign start recorded by the loader (load_meta key 'campaign_start', YYYY-MM-DD or YYYY-MM)."""
    try:
        row = con.execute("select value from load_meta where key = 'campaign_start'").fetchone()
    except duckdb.CatalogException:
        return None
    if not row or not row[0]:
        return None
    text = row[0].strip()
    return _first_of_month(date.fromisoformat(text if len(text) > 7 else text + "-01"))


def campaign_start_for(con: duckdb.DuckDBPyConnection, campaign_start: date | None = None) -> date | None:
    """The first campaign month: the argument, else load_meta, else first month of data + BASELINE_MONTHS."""
    if campaign_start is not None:
        return _first_of_month(campaign_start)
    recorded = _meta_campaign_start(con)
    if recorded is not None:
        return recorded
    first = con.execute("select cast(min(ts) as date) from app_events").fetchone()[0]
    if first is None:
        return None
    return _add_months(_first_of_month(first), settings.BASELINE_MONTHS)


def build(con: duckdb.DuckDBPyConnection, campaign_start: date | None = None) -> None:
    """(Re)create every derived table on an open read-write connection."""
    params = {
        "campaign_start": campaign_start_for(con, campaign_start),
        "window_days": settings.DUPLICATE_WINDOW_DAYS,
    }
    for table in TABLES:
        select = db.sql_text(f"rollups/{table}")
        wanted = db.param_names(select)
        con.execute(
            f"create or replace table {table} as\n{select}",
            {k: v for k, v in params.items() if k in wanted},
        )


def rebuild(db_path: Path, campaign_start: date | None = None) -> None:
    """Open the database file read-write, rebuild the derived tables in one transaction, checkpoint."""
    con = db.connect(Path(db_path), read_only=False)
    try:
        con.execute("begin transaction")
        build(con, campaign_start)
        con.execute("commit")
        con.execute("checkpoint")
    finally:
        con.close()
