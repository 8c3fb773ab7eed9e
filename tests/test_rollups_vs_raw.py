"""The rollup SQL against a separate path: the same definitions recomputed in Polars from raw app_events.

Checks apps used (median, mean, p90, share above target), the duplicate-entry rate and fingertip hours for a
county, a town and the province, month by month and pooled, on a synthetic database and on the small demo.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from burden import db, rollups
from tests.test_duplicates import add_cadres, add_events, new_db

REGIONS = ["33", "330681", "330681104"]  # the province, 诸暨市, 店口镇
TARGET = 5


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory) -> Path:
    """Random but seeded events: few apps and subjects, so duplicates, ties and idle cadres all occur."""
    rng = random.Random(7)
    path = tmp_path_factory.mktemp("synthetic") / "burden.duckdb"
    con = new_db(path)
    homes = ["330681120219", "330681104005", "330681104", "330109001"]
    cadres = [(f"c{i:02d}", homes[i % len(homes)]) for i in range(24)]
    add_cadres(con, cadres)
    start = datetime(2022, 10, 1)
    events = []
    for event_id in range(1, 4001):
        cadre = rng.choice(cadres[:-3])[0]  # the last 3 cadres stay idle
        ts = start + timedelta(hours=rng.randrange(0, 24 * 180))
        action = rng.choice(["submit", "submit", "open", "view", "photo"])
        key = rng.choice(["h1", "h2", "", None])
        events.append((event_id, ts, cadre, rng.choice("ABCD"), action, rng.randrange(5, 900), key, "visit", "t1"))
    add_events(con, events)
    rollups.build(con)
    con.close()
    return path


def raw_frames(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    events = con.sql("select * from app_events").pl()
    cadres = con.sql("select cadre_id, region_code from cadres").pl()
    return events.with_columns(month=pl.col("ts").dt.truncate("1mo").cast(pl.Date)), cadres


def duplicate_count(events: pl.DataFrame, cadre_ids: pl.DataFrame, month: date) -> int:
    """Submits in the month with an earlier submit of the same entry in another app within 7 days."""
    month_start = datetime(month.year, month.month, 1)
    next_month = datetime(month.year + month.month // 12, month.month % 12 + 1, 1)
    submits = events.filter(
        (pl.col("action") == "submit")
        & pl.col("subject_key").is_not_null()
        & (pl.col("subject_key") != "")
        & pl.col("fact_type").is_not_null()
        & (pl.col("ts") >= month_start - timedelta(days=7))
        & (pl.col("ts") < next_month)
    ).select("event_id", "ts", "cadre_id", "app_id", "subject_key", "fact_type", "month")
    submits = submits.join(cadre_ids, on="cadre_id", how="semi")
    repeats = submits.filter(pl.col("month") == month)
    pairs = repeats.join(submits, on=["cadre_id", "subject_key", "fact_type"], suffix="_p").filter(
        (pl.col("app_id_p") != pl.col("app_id"))
        & (pl.col("ts_p") >= pl.col("ts") - timedelta(days=7))
        & (
            (pl.col("ts_p") < pl.col("ts"))
            | ((pl.col("ts_p") == pl.col("ts")) & (pl.col("event_id_p") < pl.col("event_id")))
        )
    )
    return pairs.select(pl.col("event_id").n_unique()).item()


def expected(events: pl.DataFrame, cadres: pl.DataFrame, region: str, months: list[date]) -> dict:
    """The metrics for a region pooled over the given months, from raw events."""
    inside = cadres.filter(pl.col("region_code").str.starts_with(region))
    grid = inside.select("cadre_id").join(pl.DataFrame({"month": months}), how="cross")
    mine = events.filter(pl.col("month").is_in(months)).join(inside.select("cadre_id"), on="cadre_id", how="semi")
    used = grid.join(
        mine.group_by("cadre_id", "month").agg(pl.col("app_id").n_unique().alias("n")),
        on=["cadre_id", "month"],
        how="left",
    ).with_columns(pl.col("n").fill_null(0))["n"]
    submits = mine.filter(pl.col("action") == "submit").height
    duplicates = sum(duplicate_count(events, inside.select("cadre_id"), m) for m in months)
    days = sum(observed_days(events, m) for m in months)
    return {
        "used_median": used.quantile(0.5, interpolation="linear"),
        "used_mean": used.mean(),
        "used_p90": used.quantile(0.9, interpolation="linear"),
        "used_share_above": (used > TARGET).mean(),
        "submits": submits,
        "duplicate_submits": duplicates,
        "duplicate_entry_rate": duplicates / submits if submits else None,
        "fingertip_hours_per_cadre_week": mine["duration_s"].sum() / 3600 / (inside.height * days / 7),
    }


def observed_days(events: pl.DataFrame, month: date) -> int:
    """The month's days, or in a month to date (the data's last month, ending before its last day) the days from
    its first to the data's last day: the cadre-weeks of docs/metrics.md#month_to_date."""
    last = events["ts"].max().date()
    calendar = (date(month.year + month.month // 12, month.month % 12 + 1, 1) - month).days
    return last.day if (last.year, last.month) == (month.year, month.month) and last.day < calendar else calendar


def from_queries(con: duckdb.DuckDBPyConnection, region: str, first: date, last: date) -> dict:
    params = {"region": region, "children": False, "from": first, "to": last, "by_month": False}
    apps = db.run(con, "apps_per_cadre", target=TARGET, **params).row(0, named=True)
    rates = db.run(con, "burden_rates", **params).row(0, named=True)
    return {**apps, **rates}


def sample_months(events: pl.DataFrame) -> list[list[date]]:
    months = sorted(events["month"].unique().to_list())
    return [[months[0]], [months[len(months) // 2]], [months[-1]], months[:3]]  # three single months, one pooled


@pytest.mark.parametrize("database", ["synthetic_db", "small_db"])
def test_rollups_agree_with_polars_on_raw_events(request, database):
    con = duckdb.connect(str(request.getfixturevalue(database)), read_only=True)
    events, cadres = raw_frames(con)
    checked = 0
    for region in REGIONS:
        for months in sample_months(events):
            want = expected(events, cadres, region, months)
            got = from_queries(con, region, months[0], months[-1])
            for key, value in want.items():
                assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), (database, region, months, key)
            checked += 1
    con.close()
    assert checked == len(REGIONS) * 4


def test_synthetic_data_exercises_the_definitions(synthetic_db):
    """Guard against a vacuous comparison: the synthetic data has duplicates and idle cadres."""
    con = duckdb.connect(str(synthetic_db), read_only=True)
    events, cadres = raw_frames(con)
    province = expected(events, cadres, "33", sorted(events["month"].unique().to_list()))
    assert province["duplicate_submits"] > 100
    assert 0 < province["duplicate_entry_rate"] < 1
    assert con.execute("select count(*) from cadre_month where apps_used = 0").fetchone()[0] >= 3 * 6
    con.close()
