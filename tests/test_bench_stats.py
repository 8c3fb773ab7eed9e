"""The bench's percentiles and summaries: linear interpolation between ranks, as numpy's default."""

from __future__ import annotations

import pytest

from bench.stats import percentile, summary


def test_percentile_interpolates_between_ranks():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]  # unsorted on purpose
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 100) == 5.0
    assert percentile(values, 95) == pytest.approx(4.8)  # rank 3.8: 4 + 0.8 * (5 - 4)
    assert percentile([1.0, 2.0], 50) == pytest.approx(1.5)
    assert percentile([7.0], 95) == 7.0


def test_summary_reports_runs_median_tail_and_range():
    figures = summary([0.3, 0.1, 0.2, 1.0])
    assert figures == {"runs": 4, "p50_s": 0.25, "p95_s": pytest.approx(0.895), "min_s": 0.1, "max_s": 1.0}
