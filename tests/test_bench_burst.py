"""The meeting burst (bench.burst over bench.wsclient): sessions finish, show the right page, failures count.

Success, content and shape only; timings are the benchmark's business, not a test's.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys

import pytest

from bench import browser, burst, wsclient
from burden import metrics, summary

LINK = "/?region=3306&from=2023-01&to=2024-03&lang=en"  # Shaoxing, the bench's shared link


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def expected_cards(db_path, monkeypatch) -> list[str]:
    """The Overview's headline card values for LINK, computed apart from the app by burden.summary."""
    monkeypatch.setenv("BURDEN_DB", str(db_path))
    values = summary.summary("3306", "2023-01", "2024-03")["metrics"]
    return [m.text(values[m.id]["latest"]) for m in metrics.cards("overview")]


def test_small_burst_every_session_shows_the_headline(small_db, tmp_path, monkeypatch):
    figures = burst.measure(
        small_db, sizes=(5,), timeout_s=120, log_dir=tmp_path, crosscheck_browsers=0, floor_sessions=3
    )
    json.dumps(figures)  # the bench writes it as JSON
    [one] = figures["bursts"]
    assert (one["n"], one["succeeded"], one["success_rate"], one["failures"]) == (5, 5, 1.0, [])
    assert one["warmup"] == "finished"
    # Every session was shown the same page: the Shaoxing title and the cards summary() computes.
    [page] = one["pages"]
    assert page["sessions"] == 5
    assert page["title"] == "Overview · Shaoxing"
    assert page["values"] == expected_cards(small_db, monkeypatch)
    assert one["charts"] == [4] and len(one["deltas"]) == 1 and one["deltas"][0] > 50
    for key in ("p50_ms", "p95_ms", "max_ms", "first_delta_p50_ms", "wall_s", "rss_idle_mb", "rss_before_mb"):
        assert is_number(one[key]) and one[key] > 0, key
    assert one["p50_ms"] <= one["p95_ms"] <= one["max_ms"]
    assert one["rss_peak_mb"] >= max(one["rss_before_mb"], one["rss_connected_mb"])
    assert one["rss_growth_mb"] == pytest.approx(one["rss_peak_mb"] - one["rss_before_mb"], abs=0.11)
    assert one["server_cpu_s"] > 0 and one["client_cpu_s"] >= 0 and one["received_mb"] > 0
    assert figures["crosscheck"] is None
    # The floor: three more sessions on the same server, the link's queries and figures already in its memory.
    floor = figures["floor"]
    assert (floor["n"], floor["success_rate"], floor["processes"]) == (3, 1.0, 1)
    assert floor["server_cpu_per_session_s"] > 0 and floor["p50_ms"] > 0


@pytest.fixture(scope="module")
def dashboard(small_db, tmp_path_factory):
    with browser.server(small_db, tmp_path_factory.mktemp("burst") / "server.log") as srv:
        yield srv


def test_a_page_that_does_not_exist_is_a_failure(dashboard):
    figures = burst.run_one(dashboard.url, dashboard.pid, 2, "/no-such-page?lang=en", timeout_s=120)
    assert (figures["succeeded"], figures["success_rate"], figures["p95_ms"]) == (0, 0.0, None)
    assert figures["failures"] == ["2× page not found: no page 'no-such-page'"]


def test_a_deep_link_opens_its_page(dashboard):
    render = asyncio.run(wsclient.open_link(dashboard.url, "/regions?lang=en&region=330681", 120))
    assert render.ok, render.error
    assert render.title == "Regions · Zhuji", render.headings


@pytest.fixture
def raising_app(tmp_path):
    """A Streamlit app that draws a title, then raises: the run still 'finishes', with an exception element."""
    (tmp_path / "raises.py").write_text('import streamlit as st\nst.title("About to fail")\nraise ValueError("boom")\n')
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "streamlit", "run", "raises.py", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        browser.wait_port(proc, port, "streamlit", None, 60)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_script_that_raises_is_a_failure(raising_app):
    url, pid = raising_app
    render = asyncio.run(wsclient.open_link(url, "/", 60))
    assert (render.ok, render.status) == (False, "exception")
    assert render.title == "About to fail"  # the deltas before the exception were read
    assert render.exceptions == ["ValueError: boom"]
    figures = burst.run_one(url, pid, 2, "/", timeout_s=60)
    assert (figures["success_rate"], figures["warmup"]) == (0.0, "exception: ValueError: boom")
    assert figures["failures"] == ["2× exception: ValueError: boom"]


def test_a_refused_connection_is_a_failure_not_a_crash():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    render = asyncio.run(wsclient.open_link(f"http://127.0.0.1:{port}", "/", 10))
    assert (render.ok, render.status) == (False, "error")
    assert "ConnectionRefused" in render.error


