"""The ledger in the served database: its remediation_cases table is the current cases folded from the store's events.

The dashboard's queries (progress, overdue cases, fix checks, the briefing) and the derived tables read that one
table, so they all read the same ledger. The loader writes it on the staging copy it swaps in whole, so readers see
the old ledger or the new one, never a mix:
- catch_up() before a load's merge: the changes made in the dashboard since the table was last written, so a file's
  upsert starts from them and cannot undo them;
- record() after the merge: the file's rows that differ from the ledger become events (source: the file), and the
  table is written again from the events.
The store's head (its event count: events are never changed or deleted) is kept in load_meta, so a table that is
behind its store is seen and brought up to date by the next sync (burden.ingest.pipeline.sync_ledger).
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from burden import access, settings
from burden.ledger.cases import FIELDS, Case, Ledger, fold
from burden.ledger.store import Store

HEAD_KEY = "ledger_head"
BEFORE_STORE = "remediation_cases (stored before the ledger kept events)"


def recorded_head(con: duckdb.DuckDBPyConnection) -> int | None:
    rows = con.execute("select value from load_meta where key = ?", [HEAD_KEY]).fetchall()
    return int(rows[0][0]) if rows else None


def is_behind(con: duckdb.DuckDBPyConnection, store: Store) -> bool:
    """Whether the table lacks changes the store holds (or holds rows the store has not taken yet)."""
    head = store.head()
    if head == 0:
        return con.execute("select count(*) from remediation_cases").fetchall()[0][0] > 0
    return recorded_head(con) != head


def _write(con: duckdb.DuckDBPyConnection, cases: dict[str, Case], head: int) -> None:
    frame = pl.DataFrame(
        [{"case_id": case.case_id, **case.fields} for case in cases.values()],
        schema={"case_id": pl.String, **{name: pl.String for name in FIELDS}},
        orient="row",
    )
    typed = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in FIELDS.items())
    con.register("_ledger_cases", frame)
    try:
        con.execute("delete from remediation_cases")
        select = f"select case_id, {typed} from _ledger_cases order by case_id"
        con.execute(f"insert into remediation_cases by name {select}")
    finally:
        con.unregister("_ledger_cases")
    con.execute("insert or replace into load_meta values (?, ?)", [HEAD_KEY, str(head)])


def catch_up(con: duckdb.DuckDBPyConnection, store: Store) -> bool:
    """Write the table from the store's events when the store is ahead of it; returns whether it was written."""
    head = store.head()
    if head == 0 or recorded_head(con) == head:
        return False
    _write(con, fold(store.events()), head)
    return True


def _table_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cursor = con.execute(f"select case_id, {', '.join(FIELDS)} from remediation_cases order by case_id")
    names = [d[0] for d in cursor.description]
    return [
        {k: v.isoformat() if isinstance(v, date) else v for k, v in zip(names, row, strict=True)}
        for row in cursor.fetchall()
    ]


def record(con: duckdb.DuckDBPyConnection, store: Store, source: str | None, who: str) -> dict[str, int]:
    """Take the table's rows that differ from the ledger (a file's upsert) into the store as events, then write the
    table from the events. source: the ledger files loaded (None: rows stored before the store existed)."""
    current = fold(store.events())
    differ = [r for r in _table_rows(con) if r["case_id"] not in current or _fields(current[r["case_id"]]) != r]
    counts = {"opened": 0, "changed": 0, "unchanged": 0}
    if differ:
        loader = access.Scope(role="admin", region=settings.PROVINCE_CODE, who=who)
        counts = Ledger(store).import_rows(loader, differ, source or BEFORE_STORE)
        current = fold(store.events())
    _write(con, current, store.head())
    return counts


def _fields(case: Case) -> dict:
    return {"case_id": case.case_id, **case.fields}


def bring_up(con: duckdb.DuckDBPyConnection, store: Store) -> None:
    """The table from the store; a store with no events yet first takes the table's rows (a database made before the
    ledger kept events)."""
    if store.head() == 0:
        record(con, store, None, "loader")
    else:
        catch_up(con, store)
