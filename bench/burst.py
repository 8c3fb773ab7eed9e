"""Meeting burst: N browser sessions open the same shared link at once.

For each N a fresh dashboard server is started on 127.0.0.1 (so RSS growth of one N does not
carry into the next) and warmed up with one load of the default view: modules are imported and
the database is open, but the shared link's queries are not cached yet, as when a meeting
starts on a server someone already used. One headless Chromium then opens N browser contexts
(each its own Streamlit session), and all N navigate together; a session succeeds when the
page is drawn (see bench.browser: script notRunning, title there, every chart's svg rendered)
without a Streamlit exception, within `timeout_s`.

Bounded: N <= MAX_SESSIONS, every session times out, the whole burst is cancelled after
timeout_s + 60 s, the server and browser are stopped on the way out. The client runs on the same
machine as the server, so with 2 cores the browser's own rendering of N pages competes with the
server for CPU: `server_cpu_s` (CPU seconds the server used during the burst) against
`client_cpu_s` (Playwright and Chromium, the rest of this process's tree) shows whose work the
wall time was.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path

from bench import browser, memory

MAX_SESSIONS = 100
SHARED_LINK = "/?region=3306&from=2023-01&to=2024-03&lang=en"
WARMUP_PATH = "/?lang=en"


async def _session(context, base_url: str, link: str, timeout_s: float) -> dict:
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    await page.goto(browser.url_of(base_url, link), wait_until="commit", timeout=timeout_s * 1000)
    result = await page.evaluate(browser.DRAWN_JS, [timeout_s * 1000, browser.STABLE_MS])
    if result is None:
        raise TimeoutError(f"not drawn within {timeout_s}s")
    if result["exceptions"]:
        raise RuntimeError(f"{result['exceptions']} Streamlit exception(s) on the page")
    return {"ms": result["ms"], "charts": result["charts"], "console_errors": len(errors)}


async def _burst(base_url: str, pid: int, n: int, link: str, timeout_s: float) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await browser.launch(pw)
        try:
            warm = await chromium.new_context()
            await _session(warm, base_url, WARMUP_PATH, timeout_s)
            await warm.close()
            contexts = [await chromium.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(n)]
            before, cpu_before = memory.rss(pid), memory.cpu_seconds(pid)
            client_before = memory.cpu_seconds(os.getpid()) - cpu_before
            with memory.Sampler(pid) as sampler:
                started = time.monotonic()
                tasks = [asyncio.wait_for(_session(c, base_url, link, timeout_s), timeout_s + 30) for c in contexts]
                outcomes = await asyncio.gather(*tasks, return_exceptions=True)
                wall_s = time.monotonic() - started
                cpu_after = memory.cpu_seconds(pid)
                client_after = memory.cpu_seconds(os.getpid()) - cpu_after
            for context in contexts:
                await context.close()
        finally:
            await chromium.close()
    return {
        "outcomes": outcomes,
        "wall_s": wall_s,
        "before": before,
        "peak_mb": sampler.peak_mb,
        "cpu_s": cpu_after - cpu_before,
        "client_cpu_s": client_after - client_before,
    }


def run_one(base_url: str, pid: int, n: int, link: str = SHARED_LINK, timeout_s: float = 60.0) -> dict:
    """One burst of `n` sessions against a running server whose process id is `pid`."""
    browser.check_loopback(base_url)
    if not 1 <= n <= MAX_SESSIONS:
        raise ValueError(f"burst size must be 1..{MAX_SESSIONS}, not {n}")
    result = asyncio.run(asyncio.wait_for(_burst(base_url, pid, n, link, timeout_s), timeout_s + 90))
    before = result["before"]
    after = memory.rss(pid)
    ok = [o for o in result["outcomes"] if isinstance(o, dict)]
    failures = [f"{type(o).__name__}: {o}" for o in result["outcomes"] if not isinstance(o, dict)]
    times = [o["ms"] for o in ok]
    return {
        "n": n,
        "link": link,
        "succeeded": len(ok),
        "success_rate": len(ok) / n,
        "p50_ms": round(statistics.median(times), 1) if times else None,
        "p95_ms": round(browser.percentile(times, 95), 1) if times else None,
        "max_ms": round(max(times), 1) if times else None,
        "wall_s": round(result["wall_s"], 2),
        "console_errors": sum(o["console_errors"] for o in ok),
        "rss_before_mb": round(before["rss_mb"], 1),
        "rss_after_mb": round(after["rss_mb"], 1),
        "rss_peak_mb": round(result["peak_mb"], 1),
        "rss_growth_mb": round(result["peak_mb"] - before["rss_mb"], 1),
        "hwm_mb": round(after["hwm_mb"], 1),
        "server_cpu_s": round(result["cpu_s"], 2),
        "client_cpu_s": round(result["client_cpu_s"], 2),
        "failures": sorted(set(failures))[:5],
    }


def measure(
    db_path: Path,
    sizes: tuple[int, ...] = (10, 25, 50),
    timeout_s: float = 60.0,
    link: str = SHARED_LINK,
    log_dir: Path | None = None,
) -> dict:
    """A burst per size, each on a fresh server over `db_path`. Returns {"bursts": [...], ...}."""
    bursts = []
    for n in sizes:
        log_path = Path(log_dir) / f"burst-{n}.log" if log_dir else None
        with browser.server(Path(db_path), log_path) as srv:
            idle = memory.rss(srv.pid)
            figures = run_one(srv.url, srv.pid, n, link, timeout_s)
            figures["rss_idle_mb"] = round(idle["rss_mb"], 1)
            bursts.append(figures)
    return {"link": link, "timeout_s": timeout_s, "bursts": bursts}
