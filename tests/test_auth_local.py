"""Local single-user mode (no [auth]): the server listens on 127.0.0.1 only, and every page says so.

The server is started as `make run` starts it (no --server.address), so the address under test is the one
in .streamlit/config.toml.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from burden.views.data import MAX_UPLOAD_MB
from tests.browser_util import launch_chromium, wait_for_app
from tests.oidc import ROOT, free_port, running

LABEL = {"zh": "本地单用户模式 · 仅本机可访问", "en": "Local single-user mode · this computer only"}
PAGES = [("apps", "lang=en", "en"), ("regions", "mode=meeting", "zh")]  # path, query, lang
LISTEN = "0A"  # TCP state in /proc/net/tcp{,6}


@pytest.fixture(scope="module")
def local_server(small_db, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("local") / "streamlit.log"
    env = {**os.environ, "BURDEN_DB": str(small_db)}
    env = {key: value for key, value in env.items() if not key.startswith("STREAMLIT_SERVER_")}
    # As the Makefile's `run` does, plus a secrets path that does not exist: local mode whatever ~/.streamlit holds.
    cmd = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port)]
    cmd += ["--server.headless", "true", "--secrets.files", str(log.parent / "no-secrets.toml")]
    with running(cmd, ROOT, env, log, port, "streamlit", timeout=90):
        yield port


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as the kernel prints them) of the sockets listening on `port`, IPv4 and IPv6."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == LISTEN:
                found.add(address)
    return found


def non_loopback_ipv4() -> str:
    """This machine's outward IPv4 address: the route to a documentation address (a UDP connect sends
    nothing), else the first of `hostname -I`."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("203.0.113.1", 9))
        return sock.getsockname()[0]
    listed = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=True).stdout.split()
    ipv4 = [address for address in listed if "." in address and not address.startswith("127.")]
    assert ipv4, "the machine needs a non-loopback IPv4 address for this test"
    return ipv4[0]


def test_make_run_does_not_override_the_address():
    recipe = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "streamlit run serve.py" in recipe
    assert "server.address" not in recipe
    assert 'address = "127.0.0.1"' in (ROOT / ".streamlit" / "config.toml").read_text()


def test_reviewed_server_settings_stay():
    """README "Security" reviews each of these; changing one needs that review again."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server, client = config["server"], config["client"]
    assert server["enableXsrfProtection"] is True and server["enableCORS"] is True
    assert server["maxUploadSize"] == MAX_UPLOAD_MB  # the Data page's limit
    assert server["allowedHosts"] == ["localhost", "127.0.0.1"]
    assert (server["runOnSave"], server["fileWatcherType"], server["enableStaticServing"]) == (False, "none", False)
    assert server["enableAgentApi"] is False and "trustedUserHeaders" not in server
    assert (client["showErrorDetails"], client["allowedOrigins"]) == ("type", [])
    assert config["browser"]["gatherUsageStats"] is False


def test_listens_on_loopback_only(local_server):
    host_config = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{local_server}/_stcore/host-config").read())
    assert host_config["allowedOrigins"] == []  # the config file is the one in force
    assert listening_addresses(local_server) == {"0100007F"}  # 127.0.0.1, nothing on IPv6 or 0.0.0.0
    with socket.create_connection(("127.0.0.1", local_server), timeout=5):
        pass
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((non_loopback_ipv4(), local_server), timeout=5).close()


@pytest.mark.browser
def test_every_page_shows_the_local_label(local_server):
    base = f"http://127.0.0.1:{local_server}"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for path, query, lang in PAGES:
                page.goto(f"{base}/{path}?{query}")
                wait_for_app(page)
                label = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
                expect(label).to_contain_text(LABEL[lang])
                expect(label).to_be_visible()  # in meeting mode too, where the sidebar is hidden
        finally:
            browser.close()