def test_burst_refuses_unbounded_remote_or_bad_links():
    with pytest.raises(ValueError):
        burst.run_one("http://127.0.0.1:1", 1, burst.MAX_SESSIONS + 1)
    with pytest.raises(ValueError):
        burst.run_one("http://127.0.0.1:1", 1, 0)
    with pytest.raises(ValueError):
        burst.run_one("http://example.com", 1, 3)
    with pytest.raises(ValueError):
        burst.run_one("http://127.0.0.1:1", 1, 3, link="http://example.com/?lang=en")
    with pytest.raises(ValueError):
        asyncio.run(wsclient.open_link("http://10.0.0.1:8501", "/", 1))


@pytest.mark.browser
def test_chromium_shows_what_the_websocket_client_read(dashboard):
    check = burst.crosscheck(dashboard.url, LINK, browsers=1, timeout_s=120)
    [shown] = check["browsers"]
    assert shown["ok"] and check["websocket"]["ok"], check
    assert shown["title"] == check["websocket"]["title"] == "Overview · Shaoxing"
    assert shown["values"] == check["websocket"]["values"] and len(shown["values"]) == len(metrics.cards("overview"))
    assert shown["charts"] == check["websocket"]["charts"] == 4
    assert check["agree"] is True


def test_report_prints_the_burst_against_its_targets():
    from bench import report

    def figures(n, rate, p50, p95, growth):
        return {"n": n, "success_rate": rate, "p50_ms": p50, "p95_ms": p95, "rss_growth_mb": growth}

    bursts = [
        {**figures(10, 1.0, 2100.0, 4400.0, 120.0), "server_cpu_s": 9.0, "server_cpu_per_session_s": 0.9}
        | {"server_cores_busy": 1.5, "client_cpu_s": 0.4},
        figures(25, 1.0, 6000.0, 9000.0, 150.0),
        figures(50, 0.96, 9000.0, 20000.0, 200.0),
        figures(50, 1.0, 2000.0, 3000.0, 450.0),
        # Two processes behind the balancer: the RSS bound is per process, the sessions per process are shown.
        {**figures(200, 1.0, 4000.0, 4500.0, 450.0), "processes": 2, "balanced": True, "server_cpu_s": 6.0}
        | {"server_cpu_per_session_s": 0.03, "server_cores_busy": 1.6, "client_cpu_s": 0.9}
        | {"sessions_per_process": {"s1": 100, "s2": 100}},
    ]
    check = {"browsers": [{"ms": 2400}, {"ms": 3100.5}, {"ms": 2800}], "websocket": {"ms": 1012.0}, "agree": True}
    floor = {"n": 10, "success_rate": 1.0, "p50_ms": 400.0, "server_cpu_per_session_s": 0.035, "processes": 1}
    burst_results = {"bursts": bursts, "floor": floor, "crosscheck": check}
    rows = {r[0] + " " + r[1]: r[3] for r in report.rows({"burst": burst_results})}
    assert rows["meeting burst N=10, 1 process: success, p50/p95, RSS growth 100%, 2.1 / 4.4 s, +120 MB"] == "met"
    cpu = "meeting burst N=10, 1 process: server CPU per session (cores busy; client CPU)"
    assert rows[f"{cpu} 0.900 s (1.50 cores; 0.4 s)"] == "missed by 22.50×"
    assert (
        rows["meeting burst N=25, 1 process: success, p50/p95, RSS growth 100%, 6.0 / 9.0 s, +150 MB"]
        == "missed by 1.80×"
    )
    assert (
        rows["meeting burst N=50, 1 process: success, p50/p95, RSS growth 96%, 9.0 / 20.0 s, +200 MB"]
        == "missed (96% succeeded)"
    )
    assert rows["meeting burst N=50, 1 process: success, p50/p95, RSS growth 100%, 2.0 / 3.0 s, +450 MB"] == (
        "missed (RSS growth 1.50× of the bound)"
    )
    two = "meeting burst N=200, 2 processes behind haproxy"
    assert rows[f"{two}: success, p50/p95, RSS growth 100%, 4.0 / 4.5 s, +450 MB"] == "met"
    spread = "server CPU per session (cores busy; client CPU; sessions per process)"
    assert rows[f"{two}: {spread} 0.030 s (1.60 cores; 0.9 s; 100 / 100)"] == "met"
    assert rows[
        "meeting burst floor: server CPU per session with the link's data in memory (N=10 again) 0.035 s (100%)"
    ] == ("met")
    tabs = "meeting burst: 3 Chromium tabs show what the websocket client read"
    assert rows[f"{tabs} yes (finished 1.0 s; drawn 2.4–3.1 s)"] == "met"
