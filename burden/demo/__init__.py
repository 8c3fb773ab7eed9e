"""Deterministic demo data: the log files a province would load, calibrated by data/scenario.toml.

generate() writes apps, cadres, app_accounts, app_events/YYYY-MM, photo_uploads/YYYY-MM and
remediation_cases.csv. Randomness is a hash of the seed and each row's keys, so the same seed and scale
always give the same bytes. Everything runs as DuckDB SQL, one month of events at a time.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from burden.demo import accounts, apps, cadres, events, ledger, rand, regions, write
from burden.demo.scenario import Scenario, load_scenario

__all__ = ["generate", "load_scenario", "Scenario"]

_OUTPUTS = ("apps", "cadres", "app_accounts", "remediation_cases")


def _clear(out_dir: Path) -> None:
    """Remove earlier demo output (only our own file names), so no stale month or format is left behind."""
    for name in _OUTPUTS:
        for suffix in (".parquet", ".csv"):
            (out_dir / f"{name}{suffix}").unlink(missing_ok=True)
    for folder in ("app_events", "photo_uploads"):
        shutil.rmtree(out_dir / folder, ignore_errors=True)
        (out_dir / f"{folder}.parquet").unlink(missing_ok=True)


def generate(out_dir: Path, scale: float = 1.0, seed: int | None = None, fmt: str = "parquet") -> dict:
    """Write the demo log files to out_dir; returns row counts per table. seed None = the scenario's seed."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be parquet or csv, not {fmt!r}")
    if not 0 < scale <= 100:
        raise ValueError("scale must be in (0, 100] (event ids give cadres 18 bits)")
    sc = load_scenario()
    seed = sc.seed if seed is None else int(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear(out_dir)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="burden-gen-") as tmp:
        con = duckdb.connect()
        con.execute("set enable_progress_bar = false")
        # bounded memory at province scale: the monthly sort spills to the temp folder beyond this
        con.execute(f"set temp_directory = '{tmp}'")
        con.execute(f"set memory_limit = '{os.environ.get('BURDEN_GEN_MEMORY', '8GB')}'")
        rand.install(con, seed)
        regions.load_divisions(con)
        regions.sample_places(con, sc, scale)
        regions.build_county_info(con, sc)
        cadres.build_cadres(con, sc)
        cadres.build_work(con, sc)
        apps.build_apps(con, sc, seed)
        ledger.build_cases(con, sc)
        accounts.build_accounts(con, sc)
        counts = write.write_dimensions(con, out_dir, fmt)
        print(
            f"[demo] scale {scale:g}, seed {seed}: {counts['cadres']:,} cadres, {counts['apps']:,} apps, "
            f"{counts['app_accounts']:,} accounts, {counts['remediation_cases']:,} cases "
            f"({time.perf_counter() - started:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
        counts.update(events.write_months(con, sc, out_dir, fmt))
        con.close()
    seconds = time.perf_counter() - started
    print(
        f"[demo] {counts['app_events']:,} events written to {out_dir} in {seconds:.1f} s", file=sys.stderr, flush=True
    )
    return counts
