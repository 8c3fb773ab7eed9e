"""The audit trail of the app in AppTest (st.user seeded; the real OIDC round trip is tests/test_browser_login.py):
exactly one record per sign-in, per page view (a rerun of the same view adds none), per view of cadre rows, per
export; a denial is recorded; local single-user mode records nothing."""

from __future__ import annotations

import time

import pytest
import streamlit as st

from burden import access
from burden.ledger import audit
from burden.ledger.store import open_store
from burden.web import auth, trail
from tests.test_auth_gate import AUTH, app  # noqa: F401  (app: the dashboard in AppTest, as a fixture)

INSPECTOR = {"is_logged_in": True, "email": "zhuji.inspector@example.gov.cn", "sub": "i-1", "iat": int(time.time())}
VILLAGE = "330681120219"  # 湖田村


@pytest.fixture
def records(tmp_path, monkeypatch):
    """The audit log of a fresh store for this test; returns a reader of (who, action, target, outcome)."""
    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    monkeypatch.setenv("BURDEN_LEDGER_URL", url)
    monkeypatch.setattr(trail, "_SEEN", set())
    return lambda: [(r.who, r.action, r.target, r.outcome) for r in audit.AuditLog(open_store(url)).search()]


def test_an_inspectors_sign_in_page_views_and_cadre_rows_are_each_recorded_once(records, app):  # noqa: F811
    who = INSPECTOR["email"]
    at = app(INSPECTOR, {"auth": AUTH}, {"lang": "en"})
    at.run()  # the same view again (a widget's rerun): no new record
    assert records() == [(who, "sign_in", None, "ok"), (who, "page_view", "/?lang=en", "ok")]

    secrets = {"auth": AUTH, "pseudonym_key": "0123456789abcdef0123456789abcdef"}  # cadre rows need the key
    village = app(INSPECTOR, secrets, {"lang": "en", "region": VILLAGE, "from": "2023-10", "to": "2024-03"})
    village.switch_page("app_pages/regions.py").run()  # another tab of the same sign-in: no second sign-in
    assert not village.exception, [e.value for e in village.exception]
    assert records()[2:] == [
        (who, "page_view", f"/?from=2023-10&lang=en&region={VILLAGE}", "ok"),
        (who, "page_view", f"/regions?from=2023-10&lang=en&region={VILLAGE}", "ok"),
        (who, "cadre_rows", VILLAGE, "ok"),
    ]
    rows = audit.AuditLog(open_store(trail.settings.ledger_url())).search(action="cadre_rows")[0]
    assert rows.role == "inspector" and rows.region == "330681" and rows.detail["rows"] > 0


def test_a_denial_is_recorded_and_local_mode_records_nothing(records, app):  # noqa: F811
    app({"is_logged_in": True, "email": "stranger@example.com", "sub": "x"}, {"auth": AUTH}, {"lang": "en"})
    assert records() == [("stranger@example.com", "denied", "/", "denied")]
    app(None, None, {"lang": "en"})  # local single-user mode
    assert len(records()) == 1


def test_an_export_is_recorded_when_its_file_is_made(records):
    inspector = access.Scope("inspector", "330681", "zhuji.inspector@example.gov.cn")
    with access.using(inspector):
        make = trail.exported("export", "line_ranking", "csv", lambda: b"a,b\n")
    assert records() == []  # a download button drawn is not an export
    assert make() == b"a,b\n"
    [(who, action, target, outcome)] = records()
    assert (who, action, target, outcome) == (inspector.who, "export", "line_ranking", "ok")
    [made] = audit.AuditLog(open_store(trail.settings.ledger_url())).search()
    assert made.detail["region"] == "330681"  # no region in the URL: the inspector's default view, their county
    assert st.query_params is not None


def test_a_sign_in_past_its_lifetime_or_idle_time_shows_the_sign_in_page_and_is_recorded(records, app, monkeypatch):  # noqa: F811
    """12 h after sign-in, or 30 min without a request, the next request gets the sign-in page (which remembers the
    link, as for any sign-in) and no figure; the end is recorded once as a sign-out with its reason."""
    who, now = INSPECTOR["email"], time.time()
    old = {**INSPECTOR, "iat": int(now - 13 * 3600)}
    at = app(old, {"auth": AUTH}, {"lang": "en", "region": VILLAGE})
    assert not at.metric and [w.value for w in at.warning] == [
        "Your session ended 12 hours after you signed in. Sign in again to return to this page."
    ]
    assert any("burden_next" in str(h.proto) for h in at.get("html"))  # the link is remembered for the sign-in
    at.run()
    assert records() == [(who, "sign_out", None, "ok")]
    assert audit.AuditLog(open_store(trail.settings.ledger_url())).search()[0].detail["reason"] == "lifetime"

    recent = {**INSPECTOR, "iat": int(now - 3600)}
    monkeypatch.setitem(auth._ACTIVE, (who, str(recent["iat"])), now - 5 * 60)  # a request five minutes ago
    assert app(recent, {"auth": AUTH}, {"lang": "en"}).metric  # still signed in
    monkeypatch.setitem(auth._ACTIVE, (who, str(recent["iat"])), now - 31 * 60)  # the last one 31 minutes ago
    idle = app(recent, {"auth": AUTH}, {"lang": "en"})
    assert not idle.metric and "30 minutes without activity" in idle.warning[0].value
    assert [r[1] for r in records()] == ["sign_out", "sign_in", "page_view", "sign_out"]
