"""A fresh Streamlit server on a free loopback port, and Debian's Chromium via Playwright."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db_path: Path, log_path: Path, timeout: float = 60.0):
    """Start `streamlit run dashboard.py`; wait for its port with a bare TCP connect.

    No HTTP request is made before the caller's, so a test's first page load is
    the first request the server sees.
    """
    port = free_port()
    env = {**os.environ, "BURDEN_DB": str(db_path)}
    cmd = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port)]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited early; see {log_path}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"streamlit did not listen within {timeout}s; see {log_path}")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (and fonts-noto-cjk); .ci/run does")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_for_app(page, timeout_ms: int = 60000) -> None:
    """Wait until the script run finished and the charts are drawn."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_selector("h1", timeout=timeout_ms)  # every view has a title: the first run has drawn
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stStatusWidget"]')
                && !document.querySelector('[data-testid="stSkeleton"]');  // lazily loaded charts drawn
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
