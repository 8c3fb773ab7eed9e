"""The demo build is deterministic and goes through the loader without a single rejected row."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from burden.demo import load_scenario
from burden.demo.build import build_demo
from burden.ingest import lake
from tests.conftest import SMALL_SCALE, TEST_SEED

# Columns that record when or from where a load ran, not what it loaded.
_VOLATILE = {("quarantine", "loaded_at"), ("quarantine", "file")}
# loaded_at and temp-folder paths (lake_files: the lake's paths; the logs' rows are compared through their views)
_SKIP_TABLES = {"load_meta", "data_arrivals", "lake_files"}


def _canonical(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A row expression that is equal across builds: floats rounded (parallel sums differ in the last bits)."""
    parts = []
    for name, dtype in con.execute(
        "select column_name, data_type from information_schema.columns where table_name = ? order by ordinal_position",
        [table],
    ).fetchall():
        if (table, name) in _VOLATILE:
            continue
        ref = f'"{name}"'
        parts.append(f"round({ref}, 6)" if dtype in ("DOUBLE", "FLOAT") or dtype.startswith("DECIMAL") else ref)
    return "row(" + ", ".join(parts) + ")"


def table_sums(con: duckdb.DuckDBPyConnection, tables) -> dict[str, tuple]:
    """Per table: row count and an order-independent hash of all rows."""
    return {
        table: con.execute(
            f"select count(*), coalesce(sum(hash({_canonical(con, table)})::hugeint), 0) from {table}"
        ).fetchone()
        for table in tables
    }


def checksums(db: Path) -> dict[str, tuple]:
    """table_sums of every table (but the volatile ones) and of the logs in the lake, and the as_of date."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute("select table_name from duckdb_tables() order by 1").fetchall()
            if t not in _SKIP_TABLES
        ]
        tables = sorted(tables + list(lake.TABLES))
        sums = table_sums(con, tables)
        sums["load_meta.as_of"] = con.execute("select value from load_meta where key = 'as_of'").fetchone()
    return sums


def test_demo_build_is_deterministic(small_db, tmp_path):
    again = tmp_path / "again.duckdb"
    timings = build_demo(again, scale=SMALL_SCALE, seed=None, force=True)  # the scenario's seed, as `make demo`

    first, second = checksums(small_db), checksums(again)
    assert first == second
    for table in ("apps", "cadres", "app_accounts", "app_events", "photo_uploads", "remediation_cases"):
        assert first[table][0] > 0, table
    for table in ("months", "cadre_month", "region_month", "app_month_county"):  # rollups are in the comparison
        assert first[table][0] > 0, table
    assert first["regions"][0] == 1 + 11 + 90 + 1387 + 25547
    assert timings["events"] == first["app_events"][0]


def test_demo_passes_validation_and_is_stored_sorted(small_db):
    with duckdb.connect(str(small_db), read_only=True) as con:
        # only the planted 未备案 apps' county export is rejected, every row of it, for its unknown app ids
        rejected = con.execute("select table_name, reason, app_id, count(*) from quarantine group by all order by 3")
        planted = load_scenario()["alerts"]["unregistered_app"]
        assert [r[:3] for r in rejected.fetchall()] == [
            ("app_events", "app_id unknown", p["app_id"]) for p in sorted(planted, key=lambda p: p["app_id"])
        ]
        in_file = con.execute(
            "select count(*) from read_csv(?)", [str(small_db.parent / "files" / "unregistered_app_events.csv")]
        ).fetchone()[0]
        assert con.execute("select count(*) from quarantine").fetchone()[0] == in_file > 0
        out_of_order = con.execute(
            """
            with k as (select (date_trunc('month', ts), cadre_id) as k from app_events),
            pairs as (select k, lag(k) over () as prev from k)
            select count(*) from pairs where k < prev
            """
        ).fetchone()[0]
        assert out_of_order == 0
        # every cadre sits in a known village or town; every event's cadre and app exist
        orphans = con.execute("select count(*) from cadres anti join regions using (region_code)").fetchone()[0]
        assert orphans == 0
        assert con.execute("select count(*) from app_events e anti join cadres c using (cadre_id)").fetchone()[0] == 0


def test_existing_demo_is_kept_without_force(small_db, capsys):
    mtime = small_db.stat().st_mtime_ns
    assert build_demo(small_db, scale=SMALL_SCALE, seed=TEST_SEED) == {}
    assert small_db.stat().st_mtime_ns == mtime
    assert "exists" in capsys.readouterr().err


def test_a_database_from_an_older_version_gets_its_missing_derived_tables(small_db, tmp_path, capsys):
    """`make run` after an update: a derived table added since the file was built is built, nothing else changes."""
    old = tmp_path / "old.duckdb"
    shutil.copyfile(small_db, old)
    with duckdb.connect(str(old)) as con:
        con.execute("drop table app_recency_month")
    assert build_demo(old, scale=SMALL_SCALE, seed=TEST_SEED) == {}
    assert (
        "rebuilding 1 derived table changed since this database was built: app_recency_month" in capsys.readouterr().err
    )
    assert checksums(old) == checksums(small_db)
    mtime = old.stat().st_mtime_ns
    build_demo(old, scale=SMALL_SCALE, seed=TEST_SEED)  # complete now: left alone
    assert old.stat().st_mtime_ns == mtime
