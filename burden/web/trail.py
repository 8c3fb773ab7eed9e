"""The audit trail of signed-in people (burden/ledger/audit.py keeps it): sign-in, sign-out and denial, every page
view with its URL, every view of cadre-level rows, exports and briefings. Local single-user mode (one person on
loopback) is not audited.

A record that cannot be written is logged to the server log with its action, and the page goes on: the reader is
never left without the dashboard because the audit store is busy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import streamlit as st

from burden import access, settings
from burden.ledger.audit import AuditLog
from burden.ledger.store import shared

log = logging.getLogger(__name__)
_LAST_VIEW = "_audit_last_view"  # session key: the URL of the last page view recorded
_SIGNED_IN = "_audit_signed_in"  # session key: this session's sign-in is recorded
_SEEN: set[tuple[str, str]] = set()  # (who, sign-in time): sign-ins recorded by this process


def audit_log() -> AuditLog:
    return AuditLog(shared(settings.ledger_url()))


def record(scope: access.Scope, action: str, target: str | None = None, outcome: str = "ok", **detail) -> None:
    """One record for a signed-in person (nothing in local mode)."""
    if scope.local:
        return
    try:
        audit_log().record(scope.who, scope.role, scope.region, action, target, outcome, detail or None)
    except Exception:  # the store is down or locked: the server log keeps the trace
        log.exception("audit record %s of %s (%s) not written", action, scope.who, target)


def _first_in_session(key: str) -> bool:
    """True the first time this session asks with the key (and notes it)."""
    if st.session_state.get(key):
        return False
    st.session_state[key] = True
    return True


def denied(who: str) -> None:
    """Someone signed in whom no grant names."""
    record(access.Scope("none", None, who), "denied", "/", outcome="denied")


def _once(scope: access.Scope, action: str, **detail) -> None:
    """Record unless the log holds this action with this detail for the person already (another tab or process)."""
    try:
        done = any(r.detail == detail for r in audit_log().search(who=scope.who, action=action))
    except Exception:
        log.exception("audit log not readable")
        done = False
    if not done:
        record(scope, action, **detail)


def signed_in(scope: access.Scope, since: object) -> None:
    """The first page run of a sign-in (`since`: the identity token's issue time) records it once, in whichever
    session or process sees it first; other tabs of the same sign-in add nothing."""
    if scope.local or not _first_in_session(_SIGNED_IN):
        return
    key = (scope.who, str(since))
    if key not in _SEEN:
        _SEEN.add(key)
        _once(scope, "sign_in", since=str(since))


def ended(scope: access.Scope, since: object, reason: str) -> None:
    """A sign-in that ran past its idle time or lifetime (reason): recorded once, as a sign-out with the reason."""
    if scope.local or not _first_in_session(f"_audit_ended_{since}"):
        return
    _once(scope, "sign_out", reason=reason, since=str(since))


def last_activity(who: str, since: float) -> float | None:
    """The time (epoch seconds) of the person's last audit record since the sign-in, or None."""
    try:
        start = datetime.fromtimestamp(since, ZoneInfo(settings.TIMEZONE))
        found = audit_log().search(who=who, since=start.date())
    except Exception:
        log.exception("audit log not readable")
        return None
    times = [datetime.fromisoformat(r.at).timestamp() for r in found]
    times = [t for t in times if t >= since]
    return max(times) if times else None


def page_view(scope: access.Scope, url_path: str, params: dict[str, str]) -> None:
    """A page view: recorded when the page or its URL differs from this session's last recorded one."""
    url = f"/{url_path}" + (f"?{urlencode(sorted(params.items()))}" if params else "")
    if st.session_state.get(_LAST_VIEW) == url:
        return
    st.session_state[_LAST_VIEW] = url
    record(scope, "page_view", url)


def cadre_rows(scope: access.Scope, region: str, month: str, rows: int) -> None:
    """Cadre-level rows shown (pseudonymous): once per region and month in a session."""
    if _first_in_session(f"_audit_cadres_{region}_{month}"):
        record(scope, "cadre_rows", region, rows=rows, month=month)


def exported(action: str, name: str, fmt: str, make: Callable[[], bytes]) -> Callable[[], bytes]:
    """A download's data callable that records the export (or briefing) when the file is made, for whoever is
    looking now (the callable runs later, outside the script run)."""
    scope, view = access.current(), st.query_params.to_dict()

    def made() -> bytes:
        data = make()
        region = view.get("region", scope.region)  # no region in the URL: the viewer's default, their scope root
        record(scope, action, name, format=fmt, region=region, period=f"{view.get('from', '')}..{view.get('to', '')}")
        return data

    return made


def ledger_change(scope: access.Scope, case_id: str, what: str, detail: dict) -> None:
    """A ledger change made in the dashboard (what: open or edit), or an inspector's verdict; the store keeps the
    change itself, the audit log who made it."""
    action = "verdict" if what == "verdict" else "ledger_change"
    record(scope, action, case_id, **({"change": what} if action == "ledger_change" else {}), **detail)
