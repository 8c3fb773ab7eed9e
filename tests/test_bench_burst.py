"""A small meeting burst (bench.burst) completes: every session renders, figures are numbers.

Shape and success only; timings are the benchmark's business, not a test's.
"""

from __future__ import annotations

import pytest

from bench import burst

pytestmark = pytest.mark.browser


def is_number(value) -> bool:
    # Browser timings can come back as whole milliseconds (int) or fractions (float).
    return isinstance(value, int | float) and not isinstance(value, bool)


def test_small_burst_succeeds_with_numeric_figures(small_db, tmp_path):
    figures = burst.measure(small_db, sizes=(3,), timeout_s=120, log_dir=tmp_path)
    [one] = figures["bursts"]
    assert one["n"] == 3
    assert one["succeeded"] == 3, one["failures"]
    assert one["success_rate"] == 1.0
    assert one["failures"] == []
    for key in ("p50_ms", "p95_ms", "max_ms", "wall_s", "rss_idle_mb", "rss_before_mb", "rss_peak_mb", "hwm_mb"):
        assert is_number(one[key]) and one[key] > 0, key
    assert is_number(one["rss_growth_mb"])
    assert is_number(one["server_cpu_s"]) and one["server_cpu_s"] >= 0


def test_burst_refuses_unbounded_or_remote():
    with pytest.raises(ValueError):
        burst.run_one("http://127.0.0.1:1", 1, burst.MAX_SESSIONS + 1)
    with pytest.raises(ValueError):
        burst.run_one("http://example.com", 1, 3)
