"""Spark figures: the full rollup rebuild by `python -m burden rollup --engine spark` in one process (local[2]), then
on a Spark standalone cluster on loopback with one worker and with two (one core each), on a copy of the served file
(the copy reads the same lake files). Wall-clock, JVM start included, as a user runs the command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import say
from burden import settings
from burden.db import open_duckdb
from burden.engines.standalone import standalone

WORKER_MEMORY = "6g"
EXECUTOR_MEMORY = "5g"
LOCAL_MEMORY = "8g"


def _events(db_path: Path) -> int:
    with open_duckdb(db_path, read_only=True) as con:
        return con.execute(
            "select coalesce(sum(row_count), 0) from lake_files where table_name = 'app_events'"
        ).fetchone()[0]


def _rollup(db_path: Path, master: str, memory: str, work: Path) -> float:
    copy = work / "spark.duckdb"
    shutil.copyfile(db_path, copy)
    env = {**os.environ, "BURDEN_DB": str(copy), "BURDEN_SPARK_MEMORY": memory}
    say(f"rollup --engine spark --master {master}")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "burden", "rollup", "--engine", "spark", "--master", master],
        cwd=settings.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    copy.unlink(missing_ok=True)
    if done.returncode:
        raise RuntimeError(f"spark rollup on {master} failed: {done.stderr[-2000:]}")
    say(f"  {seconds:.1f} s")
    return seconds


def measure(db_path: Path, workers: tuple[int, ...] = (1, 2)) -> dict:
    """Spark local[2], then a standalone cluster of each size in `workers`, on the database at db_path."""
    events = int(_events(db_path))
    with tempfile.TemporaryDirectory(prefix="bench-spark-", dir=Path(db_path).parent) as tmp:
        tmp = Path(tmp)
        local_s = _rollup(db_path, "local[2]", LOCAL_MEMORY, tmp)
        cluster = {}
        for n in workers:
            with standalone(tmp / f"cluster-{n}", workers=n, cores=1, memory=WORKER_MEMORY) as master:
                cluster[n] = _rollup(db_path, master, EXECUTOR_MEMORY, tmp)
    out = {
        "events": events,
        "local2_s": round(local_s, 1),
        "local2_events_per_s": round(events / local_s),
        "cluster_s": {str(n): round(s, 1) for n, s in cluster.items()},
    }
    if 1 in cluster and 2 in cluster:
        out["cluster_ratio_2_over_1"] = round(cluster[1] / cluster[2], 2)
        out["cluster_events_per_core_s"] = round(events / cluster[1])
    return out
