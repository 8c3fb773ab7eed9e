"""The Overview's county map is a fragment: in a real browser, switching its metric redraws the map with the
new metric's figures while the rest of the page stays drawn, without errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from burden import i18n
from burden.filters import ViewState
from burden.views import overview
from tests.browser_util import ConsoleWatch, launch_chromium, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser


def _titles(page) -> list[str]:
    return page.eval_on_selector_all(".js-plotly-plot .gtitle", "nodes => nodes.map(n => n.textContent)")


def test_map_metric_switch_redraws_the_map(small_db, use_db, tmp_path):
    use_db(small_db)
    i18n.set_lang("en")
    state = ViewState(start="2022-10", end="2024-03", lang="en")
    held = overview.map_title(overview.county_map(state, "apps_held_per_cadre_median"))
    rate = overview.map_title(overview.county_map(state, "duplicate_entry_rate"))
    button = i18n.t("metric.duplicate_rate")
    i18n.set_lang(i18n.DEFAULT_LANG)
    assert held != rate
    with streamlit_server(small_db, tmp_path / "server.log") as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            console = ConsoleWatch(page, base)
            page.goto(f"{base}/?lang=en", wait_until="domcontentloaded")
            wait_for_app(page)
            before = _titles(page)
            assert held in before and rate not in before
            page.locator("[data-testid=stButtonGroup] button", has_text=button).last.click()
            page.wait_for_function(
                "t => [...document.querySelectorAll('.js-plotly-plot .gtitle')].some(n => n.textContent === t)",
                arg=rate,
                timeout=60000,
            )
            wait_for_app(page)
            after = _titles(page)
            assert rate in after and held not in after
            assert len(after) == len(before)  # the trends and the ranking are still drawn beside the new map
            assert not page.query_selector('[data-testid="stException"]')
            assert console.unexpected() == []
        finally:
            browser.close()
