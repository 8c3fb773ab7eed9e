"""The ledger's rules over its events: who may change which case, the allowed transitions, the ledger's checks,
inspectors' verdicts, and the current cases folded from the events (store.py keeps them).

A save names the version of the case it was made from; the store refuses it (store.Conflict) when another save
landed first, so no change is lost and none is silently overwritten. Scope is enforced here, on every save and
read, as the query layer does for figures: a county's staff cannot change another county's case by any path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from burden import access, settings
from burden.ledger.store import Conflict, Event, Store

# The ledger's own checks, as SQL over a case's typed fields (the loader applies them to ledger files too):
# a record that breaks one cannot be counted as done, overdue or moved (issue 12).
LEDGER_RULES = (
    ("status in ('done', 'verified') and done_on is null", "done_on missing on a done or verified case"),
    ("status = 'verified' and verified_on is null", "verified_on missing on a verified case"),
    ("action = 'merge' and target_app_id is null", "target_app_id missing on a merge"),
    ("target_app_id = app_id", "target_app_id equal to app_id"),
    ("done_on < identified_on", "done_on before identified_on"),
    ("verified_on < coalesce(done_on, identified_on)", "verified_on before done_on or identified_on"),
)
FIELDS = {  # a case's fields and their types (queries/schema/remediation_cases.sql)
    "app_id": "varchar",
    "scope_region_code": "varchar",
    "finding": "varchar",
    "action": "varchar",
    "target_app_id": "varchar",
    "status": "varchar",
    "source": "varchar",
    "identified_on": "date",
    "due_on": "date",
    "done_on": "date",
    "verified_on": "date",
    "recommendation": "varchar",
}
# Allowed values of a case's coded fields (the loader takes them too: burden/ingest/kinds.ENUMS).
CHOICES = {
    "finding": ("zombie", "island", "duplicate_function", "low_value", "excessive_trace", "prohibited_feature"),
    "action": ("delete", "merge", "iterate"),
    "status": ("identified", "planned", "in_progress", "done", "verified"),
    "source": ("self_check", "inspection", "assessment"),
    "recommendation": ("提升完善", "整合优化", "加快整改"),
}
RECOMMENDATION_KEYS = dict(zip(CHOICES["recommendation"], ("improve", "integrate", "hasten"), strict=True))  # text keys
REQUIRED = ("app_id", "scope_region_code", "finding", "action", "status", "source", "identified_on")
EDITABLE = ("action", "target_app_id", "due_on", "done_on", "recommendation")  # besides the status
STEPS = ("identified", "planned", "in_progress", "done", "verified")
VERDICTS = ("really_reduced", "not_thorough")  # 真减实减, 整改不彻底 (reopens the case)
EDITORS = ("staff", "admin", "local")
VERIFIERS = ("inspector", "admin", "local")


class Refused(ValueError):
    """A change the ledger's rules do not allow; the message says which rule, in English. `key` and `params` name
    it for the page, which says it in the reader's language (locales/ledger.toml "ledger.refused.<key>")."""

    def __init__(self, message: str, key: str = "other", **params):
        super().__init__(message)
        self.key, self.params = key, params


class OutOfScope(Refused):
    """The case lies outside the person's scope."""


@dataclass
class Case:
    case_id: str
    fields: dict
    version: int
    history: list[Event] = field(default_factory=list)
    verdict: str | None = None
    evidence: dict | None = None  # the log evidence shown with the last verdict

    @property
    def status(self) -> str:
        return self.fields["status"]


def fold(events: list[Event]) -> dict[str, Case]:
    """The current cases, from their events in version order."""
    cases: dict[str, Case] = {}
    for event in events:
        case = cases.get(event.case_id)
        if event.kind == "open" and case is None:
            case = cases[event.case_id] = Case(event.case_id, {name: None for name in FIELDS}, 0)
        if case is None:
            raise ValueError(f"case {event.case_id}: version {event.version} has no opening event")
        if event.kind in ("open", "set", "status"):
            case.fields[event.field] = event.new
        elif event.kind == "verdict":
            case.verdict, case.evidence = event.new, event.evidence
        case.version = event.version
        case.history.append(event)
    return cases


