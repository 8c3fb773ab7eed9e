"""bench.report.merge_earlier: a province run done in parts (--sections) keeps the day's earlier sections."""

from bench import report


def _results(db: str, date: str, quick: bool = False, **sections) -> dict:
    header = {"db": db, "date": date, "quick": quick, "scale": 90.0, "default_scale": 90.0, "runs": 20}
    header |= {"cores": 2, "memory_gb": 23.5, "python": "3.11", "versions": {}, "commit": "abc"}
    return {"header": header, **sections}


def test_a_later_part_keeps_earlier_sections_and_says_when_each_was_measured(tmp_path):
    first = _results("/d/burden.duckdb", "2026-11-26T09:35:00", data={"events": 1}, queries={"warm": {"a": 1}})
    report.write(first, tmp_path)
    second = report.merge_earlier(
        _results("/d/burden.duckdb", "2026-11-26T11:00:00", queries={"warm": {"a": 2}}), tmp_path
    )
    assert second["data"] == {"events": 1}
    assert second["queries"] == {"warm": {"a": 2}}  # the newer measurement wins
    assert second["header"]["measured"] == {"queries": "2026-11-26T11:00:00", "data": "2026-11-26T09:35:00"}
    report.write(second, tmp_path)
    third = report.merge_earlier(
        _results("/d/burden.duckdb", "2026-11-26T12:00:00", memory={"peak_rss_mb": 5}), tmp_path
    )
    assert third["header"]["measured"]["data"] == "2026-11-26T09:35:00"
    assert third["header"]["measured"]["memory"] == "2026-11-26T12:00:00"
    printed = report.render({"header": third["header"], "memory": third["memory"]})
    assert "data 2026-11-26T09:35:00, memory 2026-11-26T12:00:00" in printed


def test_another_database_or_quick_mode_starts_afresh(tmp_path):
    report.write(_results("/d/burden.duckdb", "2026-11-26T09:35:00", data={"events": 1}), tmp_path)
    other = report.merge_earlier(_results("/e/burden.duckdb", "2026-11-26T10:00:00", memory={"x": 1}), tmp_path)
    assert "data" not in other and "measured" not in other["header"]
    quick = _results("/d/burden.duckdb", "2026-11-26T10:00:00", quick=True, memory={"x": 1})
    assert report.merge_earlier(quick, tmp_path) is quick


def test_the_same_database_named_relative_or_absolute_keeps_earlier_sections(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report.write(_results(str(tmp_path / "d" / "burden.duckdb"), "2026-11-26T09:35:00", burst={"n": 1}), tmp_path)
    later = report.merge_earlier(_results("d/burden.duckdb", "2026-11-26T10:00:00", memory={"x": 1}), tmp_path)
    assert later["burst"] == {"n": 1} and later["memory"] == {"x": 1}
