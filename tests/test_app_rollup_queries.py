"""The Apps queries that read rollups instead of cadre-months give exactly the rows of their cadre-level forms
(kept as queries/reference/*.sql), for regions at every level, as-of dates and apps; and the rollup they read,
app_recency_month, agrees with app_month_county's accounts."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from burden import db, settings

ZOMBIE = {
    "zombie_share": settings.ZOMBIE_ACTIVE_SHARE,
    "zombie_active_days": settings.ZOMBIE_ACTIVE_DAYS,
    "zombie_silent_days": settings.ZOMBIE_SILENT_DAYS,
}
# the province, a city, two counties, a town and a village (湖田村) of the small demo
REGIONS = [None, "3306", "330681", "330109", "330681120", "330681120219"]
# the data's last day, month ends (first month, mid-period, last), and a day past the data
AS_OF = [None, date(2022, 10, 31), date(2023, 6, 30), date(2024, 3, 31), date(2024, 6, 30)]


@pytest.fixture(scope="module")
def con(small_db):
    handle = duckdb.connect(str(small_db), read_only=True)
    yield handle
    handle.close()


@pytest.mark.parametrize("region", REGIONS)
def test_app_flags_equal_the_cadre_level_form(con, region):
    got = {}
    for as_of in AS_OF:
        params = {"region": region, "as_of": as_of, **ZOMBIE}
        got[as_of] = db.run(con, "app_flags", **params)
        assert_frame_equal(got[as_of], db.run(con, "reference/app_flags_by_cadre", **params))
    # the comparison compared something: apps with holders, active users, and zombies among them
    latest = got[None]
    assert latest["accounts_held"].sum() > 0 and latest["active_users_90d"].sum() > 0
    assert latest["is_zombie"].any() and not latest["is_zombie"].all()
    assert got[date(2024, 6, 30)]["accounts_held"].sum() == 0  # past the data: nothing is held at the as-of date


def test_app_flags_equal_with_other_thresholds(con):
    """Windows shorter than a month and longer than the silence: the rollup keeps every last day, not a bucket."""
    for days in ({"zombie_active_days": 10, "zombie_silent_days": 200}, {"zombie_active_days": 400}):
        for region in (None, "330681", "330681120"):
            params = {"region": region, "as_of": date(2023, 9, 30), **ZOMBIE, "zombie_share": 0.4, **days}
            new = db.run(con, "app_flags", **params)
            assert_frame_equal(new, db.run(con, "reference/app_flags_by_cadre", **params))
            assert new.height > 0


def test_app_flags_refuse_an_as_of_before_an_event_of_its_month(con):
    with pytest.raises(duckdb.Error, match="as_of must be a month's last day"):
        db.run(con, "app_flags", region="330681", as_of=date(2023, 6, 15), **ZOMBIE)


OVERLAP_PERIODS = [
    {"from": date(2022, 10, 1), "to": date(2024, 3, 1), "month": date(2024, 3, 1)},
    {"from": date(2023, 1, 1), "to": date(2023, 6, 1), "month": date(2023, 6, 1)},
    # shared users in an earlier month than the period's last (an app gone by then: its last month used)
    {"from": date(2022, 10, 1), "to": date(2024, 3, 1), "month": date(2023, 2, 1)},
]


@pytest.mark.parametrize("region", REGIONS)
def test_app_overlap_equals_the_cadre_level_form(con, region):
    busiest = "select app_id from app_month_county group by 1 order by sum(duplicate_submits) desc limit 2"
    apps = [a for (a,) in con.execute(busiest).fetchall()] + ["P33-05"]
    duplicates = 0
    for app in apps:
        for period in OVERLAP_PERIODS:
            params = {"app": app, "region": region, **period}
            new = db.run(con, "app_overlap", **params)
            assert_frame_equal(new, db.run(con, "reference/app_overlap_by_cadre", **params))
            duplicates += new["duplicate_entries"].sum()
    assert duplicates > 0  # the duplicates (the part now read from duplicate_pair_month) were compared


def test_app_recency_month_holds_app_month_countys_accounts(con):
    """Held cadres per month, app and county are app_month_county's accounts; every month keeps every cadre
    that held or used the app before (the flags list an app used once, long ago), so the count never falls."""
    recency = con.sql(
        "select month, app_id, county_code, sum(cadres) filter (where is_held) as held, sum(cadres) as cadres "
        "from app_recency_month group by all"
    ).pl()
    accounts = con.sql(
        "select month, app_id, county_code, accounts_held as held from app_month_county where accounts_held > 0"
    ).pl()
    held = recency.filter(pl.col("held") > 0).select("month", "app_id", "county_code", "held")
    assert_frame_equal(held.sort(pl.all()), accounts.sort(pl.all()), check_dtypes=False)
    falls = (
        recency.sort("month")
        .with_columns(before=pl.col("cadres").shift(1).over("app_id", "county_code"))
        .filter(pl.col("cadres") < pl.col("before"))
    )
    assert falls.height == 0
    pairs = con.execute("select count(distinct (cadre_id, app_id)) from app_cadre_month").fetchall()[0][0]
    last = con.execute("select sum(cadres) from app_recency_month where month = (select max(month) from months)")
    assert last.fetchall()[0][0] == pairs > 1000


def test_app_pair_month_is_symmetric_and_holds_the_duplicates(con):
    """Both orders of each pair carry the same shared users and mirrored duplicates; an app's repeats summed over
    the other apps are app_month_county's duplicate_submits (both count by the cadre's county)."""
    pairs = con.sql("select * from app_pair_month").pl()
    mirrored = pairs.join(
        pairs,
        left_on=["month", "county_code", "app_id", "other_app_id"],
        right_on=["month", "county_code", "other_app_id", "app_id"],
        how="left",
        suffix="_back",
    )
    assert mirrored.filter(pl.col("shared_users_back").is_null()).height == 0
    assert (mirrored["shared_users"] == mirrored["shared_users_back"]).all()
    assert (mirrored["repeated_in_other"] == mirrored["repeated_in_app_back"]).all()
    repeats = (
        pairs.group_by("month", "county_code", "app_id")
        .agg(pl.col("repeated_in_app").sum().alias("duplicate_submits"))
        .filter(pl.col("duplicate_submits") > 0)
    )
    expected = con.sql(
        "select month, county_code, app_id, duplicate_submits from app_month_county where duplicate_submits > 0"
    ).pl()
    assert_frame_equal(repeats.sort(pl.all()), expected.sort(pl.all()), check_dtypes=False)
    assert pairs["shared_users"].sum() > 0 and expected.height > 100
