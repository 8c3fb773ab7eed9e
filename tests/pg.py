"""A real PostgreSQL server on loopback for the tests (Debian's package: .ci/run installs it when missing), in a
temporary folder, started and stopped by the fixture. As root it runs as the `postgres` user, as PostgreSQL requires."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if found:
        return str(found[-1])
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL's {name} is missing: install Debian's postgresql")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yields the server's URL (postgresql://postgres@127.0.0.1:PORT/postgres, trust on loopback)."""
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="burden-pg-"))
    data, port = folder / "data", _free_port()
    if as_user:
        shutil.chown(folder, "postgres", "postgres")
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run([*as_user, _bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"], **run)
    options = f"-h 127.0.0.1 -p {port} -k {folder} -F"
    ctl = [*as_user, _bin("pg_ctl"), "-D", str(data), "-l", str(folder / "server.log")]
    subprocess.run([*ctl, "-o", options, "-w", "-t", "60", "start"], **run)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*ctl, "-m", "immediate", "-w", "stop"], check=False, capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
