"""Duplicate entry (SPEC "Metrics"): hand-made submits in a fresh database, checked after rollups.build.

The helpers here (new_db, add_events, ...) also build the hand-made databases of test_summary.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from burden import rollups, settings

REGIONS = [
    ("33", "浙江省", "Zhejiang", "province", None),
    ("3306", "绍兴市", "Shaoxing", "city", "33"),
    ("330681", "诸暨市", "Zhuji", "county", "3306"),
    ("330681120", "陈宅镇", None, "town", "330681"),
    ("330681120219", "湖田村", None, "village", "330681120"),
    ("330681104", "店口镇", None, "town", "330681"),
    ("330681104005", "牛皋社区", None, "village", "330681104"),
    ("3301", "杭州市", "Hangzhou", "city", "33"),
    ("330109", "萧山区", "Xiaoshan", "county", "3301"),
    ("330109001", "城厢街道", None, "town", "330109"),
]
APPS = ["A", "B", "C", "D"]
T0 = datetime(2023, 3, 6, 9, 0)


def new_db(path: Path | str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A database with the base-table schema, the regions above and apps A-D."""
    con = duckdb.connect(str(path))
    for ddl in sorted((settings.QUERIES_DIR / "schema").glob("*.sql")):
        con.execute(ddl.read_text(encoding="utf-8"))
    con.executemany("insert into regions values (?, ?, ?, ?, ?)", REGIONS)
    for app_id in APPS:
        con.execute(
            "insert into apps values (?, ?, ?, 'dept', 'civil_affairs', 'county', '330681', 'standalone', '走访登记', "
            "null, false, false, false, false, false, false)",
            [app_id, f"应用{app_id}", f"App {app_id}"],
        )
    return con


def add_cadres(con, rows: list[tuple[str, str]]) -> None:
    con.executemany("insert into cadres values (?, ?, '村委委员', '50-59')", rows)


def add_events(con, rows: list[tuple]) -> None:
    """rows: (event_id, ts, cadre_id, app_id, action, duration_s, subject_key, fact_type, task_id)."""
    con.executemany("insert into app_events values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def submit(event_id: int, ts: datetime, app_id: str, subject_key: str | None = "h1", cadre_id: str = "c1"):
    return (event_id, ts, cadre_id, app_id, "submit", 60, subject_key, "visit", f"t{event_id}")


def duplicates(rows: list[tuple]) -> list[tuple]:
    con = new_db()
    add_cadres(con, [("c1", "330681120219"), ("c2", "330681120219")])
    add_events(con, rows)
    rollups.build(con)
    return con.execute(
        "select event_id, original_event_id, original_app_id from duplicate_submits order by event_id"
    ).fetchall()


def test_repeat_in_the_same_app_is_not_a_duplicate():
    assert duplicates([submit(1, T0, "A"), submit(2, T0 + timedelta(hours=1), "A")]) == []


def test_eight_days_apart_is_not_a_duplicate():
    assert duplicates([submit(1, T0, "A"), submit(2, T0 + timedelta(days=8), "B")]) == []


def test_exactly_seven_days_is_a_duplicate():
    assert duplicates([submit(1, T0, "A"), submit(2, T0 + timedelta(days=7), "B")]) == [(2, 1, "A")]


def test_one_second_past_seven_days_is_not_a_duplicate():
    assert duplicates([submit(1, T0, "A"), submit(2, T0 + timedelta(days=7, seconds=1), "B")]) == []


def test_same_entry_in_three_apps_gives_two_duplicates_of_the_first():
    rows = [submit(1, T0, "A"), submit(2, T0 + timedelta(hours=2), "B"), submit(3, T0 + timedelta(days=1), "C")]
    assert duplicates(rows) == [(2, 1, "A"), (3, 1, "A")]


def test_same_second_ties_break_by_event_id():
    assert duplicates([submit(5, T0, "B"), submit(4, T0, "A")]) == [(5, 4, "A")]


def test_different_subject_key_is_not_a_duplicate():
    assert duplicates([submit(1, T0, "A", "h1"), submit(2, T0 + timedelta(hours=1), "B", "h2")]) == []


@pytest.mark.parametrize("key", ["", None])
def test_empty_subject_key_is_not_a_duplicate(key):
    assert duplicates([submit(1, T0, "A", key), submit(2, T0 + timedelta(hours=1), "B", key)]) == []


def test_other_cadre_or_fact_type_is_not_a_duplicate():
    other_cadre = submit(2, T0 + timedelta(hours=1), "B", cadre_id="c2")
    other_fact = (3, T0 + timedelta(hours=1), "c1", "C", "submit", 60, "h1", "patrol", "t3")
    assert duplicates([submit(1, T0, "A"), other_cadre, other_fact]) == []


def test_duplicate_rate_reaches_region_month():
    con = new_db()
    add_cadres(con, [("c1", "330681120219"), ("c2", "330681104")])
    add_events(con, [submit(1, T0, "A"), submit(2, T0 + timedelta(days=1), "B"), submit(3, T0, "A", cadre_id="c2")])
    rollups.build(con)
    rows = con.execute(
        "select region_code, submits, duplicate_submits from region_month where month = ? order by region_code",
        [date(2023, 3, 1)],
    ).fetchall()
    assert rows == [
        ("33", 3, 1),
        ("3306", 3, 1),
        ("330681", 3, 1),
        ("330681104", 1, 0),
        ("330681120", 2, 1),
        ("330681120219", 2, 1),
    ]
