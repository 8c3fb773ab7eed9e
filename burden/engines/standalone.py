"""A Spark standalone cluster on loopback (one master, N workers), for the tests and the benchmark: the same
`spark://host:port` a province's cluster gives `python -m burden rollup --engine spark --master`. Started from the
PySpark package's own launcher (bin/spark-class), stopped with everything it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from burden.engines.spark import java_options


class ClusterError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def _wait_for(log: Path, text: str, proc: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise ClusterError(f"{log.name}: no {text!r} (exit {proc.poll()}):\n{tail}")


@contextmanager
def standalone(
    folder: Path, workers: int = 2, cores: int = 1, memory: str = "2g", timeout_s: float = 120
) -> Iterator[str]:
    """Start a master and `workers` workers (each `cores` cores and `memory`) on 127.0.0.1; yield the master's URL.
    Logs and the workers' scratch space go under folder."""
    folder.mkdir(parents=True, exist_ok=True)
    home = _spark_home()
    launcher = str(home / "bin" / "spark-class")
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOG_DIR": str(folder)}
    env["SPARK_LOCAL_DIRS"] = str(folder / "scratch")
    if jvm := java_options():
        env["SPARK_DAEMON_JAVA_OPTS"] = jvm  # the master's and workers' JVMs; the executors' go by conf()
    procs: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        log = folder / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [launcher, *args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        procs.append(proc)
        return proc, log

    try:
        port = free_port()
        master, log = start(
            "master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
            "--webui-port", str(free_port()),
        )  # fmt: skip
        _wait_for(log, "I have been elected leader", master, timeout_s)
        url = f"spark://127.0.0.1:{port}"
        for n in range(workers):
            worker, log = start(
                f"worker-{n + 1}", "org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1",
                "--cores", str(cores), "--memory", memory, "--webui-port", str(free_port()),
                "--work-dir", str(folder / f"work-{n + 1}"),
            )  # fmt: skip
            _wait_for(log, "Successfully registered with master", worker, timeout_s)
        yield url
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """The launcher and the JVM it started (one process group)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)
