"""Built figures kept per input (burden/charts/memo.py, web/ui.plot): shared when the inputs are the same, never
when anything the figure shows differs, and never changed once kept."""

from __future__ import annotations

import json
from datetime import date

import plotly.graph_objects as go
import polars as pl
import pytest

from burden import i18n
from burden.charts import memo
from burden.charts import overview as charts
from tests.apptest_util import open_view

TREND = pl.DataFrame(
    {"month": [date(2024, 1, 1), date(2024, 2, 1)], "held_median": [9.0, 7.0], "used_median": [8.0, 6.0]}
)
BASELINE = ("2024-01", "2024-01")


def apps(trend: pl.DataFrame = TREND, title: str = "t") -> memo.Build:
    return memo.Build(charts.trend_figure, "apps", trend, BASELINE, title, [])


def test_the_key_follows_every_input():
    assert apps().key() == apps().key()
    assert apps().key() != apps(title="other").key()
    changed = TREND.with_columns(held_median=pl.Series([9.0, 6.5]))
    assert apps().key() != apps(changed).key()  # one value differs
    assert apps().key() != apps(TREND.reverse()).key()  # same rows, other order
    assert apps().key() != apps(TREND.rename({"used_median": "used_mean"})).key()  # another column
    assert apps().key() != apps().key(("2024-02", "Feb, days 1-6"), False)  # a mark the caller adds
    i18n.set_lang("en")
    try:
        english = apps().key()
    finally:
        i18n.set_lang("zh")
    assert english != apps().key()
    events = [{"month": "2024-02", "label": "a", "note": "n"}]
    with_events = memo.Build(charts.trend_figure, "apps", TREND, BASELINE, "t", events).key()
    events[0]["label"] = "b"
    assert memo.Build(charts.trend_figure, "apps", TREND, BASELINE, "t", events).key() != with_events


def test_what_could_hide_an_input_is_refused():
    def local(frame):
        return go.Figure()

    with pytest.raises(ValueError, match="a function of burden.charts"):
        memo.Build(local, TREND)
    with pytest.raises(TypeError, match="DataFrame, hashable, a list or a dict, not set"):
        memo.Build(charts.ranking_figure, TREND, 5, {"a"}).key()


def test_a_kept_figure_is_built_once_and_reads_as_built():
    cache = memo.FigureCache(size=2)
    built = []

    def build(title):
        built.append(title)
        return apps(title=title)()

    first = cache.get(("a",), lambda: build("a"))
    expected = apps(title="a")().to_dict()
    assert cache.get(("a",), lambda: build("a")) is first
    assert built == ["a"] and (cache.hits, cache.misses) == (1, 1)
    assert isinstance(first, memo.Frozen) and first.to_dict() == expected
    assert json.loads(first.to_json())["layout"]["title"]["text"] == "a"
    cache.get(("b",), lambda: build("b"))
    cache.get(("c",), lambda: build("c"))  # the bound: "a", least recently used, goes
    cache.get(("a",), lambda: build("a"))
    assert built == ["a", "b", "c", "a"]


def _spec(at, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def test_the_overview_marks_a_month_to_date_and_meeting_mode_only_where_chosen(to_date_db, use_db):
    use_db(to_date_db)
    memo.FIGURES.clear()
    plain = _spec(open_view("app_pages/overview.py", {"lang": "en", "to": "2024-02"}), 0)
    to_date = _spec(open_view("app_pages/overview.py", {"lang": "en", "to": "2024-03"}), 0)
    dotted = [trace for trace in to_date["data"] if trace.get("line", {}).get("dash") == "dot"]
    assert len(dotted) == 2 and all(trace["x"][-1].startswith("2024-03") for trace in dotted)  # held and used
    assert not [trace for trace in plain["data"] if trace.get("line", {}).get("dash") == "dot"]
    meeting = _spec(open_view("app_pages/overview.py", {"lang": "en", "to": "2024-02", "mode": "meeting"}), 0)
    assert meeting["layout"]["font"]["size"] == 20 and plain["layout"].get("font", {}).get("size") != 20
    again = _spec(open_view("app_pages/overview.py", {"lang": "en", "to": "2024-02"}), 0)
    assert again == plain  # the kept figure is the one first drawn: no mark stuck to it
    assert memo.FIGURES.hits >= 4  # the second plain run drew its four figures from the cache


def test_sessions_missing_one_figure_at_once_build_it_once():
    import threading
    import time

    cache = memo.FigureCache()
    started, release, built = threading.Event(), threading.Event(), []

    def slow():
        built.append(1)
        started.set()
        release.wait(30)
        return apps(title="slow")()

    results = []
    first = threading.Thread(target=lambda: results.append(cache.get(("k",), slow)))
    first.start()
    assert started.wait(30)
    others = [threading.Thread(target=lambda: results.append(cache.get(("k",), slow))) for _ in range(5)]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 30
    while len(cache._lock._waiters) < 5:  # until all five wait for the first build (a condition, not a sleep)
        assert time.monotonic() < deadline, "the other sessions did not wait for the first build"
        time.sleep(0.01)
    release.set()
    for thread in [first, *others]:
        thread.join(30)
    assert len(built) == 1 and len(results) == 6 and all(r is results[0] for r in results)
    assert (cache.misses, cache.hits) == (1, 5)


def test_a_failed_build_leaves_the_figure_to_the_next_session():
    cache = memo.FigureCache()

    def broken():
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.get(("k",), broken)
    assert cache.get(("k",), lambda: apps(title="ok")()).to_dict()["layout"]["title"]["text"] == "ok"
