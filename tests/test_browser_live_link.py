"""A link shared in a meeting shows the same view after the next day's logs load: the same period and figures,
and a notice naming the months that received late rows since the link was made."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import sync_playwright

from burden import metrics
from burden.ingest.pipeline import load
from tests.browser_util import ConsoleWatch, headline, launch_chromium, streamlit_server, wait_for_app
from tests.test_live_data import later_day_with_late_rows

pytestmark = pytest.mark.browser


def open_link(browser, base: str, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    console = ConsoleWatch(page, base)
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)
    return context, page, console


def test_a_shared_link_survives_the_next_days_load(to_date_db, tmp_path):
    db = tmp_path / "burden.duckdb"
    shutil.copyfile(to_date_db, db)
    with streamlit_server(db, tmp_path / "server.log") as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        context, page, _ = open_link(browser, base, f"{base}/?lang=en&region=330681")
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_role("combobox", name="To month").input_value() == "2024-02"  # last complete month
        as_of = "Data as of 2024-03-06 · Mar 2024, days 1–6 is a month to date; views end at 2024-02 by default"
        assert as_of in sidebar.inner_text()
        page.get_by_text("Share this view").click()
        link = page.locator('[data-testid="stCode"] code').first.inner_text().strip()
        assert link == f"{base}?lang=en&region=330681&from=2022-10&to=2024-02&asof=2024-03-06"
        shown = headline(page)
        context.close()
        assert len(shown) == len(metrics.cards("overview"))

        day = later_day_with_late_rows(db, tmp_path / "day.parquet")  # 7 March, and late rows for 10 January
        assert load([day], db, progress=lambda _: None).ok

        context, page, console = open_link(browser, base, link)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_role("combobox", name="From month").input_value() == "2022-10"
        assert sidebar.get_by_role("combobox", name="To month").input_value() == "2024-02"
        assert headline(page) == shown  # February's figures: no late rows for it
        notice = page.locator('[data-testid="stAlert"]').filter(has_text="arrived since").inner_text()
        assert "data as of 2024-03-06" in notice and "Rows for 2024-01 have arrived since" in notice
        assert "now as of 2024-03-07" in notice
        assert console.unexpected() == []
        context.close()

        # the bare address moves on with the data; the link did not
        context, page, _ = open_link(browser, base, f"{base}/?lang=en&region=330681")
        assert page.locator('[data-testid="stAlert"]').filter(has_text="arrived since").count() == 0
        context.close()
        browser.close()
