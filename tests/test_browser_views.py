"""Every view in a real browser (Debian's Chromium via Playwright), against one fresh server."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import sync_playwright

from burden import metrics
from burden.web import frame
from tests.browser_util import ConsoleWatch, headline, launch_chromium, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser

URL_PATHS = ["" if index == 0 else url for index, (_, url, _, _) in enumerate(frame.PAGES)]


@pytest.fixture(scope="module")
def server(small_db, tmp_path_factory):
    with streamlit_server(small_db, tmp_path_factory.mktemp("server") / "server.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        yield chromium
        chromium.close()


def open_page(browser, base: str, path: str, query: str, width: int = 1400, url: str | None = None):
    context = browser.new_context(viewport={"width": width, "height": 1200})
    page = context.new_page()
    console = ConsoleWatch(page, base)
    page.goto(url or f"{base}/{path}?{query}", wait_until="domcontentloaded")
    wait_for_app(page)
    return context, page, console


@pytest.fixture(scope="module")
def reader(server, browser):
    """One reader per language, who opened the Overview from a link and goes from view to view by the sidebar (a
    fresh tab per view spent 2.6 s of its 3 s starting the front end; deep links: tests/test_browser_deeplink.py)."""
    tabs = {}
    yield (
        lambda lang: (
            tabs.get(lang)
            or tabs.setdefault(
                lang, open_page(browser, server, "", f"lang={lang}&region=330681&from=2023-01&to=2024-03")
            )
        )
    )
    for context, _page, _console in tabs.values():
        context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", URL_PATHS, ids=lambda p: p or "overview")
def test_every_view_loads_cleanly(reader, path, lang):
    _context, page, console = reader(lang)
    seen = len(console.unexpected())
    if urlsplit(page.url).path != f"/{path}":
        title = page.locator("h1").first.inner_text()
        page.locator(f'[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href^="{path}?"]').click()
        page.wait_for_url(lambda url: urlsplit(url).path == f"/{path}")
        # the new view's run has drawn its own title (every view's differs), then finished
        page.wait_for_function("(old) => document.querySelector('h1')?.innerText !== old", arg=title)
        wait_for_app(page)
    assert parse_qs(urlsplit(page.url).query)["region"] == ["330681"]  # the view is kept from page to page
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator("h1").count() >= 1
    assert console.unexpected()[seen:] == []


def test_meeting_mode_hides_the_sidebar(server, browser):
    context, page, console = open_page(browser, server, "", "lang=en&mode=meeting", width=1920)
    try:
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert page.get_by_role("link", name="Exit meeting mode").is_visible()
        assert console.unexpected() == []
    finally:
        context.close()


def test_click_on_city_ranking_drills_in(server, browser):
    context, page, _ = open_page(browser, server, "", "lang=en")
    try:
        ranking = page.locator(".js-plotly-plot").filter(has_text="carries the most apps").first
        top_bar = ranking.locator("g.point path").last  # bars are drawn bottom-up: the last is the top bar
        label = ranking.locator("g.ytick text").last.text_content()
        top_bar.scroll_into_view_if_needed()
        box = top_bar.bounding_box()
        # Plotly's drag layer covers the bars, so click where the bar is rather than on its element.
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("() => new URLSearchParams(location.search).get('region')?.length === 4")
        wait_for_app(page)
        assert page.locator("h1").first.inner_text() == f"Overview · {label}"
    finally:
        context.close()


def test_share_link_opens_the_same_view_elsewhere(server, browser):
    context, page, _ = open_page(browser, server, "", "lang=en&region=3306&from=2023-02&to=2023-10")
    try:
        page.get_by_text("Share this view").click()
        link = page.locator('[data-testid="stCode"] code').first.inner_text().strip()
        assert "region=3306" in link and "from=2023-02" in link and "to=2023-10" in link and "lang=en" in link
        shown = headline(page)
    finally:
        context.close()
    assert link.startswith(server)
    other, page2, console = open_page(browser, server, "", "", url=link)
    try:
        assert headline(page2) == shown and len(shown) == len(metrics.cards("overview"))
        assert console.unexpected() == []
    finally:
        other.close()
