"""The ledger's events in a transactional store, append-only.

One table, ledger_events: one row per change of one case (who, when, what, old -> new, note, evidence, source),
numbered per case by `version` (1, 2, ...). (case_id, version) is unique, so two people saving the same case from
the same version cannot both land: the second save's insert fails and its whole transaction is rolled back, whatever
the engine and however many server processes there are. Updates and deletes are refused by the store itself
(triggers), so history cannot be changed through any code path.

SQLite (the embedded default, a file beside the database, WAL mode) or PostgreSQL (a URL), chosen by
settings.ledger_url(). Both speak the same SQL here; only the placeholders and the triggers differ.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("case_id", "version", "at", "who", "role", "kind", "field", "old", "new", "note", "evidence", "source")


@dataclass(frozen=True)
class Event:
    case_id: str
    version: int
    at: str  # ISO time, Asia/Shanghai
    who: str
    role: str
    kind: str  # open | set | status | note | verdict
    field: str | None = None
    old: str | None = None
    new: str | None = None
    note: str | None = None
    evidence: dict | None = None
    source: str = "dashboard"  # or the ledger file a load read

    def row(self) -> tuple:
        values = [getattr(self, c) for c in COLUMNS]
        values[COLUMNS.index("evidence")] = json.dumps(self.evidence, ensure_ascii=False) if self.evidence else None
        return tuple(values)


class Conflict(Exception):
    """Another save of the case landed first: nothing of this save was written."""


class AppendOnly(Exception):
    """An attempt to change or delete a recorded event."""


_TABLE = """
create table if not exists ledger_events (
    case_id   text not null,
    version   integer not null,
    at        text not null,
    who       text not null,
    role      text not null,
    kind      text not null,
    field     text,
    old       text,
    new       text,
    note      text,
    evidence  text,
    source    text not null,
    primary key (case_id, version)
)
"""

_SQLITE_GUARDS = [
    f"create trigger if not exists ledger_events_no_{op} before {op} on ledger_events "
    f"begin select raise(abort, 'ledger events are append-only'); end"
    for op in ("update", "delete")
]

_PG_GUARDS = [
    """create or replace function ledger_events_append_only() returns trigger language plpgsql as $$
    begin raise exception 'ledger events are append-only'; end $$""",
    "drop trigger if exists ledger_events_no_change on ledger_events",
    """create trigger ledger_events_no_change before update or delete on ledger_events
    for each row execute function ledger_events_append_only()""",
    "drop trigger if exists ledger_events_no_truncate on ledger_events",
    """create trigger ledger_events_no_truncate before truncate on ledger_events
    for each statement execute function ledger_events_append_only()""",
]


class Store:
    """The events of every case. open_store() picks the engine from a URL."""

    marker = "?"

    def __init__(self, url: str):
        self.url = url
        self._setup()

    # engine hooks
    def _connect(self):
        raise NotImplementedError

    def _setup(self) -> None:
        raise NotImplementedError

    def _is_conflict(self, exc: Exception) -> bool:
        raise NotImplementedError

    def _is_guard(self, exc: Exception) -> bool:
        return "append-only" in str(exc)

    @contextmanager
    def _transaction(self) -> Iterator:
        con = self._connect()
        try:
            yield con
            con.commit()
        except Exception:
            con.rollback()
            raise
        finally:
            con.close()

    def append(self, events: list[Event]) -> None:
        """Write the events in one transaction, or none of them (Conflict when a version is taken)."""
        marks = ", ".join([self.marker] * len(COLUMNS))
        sql = f"insert into ledger_events ({', '.join(COLUMNS)}) values ({marks})"
        try:
            with self._transaction() as con:
                cur = con.cursor()
                for event in events:
                    cur.execute(sql, event.row())
        except Exception as exc:
            if self._is_conflict(exc):
                raise Conflict(str(exc)) from None
            raise

    def events(self, case_ids: list[str] | None = None) -> list[Event]:
        """Every event (of the cases), in case and version order."""
        sql = f"select {', '.join(COLUMNS)} from ledger_events"
        params: tuple = ()
        if case_ids is not None:
            if not case_ids:
                return []
            sql += f" where case_id in ({', '.join([self.marker] * len(case_ids))})"
            params = tuple(case_ids)
        found = self.rows(sql + " order by case_id, version", params, COLUMNS, "evidence")
        return [Event(**values) for values in found]

    def case_ids(self) -> list[str]:
        with self._transaction() as con:
            cur = con.cursor()
            cur.execute("select distinct case_id from ledger_events")
            return [case_id for (case_id,) in cur.fetchall()]

    def head(self) -> int:
        """How many events the store holds: it only grows, so an unchanged head means an unchanged ledger."""
        with self._transaction() as con:
            cur = con.cursor()
            cur.execute("select count(*) from ledger_events")
            return int(cur.fetchone()[0])

    def rows(self, sql: str, params: tuple, columns: tuple[str, ...], json_column: str) -> list[dict]:
        """A SELECT's rows as {column: value}, the JSON column decoded."""
        with self._transaction() as con:
            cur = con.cursor()
            cur.execute(sql, params)
            found = cur.fetchall()
        out = []
        for row in found:
            values = dict(zip(columns, row, strict=True))
            values[json_column] = json.loads(values[json_column]) if values[json_column] else None
            out.append(values)
        return out

    def execute(self, sql: str) -> None:
        """A raw statement (tests use it to show that the store refuses changes to history)."""
        try:
            with self._transaction() as con:
                con.cursor().execute(sql)
        except Exception as exc:
            if self._is_guard(exc):
                raise AppendOnly(str(exc)) from None
            raise


class SqliteStore(Store):
    marker = "?"

    @property
    def path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///").removeprefix("sqlite://"))

    def _connect(self):
        con = sqlite3.connect(self.path, timeout=30, isolation_level="DEFERRED")
        con.execute("pragma busy_timeout = 30000")
        return con

    def _setup(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30)
        try:
            con.execute("pragma journal_mode = wal")
            con.execute(_TABLE)
            for guard in _SQLITE_GUARDS:
                con.execute(guard)
            con.commit()
        finally:
            con.close()

    def _is_conflict(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)


class PostgresStore(Store):
    marker = "%s"

    def _connect(self):
        import psycopg

        return psycopg.connect(self.url)

    def _setup(self) -> None:
        with self._transaction() as con:
            cur = con.cursor()
            cur.execute(_TABLE)
            for statement in _PG_GUARDS:
                cur.execute(statement)

    def _is_conflict(self, exc: Exception) -> bool:
        import psycopg

        return isinstance(exc, psycopg.errors.UniqueViolation)


@functools.cache
def shared(url: str) -> Store:
    """One Store per URL for a process (the server's sessions share it; opening one sets up its tables)."""
    return open_store(url)


def open_store(url: str) -> Store:
    """sqlite:///PATH (the default, beside the database) or postgresql://USER@HOST:PORT/DB."""
    if url.startswith("sqlite:"):
        return SqliteStore(url)
    if url.startswith(("postgresql:", "postgres:")):
        return PostgresStore(url)
    raise ValueError(f"ledger store URL must start with sqlite:/// or postgresql://, not {url.split(':', 1)[0]!r}")
