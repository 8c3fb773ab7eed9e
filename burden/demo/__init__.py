"""Deterministic demo data: the log files a province would load, calibrated by data/scenario.toml.

generate() writes apps, cadres, app_accounts, app_events/YYYY-MM, photo_uploads/YYYY-MM,
remediation_cases.csv and unregistered_app_events.csv (logs of apps missing from the catalogue). Randomness is a
hash of the seed and each row's keys, so the same seed and scale
always give the same bytes. Everything runs as DuckDB SQL, one month of events at a time.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from burden.db import open_duckdb
from burden.demo import accounts, apps, cadres, events, ledger, rand, regions, unregistered, write
from burden.demo.scenario import Scenario, load_scenario

__all__ = ["generate", "load_scenario", "Scenario"]

_OUTPUTS = ("apps", "cadres", "app_accounts", "remediation_cases", unregistered.FILE)


def _clear(out_dir: Path) -> None:
    """Remove earlier demo output (only our own file names), so no stale month or format is left behind."""
    for name in _OUTPUTS:
        for suffix in (".parquet", ".csv"):
            (out_dir / f"{name}{suffix}").unlink(missing_ok=True)
    for folder in ("app_events", "photo_uploads"):
        shutil.rmtree(out_dir / folder, ignore_errors=True)
        (out_dir / f"{folder}.parquet").unlink(missing_ok=True)


_STAMP = "generated.json"  # what a resumable run wrote: its settings and the months finished so far


def _resume_state(out_dir: Path, settings: dict) -> dict:
    """The months an earlier run with the same settings finished, or {} (after clearing the folder)."""
    stamp = out_dir / _STAMP
    try:
        earlier = json.loads(stamp.read_text())
    except (FileNotFoundError, ValueError):
        earlier = {}
    if earlier.get("settings") == settings:
        return earlier.get("months", {})
    _clear(out_dir)
    return {}


def generate(
    out_dir: Path, scale: float = 1.0, seed: int | None = None, fmt: str = "parquet", resume: bool = False
) -> dict:
    """Write the demo log files to out_dir; returns row counts per table. seed None = the scenario's seed.

    resume: keep the whole month files of an earlier run with the same scale, seed and format (a province-scale
    generation takes tens of minutes); counts then include them, and out_dir/generated.json records each
    month's events and seconds (for the bench's generation rate)."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be parquet or csv, not {fmt!r}")
    if not 0 < scale <= 100:
        raise ValueError("scale must be in (0, 100] (event ids give cadres 18 bits)")
    sc = load_scenario()
    seed = sc.seed if seed is None else int(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    run_settings = {"scale": scale, "seed": seed, "fmt": fmt}
    if resume:
        done = _resume_state(out_dir, run_settings)
    else:
        done = None
        _clear(out_dir)
        (out_dir / _STAMP).unlink(missing_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="burden-gen-") as tmp:
        con = open_duckdb()
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
        counts["unregistered_events"] = unregistered.write_unregistered(con, sc, out_dir)
        print(
            f"[demo] scale {scale:g}, seed {seed}: {counts['cadres']:,} cadres, {counts['apps']:,} apps, "
            f"{counts['app_accounts']:,} accounts, {counts['remediation_cases']:,} cases "
            f"({time.perf_counter() - started:.1f} s)",
            file=sys.stderr,
            flush=True,
        )
        if done is None:
            counts.update(events.write_months(con, sc, out_dir, fmt))
        else:

            def record(months: dict) -> None:  # after each finished month
                (out_dir / _STAMP).write_text(json.dumps({"settings": run_settings, "months": months}, indent=1))

            counts.update(events.write_months(con, sc, out_dir, fmt, done=done, after_month=record))
        con.close()
    seconds = time.perf_counter() - started
    print(
        f"[demo] {counts['app_events']:,} events written to {out_dir} in {seconds:.1f} s", file=sys.stderr, flush=True
    )
    return counts
