"""Meeting burst: N sessions open the same shared link at once, through Streamlit's websocket protocol.

For each N a fresh dashboard server is started on 127.0.0.1 (so RSS growth of one N does not
carry into the next) and warmed up with one session of the default view: modules are imported and
the database is open, but the shared link's queries are not cached yet, as when a meeting starts
on a server someone already used. Then N sessions (bench.wsclient: the page's HTTP requests, the
websocket, the rerun a browser tab sends) all start in the same instant; a session succeeds when
its run finished without an exception element, within `timeout_s`. "Time to a finished render" is
from the session's first HTTP request to script_finished; the drawing a browser does after that is
not in it (bench.browser measures drawing). Finished sessions stay connected until all N are done,
as open tabs would, so the peak RSS holds N live sessions.

Why not N browsers: with one headless Chromium on this 2-core machine, drawing N pages cost ~14×
the server's CPU (N=10: 69 s against 5 s) and N=25 never finished, so it measured the client. The
websocket client's CPU is reported beside the server's to show it is small. `server_cores_busy` (server
CPU / wall) stayed at or below ~1.1 on this 2-core machine: the N script runs are threads of one
Python process and share its interpreter lock, so N × `server_cpu_per_session_s` is about the wall
time of a burst, and the sessions finish together (p50 ≈ p95). `crosscheck` opens the same link
in 3 real Chromium sessions and checks they show what the websocket client decoded (title, every
headline card, chart count).

Bounded: loopback only, N <= MAX_SESSIONS, every session times out, servers are stopped on the way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from pathlib import Path

from bench import browser, memory, wsclient
from bench.stats import percentile
from burden import balancer

MAX_SESSIONS = 200
SHARED_LINK = "/?region=3306&from=2023-01&to=2024-03&lang=en"
WARMUP_PATH = "/?lang=en"
CROSSCHECK_BROWSERS = 3
FLOOR_SESSIONS = 10  # sessions of the floor: the same link again, its data in the server's memory


def _ms(values: list[float], q: float) -> float | None:
    return round(percentile(values, q), 1) if values else None


async def _burst(base_url: str, pid: int | tuple[int, ...], n: int, link: str, timeout_s: float, warm_up: bool) -> dict:
    # One warm-up session per process (behind the balancer each new session goes to the next process);
    # a failure shows in the figures, not here.
    processes = 1 if isinstance(pid, int) else len(pid)
    warms = [await wsclient.open_link(base_url, WARMUP_PATH, timeout_s) for _ in range(processes if warm_up else 0)]
    warm = next((w for w in warms if not w.ok), warms[-1] if warms else None)
    hold, all_done, done = asyncio.Event(), asyncio.Event(), []

    def on_done(render: wsclient.Render) -> None:
        done.append(render)
        if len(done) == n:
            all_done.set()

    before, cpu_before, client_before = memory.rss(pid), memory.cpu_seconds(pid), time.process_time()
    with memory.Sampler(pid) as sampler:
        started = time.monotonic()
        tasks = [asyncio.create_task(wsclient.open_link(base_url, link, timeout_s, hold, on_done)) for _ in range(n)]
        try:
            await asyncio.wait_for(all_done.wait(), timeout_s + 10)  # each session times out at timeout_s
        finally:
            wall_s = time.monotonic() - started
            cpu_s, client_cpu_s = memory.cpu_seconds(pid) - cpu_before, time.process_time() - client_before
            connected = memory.rss(pid)
            hold.set()
            renders = await asyncio.gather(*tasks)
    await asyncio.sleep(1.0)  # let the server drop the closed sessions before reading RSS after
    return {
        "warmup": warm,
        "renders": renders,
        "wall_s": wall_s,
        "before": before,
        "connected": connected,
        "peak_mb": max(sampler.peak_mb, before["rss_mb"], connected["rss_mb"]),  # samples are 0.1 s apart
        "after": memory.rss(pid),
        "cpu_s": cpu_s,
        "client_cpu_s": client_cpu_s,
    }


def _warmup_text(warm: wsclient.Render | None) -> str:
    if warm is None:
        return "none"
    return "finished" if warm.ok else f"{warm.status}: {warm.error}"


def run_one(
    base_url: str,
    pid: int | tuple[int, ...],
    n: int,
    link: str = SHARED_LINK,
    timeout_s: float = 60.0,
    warm_up: bool = True,
) -> dict:
    """One burst of `n` websocket sessions against a running server whose process id is `pid` (or the
    processes behind a balancer: their CPU and memory are summed). Without `warm_up` the burst is the
    server's first sessions, as when a meeting starts on processes just started."""
    browser.check_loopback(base_url)
    if not 1 <= n <= MAX_SESSIONS:
        raise ValueError(f"burst size must be 1..{MAX_SESSIONS}, not {n}")
    wsclient.split_link(link)  # a path with a query, or ValueError
    result = asyncio.run(_burst(base_url, pid, n, link, timeout_s, warm_up))
    renders: list[wsclient.Render] = result["renders"]
    ok = [r for r in renders if r.ok]
    times = [r.ms for r in ok]
    first = [r.first_delta_ms for r in ok]
    failures = Counter(f"{r.status}: {r.error}" for r in renders if not r.ok)
    pages = Counter((r.title, tuple(value for _, value in r.metrics)) for r in ok)
    before = result["before"]
    return {
        "n": n,
        "link": link,
        "client": "websocket",
        "warmup": _warmup_text(result["warmup"]),
        "succeeded": len(ok),
        "success_rate": len(ok) / n,
        "p50_ms": _ms(times, 50),
        "p95_ms": _ms(times, 95),
        "max_ms": round(max(times), 1) if times else None,
        "first_delta_p50_ms": _ms(first, 50),
        "first_delta_p95_ms": _ms(first, 95),
        "wall_s": round(result["wall_s"], 2),
        "deltas": sorted({r.deltas for r in ok}),  # one value when every session got the same page
        "charts": sorted({r.elements["plotly_chart"] for r in ok}),
        "received_mb": round(sum(r.bytes for r in renders) / memory.MB, 2),
        "rss_before_mb": round(before["rss_mb"], 1),
        "rss_connected_mb": round(result["connected"]["rss_mb"], 1),
        "rss_peak_mb": round(result["peak_mb"], 1),
        "rss_after_mb": round(result["after"]["rss_mb"], 1),
        "rss_growth_mb": round(result["peak_mb"] - before["rss_mb"], 1),
        "hwm_mb": round(result["after"]["hwm_mb"], 1),
        "server_cpu_s": round(result["cpu_s"], 2),
        "server_cpu_per_session_s": round(result["cpu_s"] / n, 3),
        "server_cores_busy": round(result["cpu_s"] / result["wall_s"], 2) if result["wall_s"] else None,
        # The wall time no schedule could beat on this machine: the server's CPU spread over every core.
        "server_cpu_floor_s": round(result["cpu_s"] / (os.cpu_count() or 1), 2),
        "client_cpu_s": round(result["client_cpu_s"], 2),
        "failures": [f"{count}× {text}" for text, count in failures.most_common(5)],
        # Behind the balancer: finished sessions per process (its sticky cookie); {} on a single server.
        "sessions_per_process": dict(sorted(Counter(r.server for r in ok if r.server).items())),
        # What the sessions were shown: one entry when every session got the same title and headline cards.
        "pages": [{"title": t, "values": list(v), "sessions": c} for (t, v), c in pages.most_common()],
    }


