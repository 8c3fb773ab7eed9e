"""The admin's audit page in AppTest (st.user seeded): it lists the records a search matches, newest first, and its
CSV is the command line's; only admins see the page, and the read is refused below the page for anyone else."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from burden import access
from burden.ledger.audit import AuditLog
from burden.ledger.store import open_store
from burden.views import audit
from burden.web import trail
from tests.apptest_util import open_view
from tests.test_auth_gate import AUTH

ADMIN = {"is_logged_in": True, "email": "admin@example.gov.cn", "sub": "demo-admin"}
INSPECTOR = {"is_logged_in": True, "email": "zhuji.inspector@example.gov.cn", "sub": "demo-zhuji-inspector"}
PARAMS = {"lang": "en"}


@pytest.fixture
def log(small_db, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    monkeypatch.setenv("BURDEN_DB", str(small_db))
    monkeypatch.setenv("BURDEN_LEDGER_URL", url)
    monkeypatch.setattr(trail, "_SEEN", set())
    return AuditLog(open_store(url))


def _open(user: dict, page: str = "app_pages/overview.py", params: dict = PARAMS) -> AppTest:
    return open_view(page, params, {**user, "iat": int(time.time())}, {"auth": AUTH})


def test_the_admin_searches_the_log_and_gets_the_command_lines_csv(log, small_db):
    log.record("zhuji.inspector@example.gov.cn", "inspector", "330681", "cadre_rows", "330681120219", "ok", {"rows": 9})
    log.record("someone@example.com", "none", None, "denied", "/", "denied")
    at = _open(ADMIN, "app_pages/audit.py")
    assert "audit" in [link.proto.page for link in at.get("page_link")]
    shown = at.dataframe[0].value
    everything = audit.search(access.Scope("admin", "33", ADMIN["email"]), audit.Search())
    assert len(shown) == len(everything) == 4  # the two above, the admin's sign-in and page view
    assert list(shown["Event"]) == ["Page view", "Sign-in", "Denied", "Cadre rows viewed"]  # newest first
    assert shown["Person"][0] == ADMIN["email"] and shown["Target"][0] == "/audit?lang=en"

    at.selectbox(key="audit_action").set_value("cadre_rows")
    [search] = [b for b in at.button if b.label == "Search"]
    search.click().run()
    shown = at.dataframe[0].value
    assert list(shown["Person"]) == ["zhuji.inspector@example.gov.cn"] and shown["Detail"][0] == "rows=9"

    today = date.today().isoformat()
    cli = subprocess.run(
        [sys.executable, "-m", "burden", "audit", "export", "--action", "cadre_rows", "--since", today],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = audit.search(access.Scope("admin", "33", ADMIN["email"]), audit.Search(action="cadre_rows"))
    assert audit.csv_bytes(found).decode("utf-8-sig") == cli


def test_only_admins_see_the_page_and_the_read_is_refused_below_it(log):
    at = _open(INSPECTOR)
    assert "audit" not in [link.proto.page for link in at.get("page_link")]
    with pytest.raises(audit.NotAllowed):
        audit.search(access.Scope("inspector", "330681", INSPECTOR["email"]), audit.Search())
    county_admin = access.Scope("admin", "330681", "zhuji.admin@example.gov.cn")
    with pytest.raises(audit.NotAllowed):
        audit.search(county_admin, audit.Search(region="3301"))  # 杭州: outside the county
    log.record("a@example.gov.cn", "staff", "330681", "load", "x.csv", "ok", None)
    log.record("b@example.gov.cn", "staff", "330281", "load", "y.csv", "ok", None)
    assert [r.who for r in audit.search(county_admin, audit.Search(action="load"))] == ["a@example.gov.cn"]
