"""Build the demo database: generate log files, then load them through the same loader as user files."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from burden import settings
from burden.ingest.lake import lake_dir
from burden.ingest.pipeline import load, sync_ledger, upgrade


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _set_aside_ledger(db_path: Path) -> None:
    """A new demo starts a new ledger: the old demo's store (its events and audit records) is kept, renamed."""
    url = settings.ledger_url(db_path)
    old = Path(url.removeprefix("sqlite:///"))
    if url.startswith("sqlite:") and old.exists():
        kept = old.with_name(f"{old.name}.{time.strftime('%Y%m%d-%H%M%S')}")
        old.replace(kept)
        _say(f"the previous demo's ledger and audit log kept as {kept.name}")


def build_demo(db_path: Path, scale: float = 1.0, seed: int | None = None, force: bool = False) -> dict:
    """Generate and load the demo into db_path; returns timings in seconds (empty if it already existed)."""
    db_path = Path(db_path)
    if db_path.exists() and not force:
        _say(f"{db_path} exists; use --force to rebuild it")
        # Made by an older version? Rebuild the derived tables whose definitions changed, before it is served.
        upgrade(db_path, _say)
        sync_ledger(db_path, _say)  # ledger changes a crash kept out of the served file
        return {}
    from burden.demo import generate

    started = time.perf_counter()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="burden-demo-") as tmp:
        generate(Path(tmp), scale=scale, seed=seed)
        generated = time.perf_counter()
        # A fresh database: the loader builds it beside db_path and replaces the old file only at the end.
        fresh = db_path.with_name(db_path.name + ".demo-new")
        fresh.unlink(missing_ok=True)
        _set_aside_ledger(db_path)
        report = load([Path(tmp)], fresh, ledger_url=settings.ledger_url(db_path), lake_root=lake_dir(db_path))
        if not report.ok:
            fresh.unlink(missing_ok=True)
            raise RuntimeError("demo load failed: " + "; ".join(report.messages))
        fresh.replace(db_path)
    done = time.perf_counter()
    timings = {
        "generate_s": round(generated - started, 2),
        "load_s": round(report.seconds - report.rollup_seconds, 2),
        "rollups_s": round(report.rollup_seconds, 2),
        "total_s": round(done - started, 2),
        "events": report.rows("app_events"),
        "db_bytes": db_path.stat().st_size,
    }
    _say(
        f"demo built in {timings['total_s']:.1f} s (generate {timings['generate_s']:.1f} s, "
        f"load {timings['load_s']:.1f} s, rollups {timings['rollups_s']:.1f} s): {db_path}, "
        f"{timings['events']:,} events, {timings['db_bytes'] / 1e6:.0f} MB"
    )
    return timings
