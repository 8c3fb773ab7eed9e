"""A fresh server whose very first request is a deep link gets the full view."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from burden import metrics
from tests.browser_util import ConsoleWatch, launch_chromium, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser


def test_deep_link_is_a_fresh_servers_first_request(small_db, tmp_path):
    with streamlit_server(small_db, tmp_path / "server.log") as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        console = ConsoleWatch(page, base)
        page.goto(f"{base}/?lang=en&region=330681&from=2023-02&to=2023-11", wait_until="domcontentloaded")
        wait_for_app(page)
        page.wait_for_selector(".js-plotly-plot", timeout=60000)

        assert page.locator("h1").first.inner_text().startswith("Overview · Zhuji")
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.is_visible()
        assert sidebar.get_by_role("combobox", name="Region").input_value() == "Zhuji · 330681"
        assert sidebar.get_by_role("combobox", name="From month").input_value() == "2023-02"
        assert sidebar.get_by_role("combobox", name="To month").input_value() == "2023-11"
        assert sidebar.get_by_role("radio", name="English").is_checked()
        assert page.locator('[data-testid="stMetric"]').count() == len(metrics.cards("overview"))
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "region=330681" in page.url and "lang=en" in page.url
        assert console.unexpected() == []
        browser.close()


@pytest.mark.parametrize(
    ("path", "title"),
    [("remediation?lang=en&region=330681", "Remediation · Zhuji"), ("apps?lang=zh", "应用 · 浙江省")],
)
def test_a_page_link_opened_first_requests_nothing_from_the_wrong_path(small_db, tmp_path, path, title):
    """Opened first at /remediation, the page asks the server at its root: no 404, no console error."""
    with streamlit_server(small_db, tmp_path / "server.log") as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        console = ConsoleWatch(page, base)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{base}/{path}", wait_until="domcontentloaded")
        wait_for_app(page)

        assert page.locator("h1").first.inner_text().startswith(title)
        page_path = path.split("?")[0]
        assert page.url.split("?")[0] == f"{base}/{page_path}"
        assert f"{base}/_stcore/health" in requested
        assert not [url for url in requested if url.startswith(f"{base}/{page_path}/")]
        assert console.unexpected() == []
        browser.close()
