"""Resident memory of the dashboard server, read from /proc (no psutil).

A server is the `streamlit run` process and its descendants. Figures are MB (2**20 bytes):
VmRSS is what is resident now, VmHWM the peak resident size each process has reached since it
started. The sampler adds up VmRSS over the tree every `interval` seconds, so it also sees the
peak of the sum, which per-process VmHWM cannot give.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

MB = 1024 * 1024
_TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int | tuple[int, ...]) -> list[int]:
    """`pid` (or each of several: the processes behind a balancer) and its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    pids, todo = [], [pid] if isinstance(pid, int) else list(pid)
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(children.get(current, []))
    return pids


def _status_kb(pid: int, fields: tuple[str, ...]) -> dict[str, int]:
    values = dict.fromkeys(fields, 0)
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in values:
                values[key] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return values


def rss(pid: int | tuple[int, ...]) -> dict[str, float]:
    """Resident MB of the server tree now (`rss_mb`) and the sum of each process's peak (`hwm_mb`)."""
    total = {"VmRSS": 0, "VmHWM": 0}
    pids = tree(pid)
    for each in pids:
        for key, value in _status_kb(each, ("VmRSS", "VmHWM")).items():
            total[key] += value
    return {"rss_mb": total["VmRSS"] / 1024, "hwm_mb": total["VmHWM"] / 1024, "processes": len(pids)}


def cpu_seconds(pid: int | tuple[int, ...]) -> float:
    """User + system CPU seconds consumed so far by the server tree (live processes only)."""
    total = 0
    for each in tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / _TICKS


class Sampler:
    """Sample the tree's summed VmRSS in a thread; `peak_mb` is the largest sum seen."""

    def __init__(self, pid: int | tuple[int, ...], interval: float = 0.1):
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, rss(self.pid)["rss_mb"])
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self.peak_mb = rss(self.pid)["rss_mb"]
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, rss(self.pid)["rss_mb"])


def measure(db_path: Path, paths: list[str] | None = None, runs: int = 2, log_path: Path | None = None) -> dict:
    """Peak RSS of a fresh dashboard server while a browser opens every view `runs` times.

    `paths` are URL paths with their query (default: every view at province level and drilled into
    a county, in English). Returns MB figures: idle (listening, no request yet), after serving,
    sampled peak, and the summed VmHWM.
    """
    from playwright.sync_api import sync_playwright

    from bench import browser

    paths = paths or browser.view_paths() + browser.view_paths(browser.DRILLED_QUERY)
    with browser.server(db_path, log_path) as srv:
        idle = rss(srv.pid)
        started = time.monotonic()
        with Sampler(srv.pid) as sampler, sync_playwright() as pw:
            chromium = browser.launch(pw)
            try:
                context = chromium.new_context(viewport={"width": 1400, "height": 1200})
                for _ in range(runs):
                    for path in paths:
                        page = context.new_page()
                        browser.load(page, srv.url, path)
                        page.close()
                context.close()
            finally:
                chromium.close()
        after = rss(srv.pid)
    return {
        "db": str(db_path),
        "pages_loaded": runs * len(paths),
        "seconds": round(time.monotonic() - started, 1),
        "idle_rss_mb": round(idle["rss_mb"], 1),
        "after_rss_mb": round(after["rss_mb"], 1),
        "peak_rss_mb": round(sampler.peak_mb, 1),
        "peak_hwm_mb": round(after["hwm_mb"], 1),
    }
