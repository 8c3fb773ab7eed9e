"""Builds the derived tables (queries/rollups/*.sql) that the dashboard reads.

Each rollup file is one SELECT named for its table; build() runs them in
dependency order as `create or replace table <name> as <select>`. After a load that only appended
log rows, update() rebuilds just the months those rows can change: a rollup whose SELECT takes
$month_from and $month_to builds any range of months; one that takes $month_from alone builds the months from
it on (its rows carry earlier months forward); one without them is rebuilt whole.
Each table's definition has a version (definition_versions); build() records it, and upgrade() rebuilds the
tables a database holds from older definitions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import duckdb

from burden import db, settings

# A full build runs each month-ranged rollup over as many consecutive months as hold this many log rows (events
# and photos) in one statement, a month at least: the small demo (4.8M) in one, a province (60M+ a month) a month
# at a time, as one statement over all its months spilled 22 GB to disk. One statement over 18 small months takes
# a third of the time 18 do (tests/test_rollup_chunks.py).
CHUNK_ROWS = 20_000_000

# Dependency order: each table reads only base tables and the ones before it.
TABLES = (
    "months",
    "cadre_regions",
    "duplicate_submits",
    "app_cadre_month",
    "cadre_month",
    "apps_hist",
    "region_month",
    "line_region_month",
    "app_month_county",
    "duplicate_pair_month",
    "fact_type_month",
    "photo_app_month",
    "app_recency_month",
    "app_pair_month",
    "fix_use_month",
)


def _first_of_month(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(month: date, n: int) -> date:
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


def campaign_start_for(
    con: duckdb.DuckDBPyConnection, campaign_start: date | None = None, first_month: date | None = None
) -> date | None:
    """The first campaign month: the argument, else load_meta, else first month of data + BASELINE_MONTHS.

    first_month: the first month of data when the caller knows it (saves a scan of every event's time)."""
    if campaign_start is not None:
        return _first_of_month(campaign_start)
    recorded = _meta_campaign_start(con)
    if recorded is not None:
        return recorded
    if first_month is not None:
        return add_months(first_month, settings.BASELINE_MONTHS)
    first = con.execute("select cast(min(ts) as date) from app_events").fetchone()[0]
    if first is None:
        return None
    return add_months(_first_of_month(first), settings.BASELINE_MONTHS)


# Every month: the range a full build passes to the month-ranged rollups ($month_from, $month_to).
ALL_MONTHS = (date(1900, 1, 1), date(9999, 1, 1))


def _params(
    con: duckdb.DuckDBPyConnection,
    campaign_start: date | None,
    data_last: date | None,
    first_month: date | None = None,
) -> dict:
    """data_last: the last day with events (data_last_on), which the caller knows from a scan it makes anyway."""
    return {
        "campaign_start": campaign_start_for(con, campaign_start, first_month),
        "window_days": settings.DUPLICATE_WINDOW_DAYS,
        "data_last_on": data_last,
    }


def full_params(con: duckdb.DuckDBPyConnection, campaign_start: date | None = None) -> dict:
    """The parameters of one statement per table over every month: a build on another engine (burden/engines)."""
    month_from, month_to = ALL_MONTHS
    return _params(con, campaign_start, data_last_on(con)) | {"month_from": month_from, "month_to": month_to}


def data_last_on(con: duckdb.DuckDBPyConnection, since: date | None = None) -> date | None:
    """The last day with events: it ends the month to date (months.is_partial). since: a day known to have events
    (an update's previous last day), so only the events from then on are read (the table is sorted by time)."""
    last = con.execute("select cast(max(ts) as date) from app_events where ts >= $1", [since or date(1900, 1, 1)])
    return last.fetchone()[0]


def _run(con: duckdb.DuckDBPyConnection, statement: str, select: str, params: dict) -> None:
    db.define_macros(con, select)
    con.execute(f"{statement}\n{select}", db.params_for(select, params))


def month_scope(table: str) -> str:
    """How much of a rollup a change of some months rebuilds: "range" (it builds any range of months: $month_from
    and $month_to), "from" (the months from $month_from on: a month's rows carry the earlier months forward) or
    "whole" (no month parameter)."""
    names = db.param_names(db.sql_text(f"rollups/{table}"))
    if "month_from" not in names:
        return "whole"
    return "range" if "month_to" in names else "from"


def month_ranged(table: str) -> bool:
    """Whether a rollup builds any range of months ($month_from, $month_to)."""
    return month_scope(table) == "range"


def build(con: duckdb.DuckDBPyConnection, campaign_start: date | None = None, tables: Iterable[str] = TABLES) -> None:
    """(Re)create the derived tables (every one, or those named) on an open read-write connection.

    Month-ranged tables are built a range of months at a time (the first range open to the past, the last to the
    future, so the ranges cover what one full-range statement would): no statement holds more than CHUNK_ROWS log
    rows, or a month's. At 1.19B events one statement over every month spilled more than 22 GB to the temp folder
    and filled the disk.
    """
    chunks, data_last = _month_chunks(con)
    params = _params(con, campaign_start, data_last)
    wanted = set(tables)
    tables = [table for table in TABLES if table in wanted]  # dependency order, whatever the caller's
    for table in tables:
        select = db.sql_text(f"rollups/{table}")
        if not month_ranged(table):  # whole, or carried forward from the first month: one statement
            _run(con, f"create or replace table {table} as", select, params | {"month_from": ALL_MONTHS[0]})
            continue
        for i, (month_from, month_to) in enumerate(chunks):
            statement = f"create or replace table {table} as" if i == 0 else f"insert into {table} by name"
            _run(con, statement, select, params | {"month_from": month_from, "month_to": month_to})
    record_versions(con, tables)


def readers(table: str) -> list[str]:
    """The derived tables that read `table`, directly or through another derived table, in dependency order."""
    found: list[str] = []
    for name in TABLES:
        sql = db.sql_text(f"rollups/{name}")
        if any(re.search(rf"\b(from|join)\s+{t}\b", sql) for t in (table, *found)):
            found.append(name)
    return found


def _month_chunks(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[date, date]], date | None]:
    """[from, to) ranges covering all time, cut at month starts from the first to the last month with log rows: as
    many months in a range as fit in CHUNK_ROWS log rows (a month alone may hold more); and the last day with
    events (the same scan gives it: data_last_on would read every event's time again)."""
    first, last, events_last = con.execute(
        """
        select least(min(e.first), min(p.first)), greatest(max(e.last), max(p.last)), cast(max(e.last) as date)
        from (select min(ts) as first, max(ts) as last from app_events) e,
             (select min(ts) as first, max(ts) as last from photo_uploads) p
        """
    ).fetchone()
    if first is None:
        return [ALL_MONTHS], events_last
    rows = _month_rows(con)
    unknown = 0 if rows else CHUNK_ROWS  # a month the lake lists no file for has no rows; no list, a full range each
    cuts, held = [], rows.get(_first_of_month(first.date()), unknown)
    for n in range(1, _months_between(first, last) + 1):
        month = add_months(_first_of_month(first.date()), n)
        size = rows.get(month, unknown)
        if held + size > CHUNK_ROWS:
            cuts.append(month)
            held = 0
        held += size
    return list(zip([ALL_MONTHS[0], *cuts], [*cuts, ALL_MONTHS[1]], strict=True)), events_last