@contextlib.contextmanager
def _serving(db_path: Path, processes: int, log_dir: Path | None, n: int):
    """(url, pids): one fresh server (processes 0: `streamlit run` alone), or N behind HAProxy."""
    if processes == 0:
        log_path = Path(log_dir) / f"burst-{n}.log" if log_dir else None
        with browser.server(Path(db_path), log_path) as srv:
            yield srv.url, srv.pid
    else:
        logs = Path(log_dir) / f"burst-{n}-p{processes}" if log_dir else None
        with balancer.cluster(processes, db_path=Path(db_path), log_dir=logs) as running:
            yield running.url, running.pids


def measure(
    db_path: Path,
    sizes: tuple[int, ...] = (10, 25, 50),
    timeout_s: float = 60.0,
    link: str = SHARED_LINK,
    log_dir: Path | None = None,
    crosscheck_browsers: int = CROSSCHECK_BROWSERS,
    processes: tuple[int, ...] = (0,),
    floor_sessions: int = FLOOR_SESSIONS,
) -> dict:
    """A burst per size and number of processes, each on fresh servers over `db_path`, then the Chromium
    cross-check. Processes 0 is one server alone; 1 or more are that many behind the balancer (burden.balancer).

    The floor: after the first burst, `floor_sessions` more open the same link on the same server, whose
    caches now hold the link's query results and built figures: the server's CPU per session for the same
    elements with the data already in memory (0: not measured).

    Returns {"bursts": [...], "floor": {...} or None, "crosscheck": {...} or None, ...}.
    """
    bursts, floor = [], None
    for count in processes:
        for n in sizes:
            with _serving(db_path, count, log_dir, n) as (url, pids):
                idle = memory.rss(pids)
                figures = run_one(url, pids, n, link, timeout_s)
                figures["rss_idle_mb"] = round(idle["rss_mb"], 1)
                figures["processes"], figures["balanced"] = max(count, 1), count > 0
                bursts.append(figures)
                if floor is None and floor_sessions:
                    again = run_one(url, pids, floor_sessions, link, timeout_s, warm_up=False)
                    floor = {k: again[k] for k in ("n", "success_rate", "p50_ms", "server_cpu_per_session_s")}
                    floor["processes"] = max(count, 1)
    check = None
    if crosscheck_browsers:
        log_path = Path(log_dir) / "burst-crosscheck.log" if log_dir else None
        with browser.server(Path(db_path), log_path) as srv:
            check = crosscheck(srv.url, link, crosscheck_browsers, timeout_s)
    return {
        "link": link,
        "timeout_s": timeout_s,
        "cores": os.cpu_count(),
        "bursts": bursts,
        "floor": floor,
        "crosscheck": check,
    }