def problems(fields: dict) -> list[str]:
    """The ledger's checks the fields break (required fields, allowed values, LEDGER_RULES), as reasons."""
    return problems_many([fields])[0]


def problems_many(rows: list[dict]) -> list[list[str]]:
    """problems() of many cases at once (one DuckDB query for the rules: a ledger file holds thousands)."""
    found: list[list[str]] = []
    for fields in rows:
        reasons = [f"{name} missing" for name in REQUIRED if fields.get(name) in (None, "")]
        for name, allowed in CHOICES.items():
            if fields.get(name) not in (None, "") and fields[name] not in allowed:
                reasons.append(f"{name} not one of {'|'.join(allowed)}")
        found.append(reasons)
    if not rows:
        return found
    typed = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in FIELDS.items())
    checks = " union all ".join(
        f"select i, {k} as k, '{reason}' as reason from typed where {cond}"
        for k, (cond, reason) in enumerate(LEDGER_RULES)
    )
    sql = f"with typed as (select i, {typed} from rows) select i, reason from ({checks}) order by i, k"
    frame = pl.DataFrame(
        {"i": range(len(rows)), **{name: [_text(r.get(name)) for r in rows] for name in FIELDS}},
        schema={"i": pl.Int64, **{name: pl.String for name in FIELDS}},
    )
    with duckdb.connect() as con:
        con.register("rows", frame)
        try:
            hits = con.execute(sql).fetchall()
        except duckdb.ConversionException as exc:  # a date that is no date: name it, as the loader would
            raise Refused(f"a date is not a date (YYYY-MM-DD): {exc}", "date") from None
    for i, reason in hits:
        found[i].append(reason)
    return found


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


