"""整改台账 kept in the dashboard, as the Remediation page shows it: the cases a person may see in a region, a case's
fields and history, the log evidence an inspector's verdict keeps, and saves that reach the served database.

No Streamlit here; the page's forms (burden/web/ledger_forms.py) call these. Every read and change goes through
burden.ledger.cases.Ledger with the person's scope, so scope holds whatever the form sends.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from burden import access, db, i18n, labels, settings
from burden.i18n import t
from burden.ingest.pipeline import sync_ledger
from burden.ingest.storage import LoadLocked
from burden.ledger.cases import (
    CHOICES,
    EDITORS,
    FIELDS,
    LEDGER_RULES,
    RECOMMENDATION_KEYS,
    STEPS,
    VERIFIERS,
    Case,
    Ledger,
    Refused,
    saves,
)
from burden.ledger.store import shared

_log = logging.getLogger(__name__)


def ledger() -> Ledger:
    return Ledger(shared(settings.ledger_url()))


def may_edit(scope: access.Scope) -> bool:
    return scope.region is not None and scope.role in EDITORS


def may_verify(scope: access.Scope) -> bool:
    return scope.region is not None and scope.role in VERIFIERS


def case(scope: access.Scope, case_id: str) -> Case:
    """One case as the store holds it now (its events only: the page never folds the whole ledger)."""
    return ledger().case(scope, case_id)


def next_steps(case: Case) -> list[str]:
    """The statuses an edit may set: the case's own, and the next step (verified comes only from a verdict)."""
    at = STEPS.index(case.status)
    return [case.status] + ([STEPS[at + 1]] if at + 1 < len(STEPS) - 1 else [])


def app_labels() -> dict[str, str]:
    """Every app the person may see, id -> "name · id", for the forms' pickers."""
    apps = db.query("app_options")
    rows = apps.select("name_zh", "name_en", "app_id").rows()
    return {app_id: labels.with_code(labels.app_name(zh, en, app_id), app_id) for zh, en, app_id in rows}


def new_case_id(region: str, app_id: str) -> str:
    """RC-<scope region>-<app>, as the departments' ledgers number cases; -2, -3 ... when that is taken."""
    base, taken = f"RC-{region}-{app_id}", set(ledger().store.case_ids())
    return next(c for c in [base, *(f"{base}-{n}" for n in range(2, 1000))] if c not in taken)


def today() -> date:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).date()


# --- evidence ---------------------------------------------------------------------------------------------------


def evidence(case: Case) -> dict:
    """The log evidence of a fix as the dashboard shows it now (fix_checks, the data's last month): what a verdict
    keeps beside it. An iterate case has no log check."""
    base = {
        "checked_through": db.query("data_period")["as_of"][0].isoformat(),
        "grace_days": settings.SUPERFICIAL_FIX_DAYS,
    }
    if case.fields["action"] not in ("delete", "merge"):
        return base | {"log_check": "none (an iterate case changes the app, which stays in use)"}
    region = case.fields["scope_region_code"]
    fixes = db.query("fix_checks", region=region, to=None, grace_days=settings.SUPERFICIAL_FIX_DAYS)
    found = fixes.filter(pl.col("case_id") == case.case_id)
    if found.height == 0:  # not done by the data's last day, or not yet in the served database
        return base | {"log_check": "not checked: the case is not done by the data's last day"}
    row = found.row(0, named=True)
    return base | {
        "users": row["users"],
        "users_after_grace": row["users_after_grace"],
        "users_never_on_target": row["users_never_on_target"],
        "last_event_on": row["last_event_on"].isoformat() if row["last_event_on"] else None,
        "is_superficial": row["is_superficial"],
    }


# --- saves ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    case: Case
    served: bool  # the served database has the change (the next page run shows it everywhere)


def served_after_save() -> bool:
    """Bring the change into the served database now. False when a load holds it, or the sync failed (a full disk):
    the change is saved in the store either way, and the next load or sync brings it in."""
    try:
        sync_ledger(settings.db_path(), progress=lambda _: None, wait_s=20)
    except LoadLocked:
        return False
    except Exception:  # the save stands; the page says the charts lag, the log keeps the traceback
        _log.exception("ledger sync after a save failed: %s", settings.db_path())
        return False
    return True


def open_case(scope: access.Scope, case_id: str, fields: dict, note: str | None) -> Saved:
    made = ledger().open(scope, case_id, fields, note=note or None)
    return Saved(made, served_after_save())


def edit_case(scope: access.Scope, case_id: str, seen: int, changes: dict, note: str | None) -> Saved:
    made = ledger().edit(scope, case_id, seen, changes, note=note or None)
    return Saved(made, served_after_save())


def verify_case(scope: access.Scope, case: Case, seen: int, verdict: str, note: str, shown: dict) -> Saved:
    """shown: the evidence the inspector saw (evidence()), kept with the verdict."""
    made = ledger().verify(scope, case.case_id, seen, verdict, note, shown, today())
    return Saved(made, served_after_save())


