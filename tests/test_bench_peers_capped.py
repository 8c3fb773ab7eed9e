"""bench.peers._capped: a peer in its own process is stopped at the cap, and one that fails says why and when."""

from bench import peers


def test_a_peer_stopped_at_the_cap_bounds_its_run_by_the_cap(small_db, tmp_path):
    cap_s = 0.05  # less than a spawned process takes to start
    stats, result = peers._capped("duckdb_raw", "apps_used", small_db, tmp_path, 7, runs=1, cap_s=cap_s)
    assert result is None and stats["p50_s"] is None
    assert stats["lower_bound_s"] == cap_s and stats["unfinished"].startswith("stopped after")


def test_a_failing_peer_reports_its_error_and_time_until_it_failed(small_db, tmp_path):
    missing = tmp_path / "no-files-here"  # Polars finds no Parquet to scan: the peer raises in its process
    stats, result = peers._capped("polars_lazy", "apps_used", small_db, missing, 7, runs=1, cap_s=60)
    assert result is None and stats["p50_s"] is None
    assert 0 < stats["lower_bound_s"] < 60  # the time until it failed, not the cap
    assert stats["unfinished"].startswith("FileNotFoundError") and "no-files-here" in stats["unfinished"]