class Ledger:
    """Read and change cases as one person (an access.Scope), through a store."""

    def __init__(self, store: Store, now=None):
        self.store = store
        self._now = now or (lambda: datetime.now(ZoneInfo(settings.TIMEZONE)))

    def _at(self) -> str:
        return self._now().isoformat(timespec="seconds")

    @staticmethod
    def _in_scope(scope: access.Scope, case: Case) -> bool:
        return scope.allows(case.fields["scope_region_code"])

    def cases(self, scope: access.Scope) -> dict[str, Case]:
        """The current cases within the scope."""
        return {k: c for k, c in fold(self.store.events()).items() if self._in_scope(scope, c)}

    def case(self, scope: access.Scope, case_id: str) -> Case:
        found = fold(self.store.events([case_id])).get(case_id)
        if found is None or not self._in_scope(scope, found):
            # the same answer for a case outside the scope as for none: nothing is learnt from the refusal
            raise OutOfScope(f"case {case_id!r} is not in your scope ({scope.region})", "scope", case=case_id)
        return found

    def _write(self, case: Case, scope: access.Scope, changes: list[tuple[str, str, object]], note, **extra) -> Case:
        """Append one event per (kind, field, new value), from the case's version; returns the case after."""
        events, version, at = [], case.version, self._at()
        for kind, name, value in changes:
            version += 1
            old = case.fields.get(name) if name else None
            head = (case.case_id, version, at, scope.who, scope.role, kind)
            events.append(Event(*head, name, old, _text(value), note, **extra))
        if not events and note:
            events.append(Event(case.case_id, version + 1, self._at(), scope.who, scope.role, "note", note=note))
        try:
            self.store.append(events)
        except Conflict:  # another save of this case landed between our read and our write
            latest = fold(self.store.events([case.case_id])).get(case.case_id)
            raise_conflict(case.case_id, case.version, latest.version if latest else 0)
        return self.case(scope, case.case_id)

    def open(self, scope: access.Scope, case_id: str, fields: dict, note: str | None = None, source: str = "dashboard"):
        """A new case (status identified unless given) in the person's scope."""
        if scope.role not in EDITORS:
            raise Refused(f"role {scope.role!r} may not open cases", "role", role=scope.role)
        values = {name: _text(fields.get(name)) for name in FIELDS}
        values["status"] = values["status"] or "identified"
        if not scope.allows(values["scope_region_code"]):
            region = values["scope_region_code"]
            raise OutOfScope(f"region {region!r} is not in your scope ({scope.region})", "scope", case=region)
        if fold(self.store.events([case_id])):
            raise Refused(f"case {case_id!r} exists already", "exists", case=case_id)
        broken = problems(values)
        if broken:
            raise Refused("; ".join(broken), "rules", reasons=broken)
        new = Case(case_id, {name: None for name in FIELDS}, 0)
        changes = [("open", name, values[name]) for name in FIELDS]
        return self._write(new, scope, changes, note, source=source)

    def edit(self, scope: access.Scope, case_id: str, version: int, changes: dict, note: str | None = None) -> Case:
        """Set fields (EDITABLE) and move the status one step on (identified -> planned -> in_progress -> done);
        `version` is the case's version the person saw (the save is refused if another landed since)."""
        if scope.role not in EDITORS:
            raise Refused(f"role {scope.role!r} may not change cases", "role", role=scope.role)
        case = self.case(scope, case_id)
        unknown = set(changes) - set(EDITABLE) - {"status"}
        if unknown:
            names = ", ".join(sorted(unknown))
            raise Refused(f"not editable: {names}", "not_editable", fields=names)
        after = {**case.fields, **{k: _text(v) for k, v in changes.items()}}
        if "status" in changes and changes["status"] != case.status:
            step = STEPS.index(case.status) + 1 if case.status in STEPS else -1
            if changes["status"] == "verified":
                raise Refused("a case is verified by an inspector's verdict, not by an edit", "verify_by_verdict")
            if step >= len(STEPS) or changes["status"] != STEPS[step]:
                step_to = changes["status"]
                message = f"status {case.status} -> {step_to} is not allowed"
                raise Refused(message, "transition", old=case.status, new=step_to)
        broken = problems(after)
        if broken:
            raise Refused("; ".join(broken), "rules", reasons=broken)
        if version != case.version:
            raise_conflict(case_id, version, case.version)
        moved = [("set", k, after[k]) for k in EDITABLE if k in changes and after[k] != case.fields[k]]
        if after["status"] != case.status:
            moved.append(("status", "status", after["status"]))
        return self._write(case, scope, moved, note)

    def verify(
        self, scope: access.Scope, case_id: str, version: int, verdict: str, note: str, evidence: dict, on: date
    ) -> Case:
        """An inspector's verdict on a done case, with the log evidence shown at that moment. really_reduced
        (真减实减) verifies it on `on`; not_thorough (整改不彻底) reopens it (in progress, done_on cleared)."""
        if scope.role not in VERIFIERS:
            raise Refused(f"role {scope.role!r} may not verify cases", "role", role=scope.role)
        if verdict not in VERDICTS:
            raise Refused(f"verdict not one of {'|'.join(VERDICTS)}", "verdict")
        case = self.case(scope, case_id)
        if case.status != "done":
            raise Refused(f"only a done case is verified; this one is {case.status}", "not_done", status=case.status)
        if version != case.version:
            raise_conflict(case_id, version, case.version)
        if verdict == "really_reduced":
            after = [("status", "status", "verified"), ("set", "verified_on", on)]
        else:
            after = [("status", "status", "in_progress"), ("set", "done_on", None)]
        broken = problems({**case.fields, **{name: _text(value) for _, name, value in after}})
        if broken:
            raise Refused("; ".join(broken), "rules", reasons=broken)
        changes = [("verdict", None, verdict), *after]
        return self._write(case, scope, changes, note, evidence=evidence)

    def import_rows(self, scope: access.Scope, rows: list[dict], source: str) -> dict[str, int]:
        """A ledger file's rows as events, written in one transaction (source: the file): a new case is opened, a
        known one gets one event per field the file changed (one that differs from the ledger and from what a file
        last said of it: a re-loaded older file does not undo the dashboard's changes). Any row breaking the
        ledger's checks refuses them all.
        Returns {"opened": n, "changed": n, "unchanged": n}."""
        if scope.role not in EDITORS:
            raise Refused(f"role {scope.role!r} may not change cases", "role", role=scope.role)
        counts = {"opened": 0, "changed": 0, "unchanged": 0}
        current = fold(self.store.events([r["case_id"] for r in rows]))
        values = [{name: _text(row.get(name)) for name in FIELDS} for row in rows]
        for row, fields in zip(rows, values, strict=True):
            fields["status"] = fields["status"] or "identified"
            case = current.get(row["case_id"])
            if not scope.allows(fields["scope_region_code"]) or (case and not self._in_scope(scope, case)):
                raise OutOfScope(f"case {row['case_id']!r} is not in your scope ({scope.region})")
        for row, reasons in zip(rows, problems_many(values), strict=True):
            if reasons:
                raise Refused(f"case {row['case_id']}: {'; '.join(reasons)}")
        events, at = [], self._at()
        for row, fields in zip(rows, values, strict=True):
            case = current.get(row["case_id"])
            if case is None:
                changes = [("open", name, fields[name]) for name in FIELDS]
                case = Case(row["case_id"], {name: None for name in FIELDS}, 0)
                counts["opened"] += 1
            else:
                base = _last_file_state(case)  # the file changes what differs from what a file last said
                changes = [
                    ("status" if name == "status" else "set", name, fields[name])
                    for name in FIELDS
                    if fields[name] != case.fields[name] and (base is None or fields[name] != base[name])
                ]
                counts["changed" if changes else "unchanged"] += 1
            for version, (kind, name, value) in enumerate(changes, start=case.version + 1):
                head = (case.case_id, version, at, scope.who, scope.role, kind)
                events.append(Event(*head, name, case.fields.get(name), value, None, source=source))
            current[row["case_id"]] = fold([*case.history, *events[len(events) - len(changes) :]])[case.case_id]
        try:
            self.store.append(events)
        except Conflict:
            raise Refused("the ledger changed while the file was read: load it again") from None
        return counts