def _month_rows(con: duckdb.DuckDBPyConnection) -> dict[date, int]:
    """Log rows (events and photos) per month as the lake lists its files: no scan of the logs. Empty while a log is
    still a table of the served file (a database from before the lake, until lake.adopt moves it): every month then
    counts as a full range."""
    try:
        rows = con.execute(
            """
            select month, sum(row_count) from lake_files
            where table_name in ('app_events', 'photo_uploads') and not exists (
                select 1 from duckdb_tables()
                where database_name = current_database() and schema_name = 'main'
                  and table_name in ('app_events', 'photo_uploads'))
            group by month
            """
        ).fetchall()
    except duckdb.CatalogException:  # no lake_files yet: a file from before the lake
        return {}
    return dict(rows)


def _months_between(first, last) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def stale(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Derived tables the database does not have (yet), or has from another definition than today's."""
    try:
        rows = con.execute(db.sql_text("derived_versions")).fetchall()
    except duckdb.CatalogException:  # no load_meta: no version was ever recorded
        return list(TABLES)
    return outdated({table: version for table, version, _ in rows})


def _runs(months: set[date]) -> list[tuple[date, date]]:
    """Months grouped into contiguous [from, to) ranges."""
    runs: list[list[date]] = []
    for month in sorted(months):
        if runs and runs[-1][1] == month:
            runs[-1][1] = add_months(month, 1)
        else:
            runs.append([month, add_months(month, 1)])
    return [(a, b) for a, b in runs]


def months_to_refresh(
    days: set[date], old_months: set[date], new_months: set[date], partial_month: date | None = None
) -> set[date]:
    """The months new log rows on `days` can change: their own, those the duplicate window reaches from them
    (a new entry can become the original of a later repeat), months the calendar gained (gaps included), and
    the month that was a month to date (partial_month) when the data now reaches past its last observed day."""
    window = timedelta(days=settings.DUPLICATE_WINDOW_DAYS)
    touched = {_first_of_month(d) for d in days} | {_first_of_month(d + window) for d in days}
    grown = {partial_month} if partial_month is not None else set()
    return (touched & new_months) | (new_months - old_months) | grown


def update(
    con: duckdb.DuckDBPyConnection, days: set[date], campaign_start: date | None = None
) -> list[tuple[date, date]] | None:
    """Bring the derived tables up to date after log rows (events, photos) on `days` were appended.

    Only the months those rows can change are rebuilt: their rows of each month-ranged table are deleted and
    built again from the same SQL a full build runs, so the result equals a full build (tests/test_incremental.py).
    Falls back to a full build (returns None) when a derived table is stale or the new rows start before the
    first month (the baseline, and so every month, would move). Returns the month ranges rebuilt.
    """
    if stale(con) or campaign_start is not None:  # a file made before a rollup changed (or was added)
        build(con, campaign_start)
        return None
    if not days:
        return []
    old = con.execute("select month, is_partial, observed_to from months").fetchall()
    old_months = {month for month, _, _ in old}
    if not old_months or _first_of_month(min(days)) < min(old_months):
        build(con, campaign_start)
        return None
    # Every month from the first to the last with events: the first stays, the last may move on. Known without
    # reading the events, as is the campaign start; at 1B events each full scan of their times costs seconds.
    first, last = min(old_months), max(max(old_months), _first_of_month(max(days)))
    new_months = {add_months(first, n) for n in range(_months_between(first, last) + 1)}
    observed_to = max(day for _, _, day in old)
    params = _params(con, None, data_last_on(con, since=observed_to), first)
    partial = next((month for month, is_partial, day in old if is_partial and params["data_last_on"] > day), None)
    runs = _runs(months_to_refresh(days, old_months, new_months, partial))
    for table in TABLES:
        select = db.sql_text(f"rollups/{table}")
        scope = month_scope(table)
        if scope == "whole":  # cadre_regions, fix_use_month: rebuilt whole
            _run(con, f"create or replace table {table} as", select, params)
            continue
        if scope == "from":  # app_recency_month: the first month refreshed and every month after it
            con.execute(f"delete from {table} where month >= $1", [runs[0][0]])
            _run(con, f"insert into {table} by name", select, params | {"month_from": runs[0][0]})
            continue
        for month_from, month_to in runs:
            ranged = params | {"month_from": month_from, "month_to": month_to}
            con.execute(f"delete from {table} where month >= $1 and month < $2", [month_from, month_to])
            _run(con, f"insert into {table} by name", select, ranged)
    return runs


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


# --- Versions of the definitions: a database built by an older version rebuilds what changed -----------------

_VERSION_KEY = "derived_version."  # load_meta key prefix; the value is the table's definition version


@cache
def definition_versions() -> dict[str, str]:
    """Per derived table, a hash of its SQL (comments left out: rewording one rebuilds nothing) and of the
    versions of the derived tables it reads.

    A changed definition (or a macro it calls, queries/macros/) so changes its own version and that of every
    table built from it. A table counts as read when its name appears in the SQL as a word (a column of the same
    name too: a rebuild too many, never one too few).
    """
    versions: dict[str, str] = {}
    for table in TABLES:
        sql = db.strip_comments(db.sql_text(f"rollups/{table}"))
        reads = [other for other in versions if re.search(rf"\b{other}\b", sql)]
        macros = [db.strip_comments(db.sql_text(f"macros/{name}")) for name in db.macros_in(sql)]
        text = "\n".join([sql, *(versions[other] for other in reads), *macros])
        versions[table] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return versions


def outdated(built: dict[str, str | None]) -> list[str]:
    """Derived tables (in build order) absent from `built` (table -> recorded version) or built from another
    definition than today's."""
    return [table for table, version in definition_versions().items() if built.get(table, "") != version]


def record_versions(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    con.execute(db.sql_text("schema/load_meta"))  # a database made outside the loader may lack it
    versions = definition_versions()
    con.executemany("insert or replace into load_meta values (?, ?)", [(_VERSION_KEY + t, versions[t]) for t in tables])


def upgrade(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None]) -> list[str]:
    """Rebuild the derived tables that are missing or built from older definitions (and those built from them)."""
    tables = stale(con)
    if tables:
        noun = "table" if len(tables) == 1 else "tables"
        progress(f"rebuilding {len(tables)} derived {noun} changed since this database was built: {', '.join(tables)}")
        build(con, tables=tables)
    return tables
