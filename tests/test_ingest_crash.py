"""kill -9 at any moment of a load leaves the previous database intact and usable; a rerun then completes."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from burden import settings
from burden.ledger.audit import AuditLog
from burden.ledger.store import open_store
from tests.test_demo_build import checksums

NEW_IDS = 10_000_000_000  # added to event ids: copied months become new events, not duplicates
# When to kill: on a progress line the loader prints on stderr, or once the loader has spent that many seconds of CPU
# after one (mid-read of the files); all before the swap. Six months of events keep the load busy for seconds.
KILL_POINTS = ("staging copy of", ("staging copy of", 0.4), "-> app_events:", "rollups built")
MONTHS = ("2023-04", "2023-05", "2023-06", "2023-07", "2023-08", "2023-09")


def new_events(db: Path, out: Path, months: tuple[str, ...]) -> tuple[Path, int]:
    """Months of the demo's events again under new ids: a load that appends out of order (a full re-sort)."""
    out.mkdir()
    with duckdb.connect(str(db), read_only=True) as con:
        rows = 0
        for month in months:
            target = out / f"{month}.parquet"
            con.execute(
                f"copy (select * replace (event_id + {NEW_IDS} as event_id) from app_events "
                f"where strftime(ts, '%Y-%m') = ?) to '{target}' (format parquet)",
                [month],
            )
            rows += con.execute(f"select count(*) from '{target}'").fetchone()[0]
    return out, rows


def start_load(db: Path, files: Path) -> tuple[subprocess.Popen, queue.Queue]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "burden", "load", str(files)],
        env={**os.environ, "BURDEN_DB": str(db)},
        cwd=settings.ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    return proc, lines


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, all its threads (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kill_at(proc: subprocess.Popen, lines: queue.Queue, point) -> list[str]:
    line_seen, cpu = point if isinstance(point, tuple) else (point, 0.0)
    seen: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.05)
        except queue.Empty:
            continue
        seen.append(line)
        if line_seen in line:
            break
    if cpu and proc.poll() is None:  # the loader's own progress, not the clock: a busy machine slows both alike
        until = cpu_seconds(proc.pid) + cpu
        while proc.poll() is None and cpu_seconds(proc.pid) < until and time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=0.01))
    assert proc.poll() is None, f"the load ended before the kill point {point!r}: {seen}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return seen


@pytest.fixture(scope="module")
def setup(small_db, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crash")
    db = tmp / "burden.duckdb"
    shutil.copyfile(small_db, db)
    files, rows = new_events(db, tmp / "new", MONTHS)
    return db, files, rows, checksums(db)


@pytest.mark.parametrize("point", KILL_POINTS, ids=str)
def test_kill_9_leaves_the_previous_database(setup, point):
    db, files, _, before = setup

    proc, lines = start_load(db, files)
    seen = kill_at(proc, lines, point)

    assert checksums(db) == before, seen  # opens read-only, every table as before, row for row
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from region_month").fetchone()[0] > 0


def test_a_rerun_after_a_kill_completes(setup):
    db, files, rows, before = setup
    proc, lines = start_load(db, files)
    kill_at(proc, lines, "staging copy of")
    assert list(db.parent.glob("burden.duckdb.staging-*"))  # what the killed load left behind

    proc, lines = start_load(db, files)
    assert proc.wait(timeout=300) == 0
    log = "".join(lines.get() for _ in range(lines.qsize()))

    after = checksums(db)
    assert after["app_events"][0] == before["app_events"][0] + rows
    assert after["region_month"] != before["region_month"]  # rollups rebuilt with the new events
    assert "removed burden.duckdb.staging-" in log  # the killed loads' staging files are cleaned up
    # nor a lock file; beside the database, only the audit store that recorded the completed load (the killed one
    # never reached its record)
    assert sorted(p.name for p in db.parent.iterdir()) == [
        "burden.duckdb",
        "burden.duckdb.ledger.sqlite",
        "burden.lake",
        "new",
    ]
    store = open_store(f"sqlite:///{db}.ledger.sqlite")
    assert [(r.action, r.outcome) for r in AuditLog(store).search()] == [("load", "ok")]
