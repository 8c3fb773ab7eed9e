"""Loads land whole or not at all: a re-load changes nothing, a refused load or a dry run leaves the file as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from burden import settings
from burden.ingest.pipeline import load
from burden.ingest.storage import load_lock
from tests.test_demo_build import checksums

DIMENSIONS = {"apps": "apps.parquet", "cadres": "cadres.parquet", "app_accounts": "app_accounts.parquet"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_demo_files(db: Path, out: Path) -> Path:
    """The demo's log files, as the generator lays them out, written back from a demo database.

    The demo loads without a single rejected row (test_demo_build), so its tables are its files.
    """
    (out / "app_events").mkdir(parents=True)
    (out / "photo_uploads").mkdir()
    with duckdb.connect(str(db), read_only=True) as con:
        for table, name in DIMENSIONS.items():
            con.execute(f"copy {table} to '{out / name}' (format parquet)")
        con.execute(f"copy remediation_cases to '{out / 'remediation_cases.csv'}' (header)")
        months = [m for (m,) in con.execute("select month from months order by month").fetchall()]
        for table in ("app_events", "photo_uploads"):
            for month in months:
                target = out / table / f"{month:%Y-%m}.parquet"
                con.execute(
                    f"copy (select * from {table} where date_trunc('month', ts) = ? ) to '{target}' (format parquet)",
                    [month],
                )
    return out


def copy_db(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def some_ids(db: Path) -> tuple[str, str, int]:
    """A cadre and an app the database knows, and an event id above every stored one.

    The last cadre, so that rows in the last month append in storage order (no re-sort: a quicker test).
    """
    with duckdb.connect(str(db), read_only=True) as con:
        cadre = con.execute("select max(cadre_id) from cadres").fetchone()[0]
        app = con.execute("select min(app_id) from apps").fetchone()[0]
        top = con.execute("select max(event_id) from app_events").fetchone()[0]
    return cadre, app, top


def mixed_events_csv(db: Path, path: Path) -> Path:
    """Three new rows (late March 2024), one row already stored, three bad ones (unknown app, bad time, bad action)."""
    cadre, app, top = some_ids(db)
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute(
            "select event_id, strftime(ts, '%Y-%m-%d %H:%M:%S'), cadre_id, app_id, action, duration_s "
            "from app_events order by event_id limit 1"
        ).fetchone()
    header = "event_id,ts,cadre_id,app_id,action,duration_s,subject_key,fact_type,task_id\n"
    rows = [
        f"{top + 1},2024-03-31 20:00:00,{cadre},{app},submit,60,hh-x,visit,t-x",
        f"{top + 2},2024-03-31 20:10:00,{cadre},{app},open,30,,,",
        f"{top + 3},2024-03-31 21:00:00,{cadre},{app},view,10,,,",
        ",".join(str(v) for v in stored) + ",,,",
        f"{top + 4},2024-03-31 21:00:00,{cadre},NO-SUCH-APP,open,30,,,",
        f"{top + 5},not a time,{cadre},{app},open,30,,,",
        f"{top + 6},2024-03-31 22:00:00,{cadre},{app},teleport,30,,,",
    ]
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def per_file(report) -> list[tuple]:
    return [
        (Path(f.path).name, f.kind, f.rows_read, f.rows_loaded, f.rows_duplicate, f.rejected, f.error)
        for f in report.files
    ]


@pytest.fixture(scope="module")
def demo_files(small_db, tmp_path_factory) -> Path:
    return export_demo_files(small_db, tmp_path_factory.mktemp("demo-files"))


def test_reloading_the_whole_demo_changes_no_checksum(small_db, demo_files, tmp_path):
    db = copy_db(small_db, tmp_path / "burden.duckdb")
    before = checksums(db)

    report = load([demo_files], db)

    assert report.ok, report.messages
    assert len(report.files) == 3 + 1 + 2 * 18
    assert sum(f.rows_loaded for f in report.files) == 0
    assert sum(f.rows_rejected for f in report.files) == 0
    assert sum(f.rows_duplicate for f in report.files) == sum(f.rows_read for f in report.files) > 4_000_000
    after = checksums(db)
    assert after == before  # every base and derived table, row for row
    assert {"app_events", "region_month", "cadre_month", "app_month_county"} <= after.keys()
    # no staging file, no lock file; the ledger's store (the copied database had none) took the cases as they were
    assert sorted(p.name for p in tmp_path.iterdir()) == ["burden.duckdb", "burden.duckdb.ledger.sqlite"]


def test_refused_load_leaves_the_file_byte_identical(small_db, tmp_path):
    db = copy_db(small_db, tmp_path / "burden.duckdb")
    before = digest(db)
    good = mixed_events_csv(db, tmp_path / "events.csv")
    bad = tmp_path / "cadres.csv"
    bad.write_text("cadre_id,roles\n330681120219-01,网格员\n", encoding="utf-8")  # no region_code

    report = load([good, bad], db)

    assert not report.ok
    assert "missing column region_code" in report.messages[0]
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["burden.duckdb", "cadres.csv", "events.csv"]


def test_dry_run_changes_nothing_and_counts_as_the_real_load(small_db, tmp_path):
    db = copy_db(small_db, tmp_path / "burden.duckdb")
    before = digest(db)
    events = mixed_events_csv(db, tmp_path / "events.csv")

    dry = load([events], db, commit=False)
    assert dry.ok and dry.dry_run
    assert digest(db) == before
    cli = subprocess.run(
        [sys.executable, "-m", "burden", "load", "--dry-run", str(events)],
        env={**os.environ, "BURDEN_DB": str(db)},
        cwd=settings.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    assert "dry run, nothing written" in cli.stderr and "3 would load" in cli.stderr
    assert digest(db) == before

    real = load([events], db)
    assert real.ok and not real.dry_run
    assert per_file(dry) == per_file(real)
    assert per_file(real) == [
        (
            "events.csv",
            "events",
            7,
            3,
            1,
            {"app_id unknown": 1, "ts not a timestamp": 1, "action not one of open|submit|photo|checkin|view": 1},
            None,
        )
    ]
    assert digest(db) != before
    mine = f"select count(*) from quarantine where file = '{events}'"  # not the demo's own (its 未备案 export)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(mine).fetchone()[0] == 3

    again = load([events], db)  # the same file again: nothing new, and its bad rows are not kept twice
    assert [(f.rows_loaded, f.rows_duplicate) for f in again.files] == [(0, 4)]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(mine).fetchone()[0] == 3


def test_a_second_load_waits_or_fails_clearly_and_stale_staging_is_removed(small_db, tmp_path):
    db = copy_db(small_db, tmp_path / "burden.duckdb")
    events = mixed_events_csv(db, tmp_path / "events.csv")
    stale = tmp_path / "burden.duckdb.staging-999999"  # left by a load killed mid-way
    stale.write_bytes(b"half a database")
    before = digest(db)

    with load_lock(db, wait_s=0, say=print):  # another load holds the database
        busy = load([events], db, wait_s=0.5)
    assert not busy.ok
    assert busy.messages == [f"another load into burden.duckdb is running (pid {os.getpid()}); try later"]
    assert digest(db) == before and stale.exists()

    assert load([events], db).ok
    assert not stale.exists()
    ledger = "burden.duckdb.ledger.sqlite"  # the load's: the copied database had no store beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["burden.duckdb", ledger, "burden.lake", "events.csv"]
