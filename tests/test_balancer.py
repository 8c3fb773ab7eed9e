"""Two dashboard processes behind HAProxy on loopback (burden/balancer.py): sticky sessions, a burst, a download."""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from bench import burst
from burden import balancer, metrics, summary
from tests.browser_util import ConsoleWatch, launch_chromium, wait_for_app

LINK = "/?region=3306&from=2023-01&to=2024-03&lang=en"


def test_the_configuration_names_every_process_and_sticks_by_cookie():
    config = balancer.haproxy_config("127.0.0.1", 8600, [9001, 9002, 9003])
    assert "bind 127.0.0.1:8600" in config
    servers = [line.split() for line in config.splitlines() if line.strip().startswith("server ")]
    assert [(s[1], s[2], s[-1]) for s in servers] == [
        ("s1", "127.0.0.1:9001", "s1"),
        ("s2", "127.0.0.1:9002", "s2"),
        ("s3", "127.0.0.1:9003", "s3"),
    ]
    assert f"cookie {balancer.STICKY_COOKIE} insert indirect nocache" in config
    assert "bind [::1]:8600" in balancer.haproxy_config("::1", 8600, [9001])


def test_bad_setups_are_refused_before_anything_starts(tmp_path):
    with pytest.raises(ValueError, match="processes must be 1..16, not 0"), balancer.cluster(0):
        pass
    no_auth = tmp_path / "secrets.toml"
    no_auth.write_text('[other]\nkey = "x"\n')
    refused = pytest.raises(ValueError, match="local mode.*10.1.2.3 is not a loopback")
    with refused, balancer.cluster(2, address="10.1.2.3", secrets_file=no_auth):
        pass


@pytest.fixture(scope="module")
def two(small_db, tmp_path_factory):
    with balancer.cluster(2, db_path=small_db, log_dir=tmp_path_factory.mktemp("balanced")) as running:
        yield running


def test_a_burst_through_the_balancer_is_spread_over_both_processes(two, small_db, monkeypatch):
    # No warm-up: the burst is the fresh processes' first sessions, as when a meeting starts.
    figures = burst.run_one(two.url, two.pids, 10, LINK, timeout_s=120, warm_up=False)
    assert (figures["warmup"], figures["succeeded"], figures["failures"]) == ("none", 10, [])
    # Round robin on each session's first request, then sticky: five sessions on each process.
    assert figures["sessions_per_process"] == {"s1": 5, "s2": 5}
    monkeypatch.setenv("BURDEN_DB", str(small_db))
    values = summary.summary("3306", "2023-01", "2024-03")["metrics"]
    [page] = figures["pages"]
    assert page["title"] == "Overview · Shaoxing"
    assert page["values"] == [m.text(values[m.id]["latest"]) for m in metrics.cards("overview")]


@pytest.mark.browser
def test_a_download_comes_back_through_the_balancer_from_its_sessions_process(two, tmp_path):
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        console = ConsoleWatch(page, two.url)
        page.goto(f"{two.url}/data?lang=en", wait_until="domcontentloaded")
        wait_for_app(page)
        [sticky] = [c for c in context.cookies() if c["name"] == balancer.STICKY_COOKIE]
        with page.expect_download(timeout=60000) as started:
            page.get_by_role("button", name="Download CSV").first.click()  # the table of tables and row counts
        download = started.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
        assert any("app_events" in row for row in rows[1:]), rows[:3]
        assert console.unexpected() == []
        url = download.url
        browser.close()
    # The file lives in the memory of the session's process: the other process does not have it.
    path = urlsplit(url).path
    owner = int(sticky["value"][1:]) - 1
    other = two.ports[1 - owner]
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"http://127.0.0.1:{other}{path}", timeout=30)
    assert missing.value.code == 404
    direct = urllib.request.urlopen(f"http://127.0.0.1:{two.ports[owner]}{path}", timeout=30).read()
    assert list(csv.reader(io.StringIO(direct.decode("utf-8-sig")))) == rows
