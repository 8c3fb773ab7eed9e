"""python -m bench [--quick] [--scale S] [--out bench/results] [--runs N] [--sections ...]

Full mode builds (once) a database at --scale under data/bench/ (or BURDEN_BENCH_DB) and measures it;
--quick builds scale 0.1 in a temp folder, runs each figure fewer times (5 warm, 3 cold; cold for each view's default
set only) and skips province scale.
--db PATH measures the database at PATH instead (built there once if missing, its raw files in PATH's folder/files;
the tests pass their session demo, built by bench.data.build_or_reuse).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest's "missing ScriptRunContext" noise

from bench import browser, burst, data, memory, overhead, peers, queries, report, spark  # noqa: E402
from bench.stats import say

# Province scale: 1B+ events. Measured: scale 0.1 -> 3.5M events, scale 1 -> 14.0M, i.e. about 2.35M + 11.6M per
# unit of scale, so scale 60 would give about 0.7B; 90 gives about 1.05B (extrapolated; the header records the count).
DEFAULT_SCALE = 90.0
QUICK_SCALE = 0.1
PEER_CAP_S = 150.0
SECTIONS = ("data", "queries", "overhead", "peers", "daily", "browser", "burst", "memory", "spark")
# Spark's figures at their own scale: a rebuild of 1B events on local[2] would take hours (README "Performance").
SPARK_SCALE = 5.0
# Real-browser sections need Chromium and minutes of CPU; quick mode (CI) leaves them to tests/test_bench_burst.py.
QUICK_SECTIONS = ("data", "queries", "overhead", "peers", "daily")


def _args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scale 0.1 in a temp folder, 5 warm and 3 cold runs")
    parser.add_argument(
        "--scale", type=float, default=None, help=f"demo scale of the bench database ({DEFAULT_SCALE:g})"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results"), help="folder for <date>.json")
    parser.add_argument(
        "--runs", type=int, default=None, help="runs per latency figure (20; quick 5 warm, at most 3 cold)"
    )
    parser.add_argument("--seed", type=int, default=None, help="demo seed (the scenario's)")
    parser.add_argument(
        "--db", type=Path, default=None, help="bench database to build once and reuse (BURDEN_BENCH_DB; not quick's)"
    )
    parser.add_argument(
        "--spark-scale", type=float, default=SPARK_SCALE, help=f"demo scale of the spark section ({SPARK_SCALE:g})"
    )
    parser.add_argument(
        "--sections", default=None, help="comma-separated subset of " + ",".join(SECTIONS) + " (quick: no browser)"
    )
    return parser.parse_args(argv)


def _db_path(scale: float) -> Path:
    env = os.environ.get("BURDEN_BENCH_DB")
    if env:
        return Path(env)
    from burden import settings

    return settings.DATA_DIR / "bench" / f"s{scale:g}" / "burden.duckdb"


def run(args) -> dict:
    scale = QUICK_SCALE if args.quick else (args.scale or DEFAULT_SCALE)
    runs = args.runs or (5 if args.quick else 20)
    chosen = args.sections or ",".join(QUICK_SECTIONS if args.quick else SECTIONS)
    sections = [s.strip() for s in chosen.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp = Path(tmp)
        if args.quick and not args.db:
            db_path, files = tmp / "burden.duckdb", tmp / "files"
            built = data.build(db_path, files, scale, args.seed)
            built["reused"] = False
        else:
            db_path = args.db or _db_path(scale)
            files = db_path.parent / "files"
            built = data.build_or_reuse(db_path, files, scale, args.seed)
            scale = built["scale"]
        os.environ["BURDEN_DB"] = str(db_path)
        results = {
            "header": {
                **report.machine(),
                "quick": args.quick,
                "scale": scale,
                "default_scale": DEFAULT_SCALE,
                "runs": runs,
                "db": str(Path(db_path).resolve()),
                "db_bytes": db_path.stat().st_size,
            }
        }
        if "data" in sections:
            results["data"] = built
        sets = warm = None
        if {"queries", "overhead"} & set(sections):
            say("recording each view's query set by running its page")
            sets = queries.record()
            warm = queries.warm(sets, runs)
            results["queries"] = {"sets": sets, "warm": warm}
            if "queries" in sections:
                # quick: each view's default set only (a process each; the drilled sets differ in their parameters)
                cold_sets = {k: v for k, v in sets.items() if k.endswith("/default")} if args.quick else sets
                results["queries"]["cold"] = queries.cold(cold_sets, min(3, runs) if args.quick else runs, tmp)
        if "overhead" in sections:
            results["overhead"] = overhead.measure(sets, warm, runs, page_runs=min(2, runs) if args.quick else 10)
        if "peers" in sections:
            # full mode: each peer in its own process, stopped after PEER_CAP_S (raw events at 1B+ take minutes)
            cap = None if args.quick else PEER_CAP_S
            results["peers"] = peers.measure(db_path, files, runs=min(2, runs) if args.quick else 3, cap_s=cap)
        if "daily" in sections:
            # province scale: in place when the disk cannot hold a copy (the bench database then gains a day)
            results["daily"] = data.daily(db_path, in_place=False if args.quick else None)
        if "browser" in sections:
            with browser.server(db_path) as srv:
                results["browser"] = browser.measure(srv.url, runs=3 if args.quick else 5)
        if "burst" in sections:
            # A provincial video conference: 100-200 screens on one link, through HAProxy to 1 and to 2
            # processes (burden.balancer; Debian's haproxy must be installed).
            if args.quick:
                results["burst"] = burst.measure(db_path, sizes=(3,))
            else:
                results["burst"] = burst.measure(db_path, sizes=(50, 100, 200), processes=(1, 2))
        if "memory" in sections:
            results["memory"] = memory.measure(db_path)
        if "spark" in sections:
            # Spark (PySpark, Java) local[2] and a standalone cluster of one then two workers; the same scale's
            # DuckDB rebuild beside it. Quick mode measures the quick database.
            if args.quick or scale == args.spark_scale:
                spark_db, built_here = db_path, built
            else:
                from burden import settings

                spark_db = settings.DATA_DIR / "bench" / f"s{args.spark_scale:g}" / "burden.duckdb"
                built_here = data.build_or_reuse(spark_db, spark_db.parent / "files", args.spark_scale, args.seed)
            results["spark"] = {
                "scale": built_here["scale"],
                "duckdb_rebuild_s": built_here["rollup_rebuild_s"],
                **spark.measure(spark_db),
            }
    results["header"]["bench_s"] = round(time.perf_counter() - started, 1)
    return results


def main(argv=None) -> int:
    args = _args(argv)
    results = report.merge_earlier(run(args), args.out)
    path = report.write(results, args.out)
    print(report.render(results))
    print(f"\nwritten to {path} ({results['header']['bench_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
