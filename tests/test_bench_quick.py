"""`python -m bench --quick` runs to the end and writes every section with numeric figures (timings are
never checked against the targets here: they are printed by the bench, not asserted). It measures the session's
small demo (--db): the fixture built it with the bench's own builder, so the data figures are that build's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _numbers(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def test_quick_bench_writes_every_section(small_db, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("BURDEN_DB", "BURDEN_BENCH_DB")}
    done = subprocess.run(
        # one run of each figure (cold ones start a process each): this checks that every section is measured and
        # written, not the figures' spread (tests/test_bench_stats.py checks the percentiles)
        [sys.executable, "-m", "bench", "--quick", "--runs", "1", "--db", str(small_db), "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    [written] = list(tmp_path.glob("*.json"))
    results = json.loads(written.read_text(encoding="utf-8"))

    head = results["header"]
    assert head["quick"] is True and head["cores"] >= 1 and head["memory_gb"] > 0
    assert head["versions"]["duckdb"] and head["versions"]["polars"]

    data = results["data"]
    for key in ("events", "generate_events_per_s", "load_events_per_s", "rollup_rebuild_s", "rollup_events_per_s"):
        assert isinstance(data[key], int | float) and data[key] > 0, key

    from burden.web import frame

    views = [view for _file, view, _title, _icon in frame.PAGES]
    keys = {f"{view}/{which}" for view in views for which in ("default", "drilled")}
    queries = results["queries"]
    assert set(queries["sets"]) == keys
    assert all(queries["sets"][k]["queries"] for k in keys)  # every view runs queries
    cold_keys = {f"{view}/default" for view in views}  # quick: a cold process for each view's default set only
    for section, measured in (("warm", keys), ("cold", cold_keys)):
        assert set(queries[section]) == measured
        for key in measured:
            figures = queries[section][key]
            assert figures["runs"] >= 1 and figures["p50_s"] > 0 and figures["p95_s"] >= figures["p50_s"], key

    overhead = results["overhead"]
    assert overhead["ratio_query"] > 0 and overhead["ratio_page"] > 0
    assert set(overhead["sets"]) == keys

    peers = results["peers"]
    assert set(peers) == {"apps_used", "duplicate_rate", "fingertip_hours"}
    for metric, figures in peers.items():
        assert figures["ratio_duckdb_raw"] > 0 and figures["ratio_polars_lazy"] > 0, metric
        assert figures["rows"] > 0, metric

    daily = results["daily"]
    assert daily["events"] > 0 and daily["seconds"] > 0 and daily["csv_file_events_per_s"] > 0
    late = daily["month_end"]  # the same volume into the month to date: that month's rollups rebuilt
    assert late["seconds"] > late["rollup_s"] > 0

    assert all(n == n for n in _numbers(results))  # no NaN anywhere
    assert "written to" in done.stdout
