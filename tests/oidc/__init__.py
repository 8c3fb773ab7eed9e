"""A loopback OIDC provider (provider.js, npm oidc-provider) and a dashboard server signed in against it.

Test-only. `signin_stack()` installs the provider's pinned packages on first use (`npm ci`), starts
`node provider.js` and `streamlit run serve.py` with a temporary secrets.toml naming the provider,
and stops both afterwards. The repository's own .streamlit/secrets.toml (if any) is never read or written:
the server gets `--secrets.files <temp file>`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from burden.balancer import free_port, stop, wait_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CLIENT_ID = "burden-dashboard"  # as in provider.js
# Account ids of provider.js; the login form takes the id (any password).
ACCOUNTS = {
    "leader": "demo-leader",
    "zhuji_inspector": "demo-zhuji-inspector",
    "shaoxing_inspector": "demo-shaoxing-inspector",
    "staff": "demo-staff",
    "admin": "demo-admin",
    "stranger": "demo-stranger",
}


@dataclass(frozen=True)
class Stack:
    app_url: str  # http://127.0.0.1:<port>
    issuer: str


def ensure_installed() -> None:
    """`npm ci` from package-lock.json when node_modules is missing (a fresh clone, CI)."""
    if (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is missing: install Node.js 20+ and npm (Debian: apt-get install nodejs npm)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=600)


@contextlib.contextmanager
def running(cmd: list[str], cwd: Path, env: dict, log_path: Path, port: int, what: str, timeout: float):
    """Run `cmd` until the block ends; enter once it accepts TCP connections on 127.0.0.1:`port`."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_port(proc, port, what, log_path, timeout)
            yield proc
        finally:
            stop(proc)


def write_secrets(path: Path, app_port: int, issuer: str, client_secret: str) -> Path:
    """secrets.toml for the dashboard: [auth] pointing at the loopback provider, and a pseudonym key."""
    path.write_text(
        f"""pseudonym_key = "{secrets.token_hex(32)}"

[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "{CLIENT_ID}"
client_secret = "{client_secret}"
server_metadata_url = "{issuer}/.well-known/openid-configuration"

[auth.client_kwargs]
# oidc-provider knows the prompts login, consent and none; Streamlit's default is select_account.
prompt = "login"
""",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def signin_stack(db_path: Path, work_dir: Path, timeout: float = 90.0, env: dict[str, str] | None = None):
    """The provider and a dashboard server configured for it (env: more of the server's environment); yields a
    Stack."""
    ensure_installed()
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is missing: install Node.js 20+ (Debian: apt-get install nodejs npm)")
    idp_port, app_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{idp_port}"
    client_secret = secrets.token_hex(16)
    redirect_uri = f"http://127.0.0.1:{app_port}/oauth2callback"
    secrets_file = write_secrets(work_dir / "secrets.toml", app_port, issuer, client_secret)

    idp_cmd = [node, "provider.js", str(idp_port), redirect_uri, client_secret]
    app_env = {**os.environ, "BURDEN_DB": str(db_path), **(env or {})}
    app_cmd = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(app_port)]
    app_cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--secrets.files", str(secrets_file)]
    with (
        running(idp_cmd, HERE, dict(os.environ), work_dir / "provider.log", idp_port, "oidc provider", timeout),
        running(app_cmd, ROOT, app_env, work_dir / "streamlit.log", app_port, "streamlit", timeout),
    ):
        yield Stack(app_url=f"http://127.0.0.1:{app_port}", issuer=issuer)
