"""Browser-test helpers: a fresh server (shared with the bench), waiting for a run to be drawn, console errors."""

from __future__ import annotations

import contextlib
from pathlib import Path

from bench.browser import launch as launch_chromium  # noqa: F401  (re-exported for tests and tools)
from bench.browser import server


@contextlib.contextmanager
def streamlit_server(db_path: Path, log_path: Path, timeout: float = 60.0):
    """A fresh `streamlit run dashboard.py` on a free loopback port; yields its base URL.

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

    Streamlit itself probes `<page>/_stcore/health` and `<page>/_stcore/host-config` before the
    server root when a non-root page is opened directly (streamlit/streamlit#7074, open); those
    404s are the only console errors tolerated, and only when that exact probe was seen.
    """

    PROBES = ("/_stcore/health", "/_stcore/host-config")

    def __init__(self, page, base: str):
        self.base = base
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.probe_404s = 0
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("requestfailed", lambda req: self.failed.append(req.url))
        page.on("response", self._response)

    def _response(self, response) -> None:
        url = response.url
        is_probe = url.startswith(self.base) and url.endswith(self.PROBES) and url[len(self.base) :].count("/") > 2
        if response.status == 404 and is_probe:
            self.probe_404s += 1

    def unexpected(self) -> list[str]:
        """Console errors beyond the known probe 404s, plus every failed request."""
        errors = list(self.errors)
        for _ in range(self.probe_404s):
            text = "Failed to load resource: the server responded with a status of 404 (Not Found)"
            if text in errors:
                errors.remove(text)
        return errors + [f"request failed: {url}" for url in self.failed]


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
