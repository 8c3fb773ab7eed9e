"""Browser-test helpers: a fresh server (shared with the bench), waiting for a run to be drawn, console errors."""

from __future__ import annotations

import contextlib
from pathlib import Path

from bench.browser import launch as launch_chromium  # noqa: F401  (re-exported for tests and tools)
from bench.browser import server


@contextlib.contextmanager
def streamlit_server(db_path: Path, log_path: Path, timeout: float = 60.0):
    """A fresh `streamlit run serve.py` on a free loopback port; yields its base URL.

    It waits for the port with a bare TCP connect: no HTTP request is made before the caller's,
    so a test's first page load is the first request the server sees.
    """
    with server(db_path, log_path, timeout) as srv:
        yield srv.url


def wait_for_app(page, timeout_ms: int = 60000) -> None:
    """Wait until the script run finished and the charts are drawn."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_selector("h1", timeout=timeout_ms)  # every view has a title: the first run has drawn
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stStatusWidget"]')
                && !document.querySelector('[data-testid="stSkeleton"]')  // lazily loaded elements in place
                && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]  // and every chart drawn
                    .every((chart) => chart.querySelector('.js-plotly-plot svg.main-svg'));
        }""",
        timeout=timeout_ms,
    )


class ConsoleWatch:
    """Collect browser console errors and failed requests of a page.

    None is tolerated: a deep link such as /apps no longer probes `/apps/_stcore/health` first
    (burden/web/backend_base.py tells the page where the server is; streamlit/streamlit#7074).
    """

    def __init__(self, page, base: str):
        self.base = base
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.not_found: list[str] = []
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("requestfailed", lambda req: self.failed.append(req.url))
        page.on("response", lambda response: self.not_found.append(response.url) if response.status == 404 else None)

    def unexpected(self) -> list[str]:
        """Every console error, failed request and 404."""
        return (
            self.errors + [f"request failed: {url}" for url in self.failed] + [f"404: {url}" for url in self.not_found]
        )


def headline(page) -> dict[str, str]:
    """The Overview's headline cards: label -> value as drawn (waits for all seven)."""
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 7")
    wait_for_app(page)
    cards = page.locator('[data-testid="stMetric"]')
    return {
        cards.nth(i).locator('[data-testid="stMetricLabel"]').inner_text(): cards.nth(i)
        .locator('[data-testid="stMetricValue"]')
        .inner_text()
        for i in range(cards.count())
    }
