"""Browser timings: navigation to every chart drawn, per view, warm, in headless Chromium.

"Drawn" means: the app's script state is notRunning with no status widget, the view's title (h1)
is there, no element is still a loading skeleton (Streamlit loads the Plotly and dataframe code
lazily, possibly after the run has finished), and every Plotly chart (`stPlotlyChart`,
`.js-plotly-plot`) has rendered its main svg. The condition is polled inside the page every 25 ms
and must hold for `STABLE_MS` in a row; the figure is the first moment of that
stable run, in ms since navigation start (`performance.now()`), not including the stable window.
`script_ms` is the first poll at which the run had finished and the title was there (charts may still be
loading their code): the gap between the two is the browser's, not the server's (issue 5: mostly evaluating
Streamlit's 4.7 MB Plotly chunk and drawing, on the page's main thread).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.stats import percentile
from burden.balancer import free_port, stop, wait_port

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DEFAULT_QUERY = "lang=en"
DRILLED_QUERY = "lang=en&region=330681&from=2023-01&to=2024-03"
STABLE_MS = 300

# Returns the first time (ms since navigation start) the page has been drawn for STABLE_MS in a
# row, with the number of charts; null on timeout.
DRAWN_JS = """
async ([timeoutMs, stableMs]) => {
  let scriptDone = null;
  const drawn = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return null;
    if (document.querySelector('[data-testid="stStatusWidget"]')) return null;
    if (!document.querySelector('h1')) return null;
    if (scriptDone === null) scriptDone = performance.now();
    if (document.querySelector('[data-testid="stSkeleton"]')) return null;  // an element still loading its code
    for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
      if (!chart.querySelector('.js-plotly-plot')) return null;
    }
    const plots = document.querySelectorAll('.js-plotly-plot');
    for (const plot of plots) {
      if (!plot.querySelector('svg.main-svg')) return null;
    }
    return plots.length;
  };
  const start = performance.now();
  let since = null;
  while (performance.now() - start < timeoutMs) {
    const charts = drawn();
    if (charts === null) {
      since = null;
    } else if (since === null) {
      since = performance.now();
    } else if (performance.now() - since >= stableMs) {
      return {ms: since, script_ms: scriptDone, charts: charts,
              exceptions: document.querySelectorAll('[data-testid="stException"]').length};
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return null;
}
"""


def view_paths(query: str = DEFAULT_QUERY) -> list[str]:
    """Every view's URL path with `query`, in navigation order ("" is the default view)."""
    from burden.web import frame

    return [f"{'' if index == 0 else url}?{query}" for index, (_, url, _, _) in enumerate(frame.PAGES)]


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


@contextlib.contextmanager
def server(db_path: Path, log_path: Path | None = None, timeout: float = 60.0):
    """A fresh `streamlit run serve.py` on a free 127.0.0.1 port, serving `db_path`."""
    port = free_port()
    env = {**os.environ, "BURDEN_DB": str(db_path)}
    cmd = [sys.executable, "-m", "streamlit", "run", "serve.py"]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(proc, port, "streamlit", log_path, timeout)
        yield Server(f"http://127.0.0.1:{port}", proc.pid)
    finally:
        stop(proc)
        if log_path:
            log.close()


def launch(playwright):
    """Debian's Chromium, headless (sync or async Playwright)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def check_loopback(base_url: str) -> None:
    host = urlsplit(base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"benchmarks drive loopback servers only, not {host}")


def url_of(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}/{path.lstrip('/')}"


def load(page, base_url: str, path: str, timeout_s: float = 60.0) -> dict:
    """Navigate `page` and wait until drawn. Returns ms since navigation start, charts and exceptions."""
    page.goto(url_of(base_url, path), wait_until="commit", timeout=timeout_s * 1000)
    result = page.evaluate(DRAWN_JS, [timeout_s * 1000, STABLE_MS])
    if result is None:
        raise TimeoutError(f"{path} not drawn within {timeout_s}s")
    return result


def measure(
    base_url: str, paths: list[str] | None = None, runs: int = 5, timeout_s: float = 60.0, fresh_runs: int = 3
) -> dict:
    """Time to every chart drawn, per path, fresh and warm.

    Fresh: the first load in a new browser context (a new profile: nothing cached, the 4.7 MB Plotly chunk
    included), `fresh_runs` times. Warm: after those, `runs` more loads in the last context, each a new page (a
    new Streamlit session), so the server's caches and the browser's HTTP cache are warm, as for someone who
    opened the dashboard before.
    Returns {"views": {path: {p50_ms, p95_ms, min_ms, max_ms, fresh_p50_ms, runs, charts}}, "runs": runs}.
    """
    from playwright.sync_api import sync_playwright

    check_loopback(base_url)
    paths = paths if paths is not None else view_paths()
    views = {}
    with sync_playwright() as pw:
        chromium = launch(pw)
        try:
            for path in paths:
                times, script_times, fresh, charts, exceptions = [], [], [], 0, 0
                for _ in range(max(fresh_runs, 1)):
                    context = chromium.new_context(viewport={"width": 1400, "height": 1200})
                    page = context.new_page()
                    fresh.append(load(page, base_url, path, timeout_s)["ms"])
                    page.close()
                    if len(fresh) < max(fresh_runs, 1):
                        context.close()
                for _ in range(runs):
                    page = context.new_page()
                    result = load(page, base_url, path, timeout_s)
                    page.close()
                    times.append(result["ms"])
                    script_times.append(result["script_ms"])
                    charts = result["charts"]
                    exceptions += result["exceptions"]
                context.close()
                views[path] = {
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(percentile(times, 95), 1),
                    "min_ms": round(min(times), 1),
                    "max_ms": round(max(times), 1),
                    "fresh_p50_ms": round(statistics.median(fresh), 1),
                    "fresh_runs": len(fresh),
                    "script_p50_ms": round(statistics.median(script_times), 1),  # run done, title drawn
                    "runs": len(times),
                    "charts": charts,
                    "exceptions": exceptions,
                }
        finally:
            chromium.close()
    return {"runs": runs, "stable_ms": STABLE_MS, "views": views}
