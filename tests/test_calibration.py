"""The default demo matches its scenario: values read through summary and the queries.

These run on the demo as `make demo` builds it (the scenario's seed), at the tests' small scale (tests/conftest.py
demo_db says why the calibration holds at any scale).
"""

from __future__ import annotations

from datetime import date

import pytest

from burden import db, summary

PERSONA = "C330681120219-07"  # 湖田村 village-committee member (data/scenario.toml [persona])
CITY_PATROL_APP = "C3306-07"  # 绍兴市河道巡查, replaced by the provincial patrol app on 2023-07-01
PROVINCE_PATROL_APP = "P33-03"


@pytest.fixture(scope="module")
def con(demo_db):
    with db.connect(demo_db, read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def province(con):
    return summary.summary("33", None, None, con)


def rows(con, sql: str, **params) -> list[tuple]:
    return con.cursor().execute(sql, params).fetchall()


def scalar(con, sql: str, **params):
    return rows(con, sql, **params)[0][0]


def children(con, region: str, month: date):
    return db.run(
        con, "apps_per_cadre", region=region, children=True, to=month, by_month=False, target=5, **{"from": month}
    )


def test_all_cities_and_counties_have_cadres(con, province):
    last = date.fromisoformat(province["period"]["to"] + "-01")
    cities = children(con, "33", last)
    assert cities.height == 11 and cities["cadres"].min() > 0
    counties = [code for city in cities["region_code"] for code in children(con, city, last)["region_code"]]
    assert len(counties) == len(set(counties)) == 90
    assert {"330681", "330109"} <= set(counties)


def test_province_apps_held_median_falls_from_about_14_to_5(province):
    held = province["metrics"]["apps_held_per_cadre_median"]
    assert 13 <= held["baseline"] <= 15
    assert held["latest"] <= 5
    assert province["period"]["baseline"] == ["2022-10", "2022-12"]
    assert province["period"]["to"] == "2024-03"


def test_huticun_persona_goes_from_15_to_5(con):
    cadre = rows(con, "select region_code, roles from cadres where cadre_id = $id", id=PERSONA)[0]
    assert cadre == ("330681120219", "村委委员")
    months = db.run(con, "cadre_apps_by_month", cadre_id=PERSONA).sort("month")
    baseline = months.filter(months["month"] < date(2023, 1, 1))
    assert baseline.height == 3 and baseline["apps_held"].to_list() == [15, 15, 15]
    assert months["apps_held"][-1] == 5


def test_duplicate_entry_rate_falls_below_10_percent(province):
    rate = province["metrics"]["duplicate_entry_rate"]
    assert 0.35 <= rate["baseline"] <= 0.45
    assert rate["latest"] < 0.10


def test_dianko_has_47_river_segments(con):
    segments = scalar(
        con,
        """
        select count(distinct e.subject_key)
        from app_events e join cadres c using (cadre_id)
        where c.region_code like '330681104%' and e.fact_type = 'patrol'
        """,
    )
    assert segments == 47


def test_city_patrol_app_is_silent_after_its_cutover(con):
    monthly = rows(
        con,
        "select month, sum(events) from app_month_county where app_id = $app group by month order by month",
        app=CITY_PATROL_APP,
    )
    before = sum(events for month, events in monthly if month < date(2023, 7, 1))
    after = sum(events for month, events in monthly if month > date(2023, 7, 1))
    assert before > 0 and after == 0
    raw_after = scalar(
        con, "select count(*) from app_events where app_id = $app and ts >= '2023-07-01'", app=CITY_PATROL_APP
    )
    assert raw_after == 0
    # Its patrols moved to the provincial app: 店口镇's river staff use it after the cutover.
    moved = scalar(
        con,
        """
        select count(*) from app_events e join cadres c using (cadre_id)
        where e.app_id = $app and c.region_code like '330681104%' and e.ts >= '2023-08-01'
        """,
        app=PROVINCE_PATROL_APP,
    )
    assert moved > 0


def test_xiaoshan_has_44_apps_in_scope_each_assessed(con):
    assessed = rows(
        con,
        """
        select distinct app_id from remediation_cases
        where scope_region_code = '330109' and source = 'assessment'
        """,
    )
    assert len(assessed) == 44
    used_at_baseline = scalar(
        con,
        """
        select count(distinct app_id) from app_month_county
        where county_code = '330109' and month < '2023-01-01' and events > 0
          and app_id in (select app_id from remediation_cases where scope_region_code = '330109')
        """,
    )
    assert used_at_baseline == 44
    recommendations = rows(
        con, "select distinct recommendation from remediation_cases where scope_region_code = '330109'"
    )
    assert {r for (r,) in recommendations} <= {"提升完善", "整合优化", "加快整改"}
