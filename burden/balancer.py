"""Several dashboard server processes behind HAProxy, on one machine (issue 14: a video conference on one link).

One Streamlit process runs every session's script in threads of one interpreter, so it uses about one core.
`cluster()` starts N `streamlit run serve.py` processes on free loopback ports and HAProxy (Debian's
`haproxy`) in front of them on one address and port. Sessions are sticky: the balancer's first answer sets a
cookie naming the process, and every later request of that browser (the websocket, downloads, media, uploads)
goes back to it, because Streamlit keeps a session, its downloads and its media in one process's memory.
Pages and static files may come from any process. What the processes share is read-only: the database file
(each opens it read-only and sees a load's new file version, db.py) and the ledger in it; every cache is per
process and keyed by the file version, so none can hold another process's stale data.

The processes share one cookie secret (Streamlit's XSRF token and sign-in cookie), so a process restarted or a
cookie sent to another process is still valid. Each process gets cores / N DuckDB threads unless
BURDEN_DUCKDB_THREADS is set.

`python -m burden serve --processes N --port P` (and `make serve-multi`) runs it until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from burden import settings

STICKY_COOKIE = "burden_server"
MAX_PROCESSES = 16
HEALTH_PATH = "/_stcore/health"


def haproxy_config(address: str, port: int, backends: list[int]) -> str:
    """HAProxy's configuration: `address:port` in front of the loopback `backends`, sticky by cookie."""
    servers = "\n".join(
        f"    server s{i} 127.0.0.1:{backend} check inter 5s fall 3 rise 1 cookie s{i}"
        for i, backend in enumerate(backends, 1)
    )
    bind = f"[{address}]" if ":" in address else address
    return f"""# Written by burden/balancer.py for this run; not a file to edit.
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    # An open tab keeps its websocket for the whole meeting.
    timeout tunnel 8h
    timeout http-request 30s

frontend dashboard
    bind {bind}:{port}
    default_backend streamlit

backend streamlit
    balance roundrobin
    # Sticky sessions: the first answer names the process; "indirect" keeps the cookie from the process.
    cookie {STICKY_COOKIE} insert indirect nocache httponly attr "SameSite=Lax"
    # Health: a process that exited refuses the connection at once; a busy one (a burst of 200 sessions keeps
    # its event loop waiting for seconds) must not be taken for dead, or every session on it gets a 503.
    option httpchk GET {HEALTH_PATH}
    timeout check 30s
    http-check expect status 200
{servers}
"""


