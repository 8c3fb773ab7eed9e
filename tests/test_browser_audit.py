"""The audit trail and the session limits in a real browser, through the real sign-in (the loopback OIDC provider):
an inspector's sign-in, three pages, cadre rows and an export give exactly the expected audit records; a sign-in
idle past its limit gets the sign-in page on the next request, and signing in again returns to the same link."""

from __future__ import annotations

import time

import pytest

from burden.ledger import audit
from burden.ledger.store import open_store
from tests.browser_util import wait_for_app
from tests.oidc import signin_stack
from tests.test_browser_login import ZHUJI, browser, sign_in, url  # noqa: F401  (browser: a fixture)

pytestmark = pytest.mark.browser

INSPECTOR = "zhuji.inspector@example.gov.cn"
VILLAGE = "330681120219"  # 湖田村
IDLE_MIN = 0.15  # the second server's idle limit: 9 s


@pytest.fixture
def stack_with(small_db, tmp_path):
    """A sign-in stack with its own audit store (and more settings); yields (stack, audit reader)."""

    def start(**env: str):
        store_url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
        running = signin_stack(small_db, tmp_path, env={"BURDEN_LEDGER_URL": store_url, **env})
        return running, lambda: audit.AuditLog(open_store(store_url)).search()

    return start


def test_an_inspectors_session_leaves_exactly_its_audit_records(browser, stack_with):  # noqa: F811
    running, records = stack_with()
    with running as stack:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        sign_in(page, stack, "zhuji_inspector", url(stack, {"lang": "en"}))
        wait_for_app(page)
        page.goto(url(stack, {"lang": "en"}, path="apps"))
        wait_for_app(page)
        page.goto(url(stack, {"lang": "en", "region": VILLAGE}, path="regions"))
        wait_for_app(page)
        page.wait_for_selector("text=Cadres (2024-03, pseudonymous)")
        wait_for_app(page)  # the run has finished: its buttons are the ones that stay
        button = page.locator(".st-key-cadre_table_csv button")  # the cadre table's CSV (ui.table's key + "_csv")
        with page.expect_download(timeout=60000) as download:
            button.click()
        assert download.value.suggested_filename.endswith(".csv")
        context.close()
    found = [(r.who, r.role, r.action, r.target) for r in records()]
    assert found == [
        (INSPECTOR, "inspector", "sign_in", None),
        (INSPECTOR, "inspector", "page_view", "/?lang=en"),
        (INSPECTOR, "inspector", "page_view", "/apps?lang=en"),
        (INSPECTOR, "inspector", "page_view", f"/regions?lang=en&region={VILLAGE}"),
        (INSPECTOR, "inspector", "cadre_rows", VILLAGE),
        (INSPECTOR, "inspector", "export", "cadres"),
    ]
    assert {r.region for r in records()} == {ZHUJI}


def test_an_idle_session_gets_the_sign_in_page_and_returns_to_its_link(browser, stack_with):  # noqa: F811
    running, records = stack_with(BURDEN_SESSION_IDLE_MIN=str(IDLE_MIN))
    link = {"lang": "en", "region": VILLAGE, "from": "2023-10", "to": "2024-03"}
    with running as stack:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in(page, stack, "zhuji_inspector", url(stack, link, path="regions"))
        page.wait_for_url(f"{stack.app_url}/regions?**", timeout=30000)
        wait_for_app(page)
        # the idle limit is the thing under test: wait until it has passed, with no request meanwhile
        deadline = time.time() + IDLE_MIN * 60 + 1
        page.wait_for_function(f"() => Date.now() / 1000 > {deadline}", timeout=60000, polling=500)
        page.reload()
        page.get_by_text("without activity").wait_for(timeout=60000)
        page.get_by_role("button", name="Sign in").wait_for(timeout=60000)  # drawn after the notice
        wait_for_app(page)
        assert not page.query_selector('[data-testid="stMetricValue"]')
        sign_in(page, stack, "zhuji_inspector", page.url)  # signing in again lands on the same link
        page.wait_for_url(f"{stack.app_url}/regions?**", timeout=30000)
        wait_for_app(page)
        assert page.inner_text("h1").startswith("Regions · ")
        context.close()
    assert [(r.action, (r.detail or {}).get("reason")) for r in records() if r.action in ("sign_in", "sign_out")] == [
        ("sign_in", None),
        ("sign_out", "idle"),
        ("sign_in", None),
    ]
