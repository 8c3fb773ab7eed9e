"""The audit trail of the app in AppTest (st.user seeded; the real OIDC round trip is tests/test_browser_login.py):
exactly one record per sign-in, per page view (a rerun of the same view adds none), per view of cadre rows, per
export; a denial is recorded; local single-user mode records nothing."""

from __future__ import annotations

import pytest
import streamlit as st

from burden import access
from burden.ledger import audit
from burden.ledger.store import open_store
from burden.web import trail
from tests.test_auth_gate import AUTH, app  # noqa: F401  (app: the dashboard in AppTest, as a fixture)

INSPECTOR = {"is_logged_in": True, "email": "zhuji.inspector@example.gov.cn", "sub": "i-1", "iat": 1764800000}
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
    assert st.query_params is not None