def haproxy() -> str:
    """The haproxy binary, or RuntimeError saying how to install it."""
    found = shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)
    if not found:
        raise RuntimeError("haproxy is not installed: on Debian, `apt-get install haproxy`")
    return found


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def wait_port(proc: subprocess.Popen, port: int, what: str, log: Path | None, timeout: float, host="127.0.0.1"):
    """Until `proc` listens on `host:port`; raises when it exits first or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early (code {proc.returncode}); log: {log}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not listen on {port} within {timeout}s; log: {log}")
        time.sleep(0.2)


def has_sign_in(secrets_file: Path | None) -> bool:
    """Whether the secrets the processes read configure sign-in (an [auth] table): else it is local mode."""
    candidates = [secrets_file] if secrets_file else [settings.ROOT / ".streamlit" / "secrets.toml"]
    candidates.append(Path.home() / ".streamlit" / "secrets.toml")
    for path in candidates:
        if path and path.is_file() and "auth" in tomllib.loads(path.read_text(encoding="utf-8")):
            return True
    return False


@dataclass(frozen=True)
class Cluster:
    url: str  # the balancer
    pids: tuple[int, ...]  # the Streamlit processes
    ports: tuple[int, ...]
    balancer_pid: int


def stop(proc: subprocess.Popen) -> None:
    """Terminate `proc` and wait for it (killed after 10 s)."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def cluster(
    processes: int,
    port: int | None = None,
    address: str = "127.0.0.1",
    db_path: Path | None = None,
    log_dir: Path | None = None,
    secrets_file: Path | None = None,
    timeout: float = 90.0,
):
    """N dashboard processes and HAProxy in front of them; yields a Cluster and stops them all on the way out."""
    if not 1 <= processes <= MAX_PROCESSES:
        raise ValueError(f"processes must be 1..{MAX_PROCESSES}, not {processes}")
    if not settings.is_loopback(address) and not has_sign_in(secrets_file):
        raise ValueError(
            f"without sign-in ([auth] in secrets.toml) the dashboard is in local mode and listens on this machine "
            f"only; {address} is not a loopback address"
        )
    binary = haproxy()
    port = port or free_port(address)
    log_dir = Path(log_dir) if log_dir else None
    if log_dir:
        log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ}
    env.setdefault("BURDEN_DUCKDB_THREADS", str(max(1, (os.cpu_count() or 1) // processes)))
    if db_path:
        env["BURDEN_DB"] = str(db_path)
    # One cookie secret for all (an environment variable: Streamlit refuses it as a command-line flag).
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
    started: list[subprocess.Popen] = []
    logs = []
    config_path: Path | None = None
    try:
        ports = [free_port() for _ in range(processes)]
        for i, backend in enumerate(ports, 1):
            cmd = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(backend)]
            cmd += ["--server.address", "127.0.0.1", "--server.headless", "true"]
            if secrets_file:
                cmd += ["--secrets.files", str(secrets_file)]
            log = open(log_dir / f"streamlit-{i}.log", "w") if log_dir else subprocess.DEVNULL  # noqa: SIM115
            logs.append(log)
            started.append(subprocess.Popen(cmd, cwd=settings.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        for i, (proc, backend) in enumerate(zip(started, ports, strict=True), 1):
            wait_port(proc, backend, f"streamlit process {i}", log_dir and log_dir / f"streamlit-{i}.log", timeout)
        config = haproxy_config(address, port, ports)
        config_dir = log_dir or Path(os.environ.get("TMPDIR", "/tmp"))
        config_path = config_dir / f"haproxy-{port}.cfg"
        config_path.write_text(config, encoding="utf-8")
        check = subprocess.run([binary, "-c", "-q", "-f", str(config_path)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"haproxy refused its configuration {config_path}: {check.stderr.strip()}")
        log = open(log_dir / "haproxy.log", "w") if log_dir else subprocess.DEVNULL  # noqa: SIM115
        logs.append(log)
        balancer = subprocess.Popen([binary, "-db", "-f", str(config_path)], stdout=log, stderr=subprocess.STDOUT)
        started.append(balancer)
        host = "127.0.0.1" if address in ("0.0.0.0", "") else address
        wait_port(balancer, port, "haproxy", log_dir and log_dir / "haproxy.log", timeout, host=host)
        shown = f"[{address}]" if ":" in address else address
        yield Cluster(f"http://{shown}:{port}", tuple(p.pid for p in started[:-1]), tuple(ports), balancer.pid)
    finally:
        for proc in reversed(started):
            stop(proc)
        for log in logs:
            if log is not subprocess.DEVNULL:
                log.close()
        if config_path is not None and not log_dir:
            config_path.unlink(missing_ok=True)


def serve(processes: int, port: int, address: str, secrets_file: Path | None) -> int:
    """Run a cluster until interrupted (the `serve` command)."""
    try:
        with cluster(processes, port, address, secrets_file=secrets_file, log_dir=settings.ROOT / "logs") as running:
            print(f"{processes} dashboard processes behind haproxy: {running.url}  (logs in logs/; Ctrl-C stops)")
            stop = {"now": False}
            signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
            while not stop["now"]:
                for pid in (*running.pids, running.balancer_pid):
                    if os.waitpid(pid, os.WNOHANG) != (0, 0):
                        print(f"serve: process {pid} stopped; stopping the others (logs in logs/)", file=sys.stderr)
                        return 1
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    except (ValueError, RuntimeError, TimeoutError) as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 2
    return 0
