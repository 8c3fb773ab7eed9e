"""Daily replay: eleven days across a month's end (24 February to 5 March 2024) arrive one file per day, loaded one
day at a time into a database built from the months before. After every day each derived table equals a full
rebuild over the same rows, no default headline rate moves by more than 15% from one day to the next (the demo is
steady after the campaign), and the default period moves on only on the day its month is complete.

The replay keeps two cities (杭州 and 绍兴, with the seed places) and eleven days, so that its loads and full rebuilds
fit in CI; the loader, the incremental rollups and the rebuild are the same code as at any size, and the days hold
what a daily load meets: the days before a month's end, the end itself, a new month just begun, weekends. (One county
alone is too small: its duplicate-entry rate still falls 16% from January to February in the demo.)

The full rebuild runs on the loaded file itself inside a transaction that is rolled back (no copy, no checkpoint),
and builds each table with one statement over all months rather than a month at a time: the same rows
(tests/test_rollup_chunks.py), in a third of the time, and a reference that shares no month cuts with the loads.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from burden import db as burden_db
from burden import rollups, summary
from burden.ingest.pipeline import load
from tests.lakes import delete_logs
from tests.test_demo_build import table_sums

CITIES = ("3301", "3306")
FIRST_DAY, LAST_DAY = date(2024, 2, 24), date(2024, 3, 5)  # Saturday to Tuesday: two weekends, a leap day
# Rates per cadre-week, per task and shares: the default headline's comparable figures
STEADY = (
    "duplicate_entry_rate",
    "photos_per_task",
    "photo_minutes_per_cadre_week",
    "share_tasks_photo_required",
    "fingertip_hours_per_cadre_week",
)


def loaded_and_rebuilt(db: Path, monkeypatch) -> tuple[dict, dict]:
    """Checksums of every derived table as the loads left it, and as a full rebuild over the same rows makes it."""
    con = burden_db.connect(db, read_only=False)
    try:
        loaded = table_sums(con, rollups.TABLES)
        con.execute("begin transaction")
        with monkeypatch.context() as whole:
            whole.setattr(rollups, "_month_chunks", lambda c: ([rollups.ALL_MONTHS], rollups.data_last_on(c)))
            rollups.build(con)
        rebuilt = table_sums(con, rollups.TABLES)
        con.execute("rollback")
    finally:
        con.close()
    return loaded, rebuilt


@pytest.fixture(scope="module")
def replay(small_db, tmp_path_factory):
    """The cities' data before FIRST_DAY in a database; FIRST_DAY to LAST_DAY as one Parquet file per day."""
    tmp = tmp_path_factory.mktemp("replay")
    path, days = tmp / "burden.duckdb", tmp / "days"
    days.mkdir()
    shutil.copyfile(small_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute("set TimeZone = 'Asia/Shanghai'")
        kept = " or ".join(f"starts_with(region_code, '{city}')" for city in CITIES)
        others = f"cadre_id in (select cadre_id from cadres where not ({kept}))"
        for table in ("app_events", "photo_uploads", "app_accounts"):
            delete_logs(con, path, table, others)
        con.execute(f"delete from cadres where {others}")
        day = FIRST_DAY
        while day <= LAST_DAY:
            for table in ("app_events", "photo_uploads"):
                out = days / f"{day}_{table}.parquet"
                con.execute(
                    f"copy (select * from {table} where cast(ts as date) = '{day}' order by ts, cadre_id) "
                    f"to '{out}' (format parquet)"
                )
            day += timedelta(days=1)
        start = f"timestamptz '{FIRST_DAY} 00:00:00+08'"
        delete_logs(con, path, "app_events", f"ts >= {start}")
        delete_logs(con, path, "photo_uploads", f"ts >= {start}")
        con.execute("update load_meta set value = ? where key = 'as_of'", [str(FIRST_DAY - timedelta(days=1))])
        rollups.build(con)
    return path, days


def headline(db: Path, use_db) -> tuple[str, dict]:
    use_db(db)
    result = summary.summary("33", None, None)
    return result["period"]["to"], {k: result["metrics"][k]["latest"] for k in STEADY}


def expected_default(day: date) -> str:
    """The default period's last month once `day` is loaded: the day's month when it is the month's last day, else
    the month before (a month just begun is never the default)."""
    complete = (day + timedelta(days=1)).month != day.month
    month = day if complete else day.replace(day=1) - timedelta(days=1)
    return f"{month:%Y-%m}"


def test_daily_loads_equal_a_full_rebuild_and_keep_the_headline_steady(replay, use_db, monkeypatch):
    db, days = replay
    previous_to, previous = headline(db, use_db)
    assert previous_to == "2024-01"
    defaults, expected = [], []
    day = FIRST_DAY
    while day <= LAST_DAY:
        files = sorted(days.glob(f"{day}_*.parquet"))
        report = load(files, db, progress=lambda _: None)
        assert report.ok, (day, report.messages)
        assert report.rows("app_events") > 0, day

        loaded, rebuilt = loaded_and_rebuilt(db, monkeypatch)
        assert loaded == rebuilt, f"after {day}: the incremental tables differ from a full rebuild"

        to, rates = headline(db, use_db)
        defaults.append(to)
        expected.append(expected_default(day))
        for key, value in rates.items():
            assert value == pytest.approx(previous[key], rel=0.15), (day, key, previous[key], value)
        previous = rates
        day += timedelta(days=1)
    # the default moves on only when a month is complete: on the last day of February
    assert defaults == expected
    assert expected.count("2024-01") == 5 and expected.count("2024-02") == 6