def _last_file_state(case: Case) -> dict | None:
    """The case's fields as the last file load left them (a load makes the case equal its file's row), or None when
    no file ever set it. A field a file row leaves as the last file said is not the file's change: re-loading an
    older spreadsheet does not undo what was changed in the dashboard since."""
    last = max((i for i, e in enumerate(case.history) if e.source != "dashboard"), default=None)
    return None if last is None else fold(case.history[: last + 1])[case.case_id].fields


def raise_conflict(case_id: str, seen: int, now: int) -> None:
    raise Refused(
        f"case {case_id!r} was changed by someone else since you opened it (version {seen}, now {now}): "
        "reload it, then make your change again",
        "conflict",
        case=case_id,
        seen=seen,
        now=now,
    )


def saves(events: Iterable[Event]) -> Iterator[tuple[Event, bool]]:
    """The events worth showing (not an opening event for a field left empty), each with whether it starts a save:
    the events one save wrote share its time, person, note, evidence and source, which are shown once."""
    said = None
    for e in events:
        if e.kind == "open" and e.new is None:
            continue
        save = (e.at, e.who, e.note, json.dumps(e.evidence, sort_keys=True), e.source)
        yield e, save != said
        said = save


def history_text(events: list[Event]) -> str:
    """A case's events as lines: version, time, who (role), what changed, then the note, evidence and source."""
    lines = []
    for e, first in saves(events):
        if e.kind in ("open", "set", "status"):
            what = f"{e.field}: {e.new}" if e.kind == "open" else f"{e.field}: {e.old or '-'} -> {e.new or '-'}"
        else:
            what = e.kind if e.kind == "note" else f"verdict: {e.new}"
        lines.append(f"v{e.version:<4} {e.at}  {e.who} ({e.role})  {e.kind:<7} {what}")
        if not first:
            continue
        if e.note:
            lines.append(f"{'':6}note: {e.note}")
        if e.evidence:
            lines.append(f"{'':6}evidence: {json.dumps(e.evidence, ensure_ascii=False, sort_keys=True)}")
        if e.source != "dashboard":
            lines.append(f"{'':6}source: {e.source}")
    return "\n".join(lines) + "\n"