# --- text -------------------------------------------------------------------------------------------------------

_RULES = {reason: i for i, (_, reason) in enumerate(LEDGER_RULES)}


def reason_text(reason: str) -> str:
    """One of the ledger's check reasons (cases.problems) in the reader's language."""
    if reason in _RULES:
        return t(f"ledger.rule.{_RULES[reason]}")
    found = re.fullmatch(r"(\w+) (missing|not one of .*)", reason)
    if found and found.group(1) in FIELDS:
        key = "ledger.missing" if found.group(2) == "missing" else "ledger.not_allowed"
        return t(key, field=t(f"ledger.field.{found.group(1)}"))
    return reason


def refusal_text(exc: Refused) -> str:
    """Why a save was refused, in the reader's language."""
    params = dict(exc.params)
    if exc.key == "rules":
        return t("ledger.refused.rules", reasons="；".join(reason_text(r) for r in params["reasons"]))
    for name in ("old", "new", "status"):
        if name in params:
            params[name] = t(f"rem.stage.{params[name]}")
    key = f"ledger.refused.{exc.key}"
    return t(key, **params) if exc.key != "other" else str(exc)


def value_text(name: str, value: str | None) -> str:
    """A field's stored value as shown: coded values by their label, empty as a dash."""
    if value in (None, ""):
        return "–"
    if name == "status":
        return t(f"rem.stage.{value}")
    if name == "action":
        return t(f"rem.action.{value}")
    if name in ("finding", "source") and value in CHOICES[name]:
        return t(f"ledger.{name}.{value}")
    if name == "recommendation" and value in RECOMMENDATION_KEYS:
        return t(f"ledger.rec.{RECOMMENDATION_KEYS[value]}")
    return str(value)


def fields_table(case: Case, apps: dict[str, str]) -> pl.DataFrame:
    """The case's fields as shown (apps: id -> label; the scope by its name)."""
    shown = [name for name in FIELDS if name != "status"]
    region = db.query("region_info", region=case.fields["scope_region_code"]).row(0, named=True)
    named = {
        "app_id": apps.get(case.fields["app_id"]),
        "target_app_id": apps.get(case.fields["target_app_id"]),
        "scope_region_code": labels.with_code(
            i18n.region_name(region["name_zh"], region["name_en"]), region["region_code"]
        ),
    }
    return pl.DataFrame(
        {
            t("ledger.col.field"): [t(f"ledger.field.{name}") for name in shown],
            t("ledger.col.value"): [named.get(name) or value_text(name, case.fields[name]) for name in shown],
        }
    )


def history_table(case: Case) -> pl.DataFrame:
    """Every change of the case, newest first: when, who, what changed (old -> new), the note, the evidence, the
    source (the dashboard, or the ledger file a load read)."""
    rows = []
    for e, first in saves(reversed(case.history)):
        note = (e.note or "") if first else ""  # one save's note, shown once
        if e.kind == "verdict":
            what = t("ledger.history.verdict", verdict=t(f"ledger.verdict.{e.new}"))
        elif e.kind == "note":
            what = t("ledger.history.note")
        elif e.kind == "open":
            what = f"{t(f'ledger.field.{e.field}')}: {value_text(e.field, e.new)}"
        else:
            old, new = value_text(e.field, e.old), value_text(e.field, e.new)
            what = f"{t(f'ledger.field.{e.field}')}: {old} → {new}"
        rows.append(
            {
                t("ledger.col.version"): e.version,
                t("ledger.col.at"): e.at.replace("T", " ")[:16],
                t("ledger.col.who"): f"{e.who} ({t(f'auth.role.{e.role}')})",
                t("ledger.col.change"): what,
                t("ledger.col.note"): note,
                t("ledger.col.evidence"): _evidence_text(e.evidence),
                t("ledger.col.source"): t("ledger.from_dashboard") if e.source == "dashboard" else e.source,
            }
        )
    return pl.DataFrame(rows)


EVIDENCE = (
    "checked_through",
    "grace_days",
    "users",
    "users_after_grace",
    "users_never_on_target",
    "last_event_on",
    "is_superficial",
    "log_check",
)


def evidence_table(shown: dict) -> pl.DataFrame:
    """The evidence a verdict keeps, one row per item, in the reader's language."""
    items = [k for k in EVIDENCE if k in shown]
    values = [
        t("rem.col.yes" if shown[k] else "rem.col.no")
        if isinstance(shown[k], bool)
        else ("–" if shown[k] is None else str(shown[k]))
        for k in items
    ]
    return pl.DataFrame(
        {t("ledger.col.item"): [t(f"ledger.evidence.{k}") for k in items], t("ledger.col.value"): values}
    )


def _evidence_text(evidence: dict | None) -> str:
    if not evidence:
        return ""
    return "; ".join(f"{k}={v}" for k, v in sorted(evidence.items()))