# The page's title and headline cards, as drawn.
_SHOWN_JS = """
() => ({
  title: document.querySelector('h1') ? document.querySelector('h1').innerText.trim() : null,
  values: [...document.querySelectorAll('[data-testid="stMetricValue"]')].map((e) => e.innerText.trim()),
})
"""


async def _browser_session(chromium, base_url: str, link: str, timeout_s: float) -> dict:
    context = await chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        await page.goto(browser.url_of(base_url, link), wait_until="commit", timeout=timeout_s * 1000)
        drawn = await page.evaluate(browser.DRAWN_JS, [timeout_s * 1000, browser.STABLE_MS])
        if drawn is None:
            return {"ok": False, "error": f"not drawn within {timeout_s:g} s"}
        shown = await page.evaluate(_SHOWN_JS)
        return {"ok": drawn["exceptions"] == 0, "ms": drawn["ms"], "charts": drawn["charts"], **shown}
    finally:
        await context.close()


async def _crosscheck(base_url: str, link: str, browsers: int, timeout_s: float) -> dict:
    from playwright.async_api import async_playwright

    await wsclient.open_link(base_url, link, timeout_s)  # warm: both clients then read cached queries
    ws = await wsclient.open_link(base_url, link, timeout_s)
    async with async_playwright() as pw:
        chromium = await browser.launch(pw)
        try:
            tabs = [_browser_session(chromium, base_url, link, timeout_s) for _ in range(browsers)]
            shown = await asyncio.gather(*tabs)
        finally:
            await chromium.close()
    ws_values = [value for _, value in ws.metrics]
    return {
        "link": link,
        "websocket": {
            "ok": ws.ok,
            "ms": ws.ms,
            "title": ws.title,
            "values": ws_values,
            "charts": ws.elements["plotly_chart"],
        },
        "browsers": shown,
        "agree": ws.ok
        and all(s["ok"] and s["title"] == ws.title and s["values"] == ws_values for s in shown)
        and all(s["charts"] == ws.elements["plotly_chart"] for s in shown),
    }


def crosscheck(
    base_url: str, link: str = SHARED_LINK, browsers: int = CROSSCHECK_BROWSERS, timeout_s: float = 60.0
) -> dict:
    """One websocket session and `browsers` Chromium sessions (at once) on `link`: same title, cards, charts?"""
    browser.check_loopback(base_url)
    if not 1 <= browsers <= 10:
        raise ValueError(f"cross-check browsers must be 1..10, not {browsers}")
    return asyncio.run(_crosscheck(base_url, link, browsers, timeout_s))
