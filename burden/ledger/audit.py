"""审计日志 The audit log (GB/T 22239-2019 level 3): who did what, when, on which region, and how it ended. Append-only
records in the ledger's store (SQLite beside the database, or PostgreSQL), which refuses changes and deletions.

A record: time (Asia/Shanghai), user, role, region (their scope root), action, target (a URL, a file, a case), outcome
(ok | denied | failed) and detail (JSON: counts, the export's table). Actions: ACTIONS.

Retention: nothing is ever deleted. Records older than the retention (settings.AUDIT_KEEP_DAYS, at least 180 days:
the Cybersecurity Law, art. 21, asks for six months) are archived: written to a CSV file with its SHA-256 recorded in
the store (audit_archives), so an archive can be checked against the store's record of it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from burden import settings
from burden.ledger.store import Store

ACTIONS = (
    "sign_in",
    "sign_out",
    "denied",
    "page_view",
    "cadre_rows",
    "export",
    "briefing",
    "load",
    "ledger_change",
    "verdict",
)
OUTCOMES = ("ok", "denied", "failed")
COLUMNS = ("at", "who", "role", "region", "action", "target", "outcome", "detail")

_TABLES = [
    """create table if not exists audit_log (
        at text not null, who text not null, role text not null, region text, action text not null,
        target text, outcome text not null, detail text)""",
    "create index if not exists audit_log_at on audit_log (at)",
    """create table if not exists audit_archives (
        upto text not null, file text not null, records integer not null, sha256 text not null,
        made_at text not null)""",
]
_SQLITE_GUARDS = [
    f"create trigger if not exists {table}_no_{op} before {op} on {table} "
    f"begin select raise(abort, 'audit records are append-only'); end"
    for table in ("audit_log", "audit_archives")
    for op in ("update", "delete")
]
_PG_GUARDS = [
    """create or replace function audit_append_only() returns trigger language plpgsql as $$
    begin raise exception 'audit records are append-only'; end $$""",
    *(
        statement
        for table in ("audit_log", "audit_archives")
        for statement in (
            f"drop trigger if exists {table}_no_change on {table}",
            f"create trigger {table}_no_change before update or delete on {table} "
            "for each row execute function audit_append_only()",
            f"drop trigger if exists {table}_no_truncate on {table}",
            f"create trigger {table}_no_truncate before truncate on {table} "
            "for each statement execute function audit_append_only()",
        )
    ),
]


@dataclass(frozen=True)
class Record:
    at: str
    who: str
    role: str
    region: str | None
    action: str
    target: str | None = None
    outcome: str = "ok"
    detail: dict | None = None


def _now() -> datetime:
    return datetime.now(ZoneInfo(settings.TIMEZONE))


class AuditLog:
    def __init__(self, store: Store, now=_now):
        self.store, self._now = store, now
        with store._transaction() as con:
            cur = con.cursor()
            for statement in _TABLES + (_PG_GUARDS if store.marker == "%s" else _SQLITE_GUARDS):
                cur.execute(statement)

    def record(
        self,
        who: str,
        role: str,
        region: str | None,
        action: str,
        target: str | None = None,
        outcome: str = "ok",
        detail: dict | None = None,
    ) -> Record:
        """Append one record (the time is now)."""
        if action not in ACTIONS:
            raise ValueError(f"audit action not one of {'|'.join(ACTIONS)}: {action!r}")
        if outcome not in OUTCOMES:
            raise ValueError(f"audit outcome not one of {'|'.join(OUTCOMES)}: {outcome!r}")
        rec = Record(self._now().isoformat(timespec="milliseconds"), who, role, region, action, target, outcome, detail)
        values = [getattr(rec, c) for c in COLUMNS]
        values[-1] = json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None
        marks = ", ".join([self.store.marker] * len(COLUMNS))
        with self.store._transaction() as con:
            con.cursor().execute(f"insert into audit_log ({', '.join(COLUMNS)}) values ({marks})", values)
        return rec

    def search(
        self,
        who: str | None = None,
        role: str | None = None,
        region: str | None = None,
        action: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Record]:
        """Records matching every filter given (region: the record's region lies within it), oldest first."""
        m, where, params = self.store.marker, [], []
        for column, value in (("who", who), ("role", role), ("action", action)):
            if value:
                where.append(f"{column} = {m}")
                params.append(value)
        if region:
            where.append(f"region like {m}")
            params.append(region.replace("%", "").replace("_", "") + "%")
        if since:
            where.append(f"at >= {m}")
            params.append(since.isoformat())
        if until:
            where.append(f"at < {m}")
            params.append((until + timedelta(days=1)).isoformat())
        sql = f"select {', '.join(COLUMNS)} from audit_log"
        sql += (" where " + " and ".join(where)) if where else ""
        return [Record(**values) for values in self.store.rows(sql + " order by at", tuple(params), COLUMNS, "detail")]

    def archive(self, folder: Path, keep_days: int | None = None) -> Path | None:
        """Write the records older than the retention that no archive holds yet to a CSV in `folder`, and record
        the file and its SHA-256 in the store; returns the file (None when there is nothing to archive)."""
        keep = max(keep_days or settings.AUDIT_KEEP_DAYS, 180)
        upto = (self._now().date() - timedelta(days=keep)).isoformat()
        with self.store._transaction() as con:
            cur = con.cursor()
            cur.execute("select max(upto) from audit_archives")
            done = cur.fetchone()[0] or ""
        if upto <= done:
            return None
        older = [r for r in self.search() if done <= r.at < upto]
        if not older:
            return None
        text = to_csv(older)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"audit-{done[:10] or 'start'}-to-{upto}.csv"
        path.write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        marks = ", ".join([self.store.marker] * 5)
        with self.store._transaction() as con:
            con.cursor().execute(
                f"insert into audit_archives (upto, file, records, sha256, made_at) values ({marks})",
                (upto, path.name, len(older), digest, self._now().isoformat(timespec="seconds")),
            )
        return path


def to_csv(records: Iterable[Record]) -> str:
    """Records as CSV (UTF-8, a header line; detail as JSON)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in records:
        detail = json.dumps(r.detail, ensure_ascii=False, sort_keys=True) if r.detail else ""
        writer.writerow([r.at, r.who, r.role, r.region or "", r.action, r.target or "", r.outcome, detail])
    return out.getvalue()
