"""The faster queries that replaced slower ones give the same rows, and the views really run fewer queries."""

from __future__ import annotations

from datetime import date

import pytest

from bench.queries import Recorder, run_page
from burden import db, settings
from burden.filters import ViewState
from burden.views import overview
from tests.test_queries_contract import alerts_db  # noqa: F401 - the hand-made fixture with known fix checks

LAST = date(2024, 3, 1)


def _fixes(con, name: str, region: str | None, grace_days: int, to=None):
    return db.run(con, name, region=region, to=to, grace_days=grace_days)


@pytest.mark.parametrize("region", [None, "3306", "330681", "330382", "330681104"])
def test_fix_checks_equal_superficial_fixes(small_db, region):
    with db.connect(small_db) as con:
        for to in (date(2023, 3, 1), date(2023, 9, 1)):  # periods ending before the last month
            for grace_days in (0, 14):
                old = _fixes(con, "reference/superficial_fixes_by_cadre_month", region, grace_days, to)
                new = _fixes(con, "fix_checks", region, grace_days, to)
                assert new.equals(old), (region, grace_days, to)
        for grace_days in (400, 0, 45, 14):  # the last, 14 days, flags the planted fixes (checked below)
            old = _fixes(con, "reference/superficial_fixes_by_cadre_month", region, grace_days)
            new = _fixes(con, "fix_checks", region, grace_days)
            assert new.equals(old), (region, grace_days)
    if region is None:  # the planted superficial fixes are there, so the comparison compared something
        assert new["is_superficial"].sum() >= 3 and new.height > 100


def test_fix_checks_equal_superficial_fixes_in_a_month_to_date(to_date_db):
    """fix_use_month's last month is a month to date (March 2024, days 1-6): judged on the data's last day."""
    with db.connect(to_date_db) as con:
        for to in (None, date(2024, 3, 1), date(2024, 2, 1)):
            for grace_days in (0, 14):
                old = _fixes(con, "reference/superficial_fixes_by_cadre_month", None, grace_days, to)
                new = _fixes(con, "fix_checks", None, grace_days, to)
                assert new.equals(old) and new.height > 100, (grace_days, to)


def test_fix_checks_known_cases(alerts_db):  # noqa: F811 - the imported fixture
    got = {row["case_id"]: row for row in _fixes(alerts_db, "fix_checks", None, 14).iter_rows(named=True)}
    assert {k: got[k]["is_superficial"] for k in got} == {"k1": False, "k2": True, "k3": False, "k4": True, "k5": False}
    assert (got["k2"]["users_after_grace"], got["k2"]["last_event_on"]) == (1, date(2023, 2, 20))
    assert (got["k3"]["users"], got["k3"]["users_never_on_target"]) == (1, 0)  # c3 moved to the target A
    assert (got["k4"]["users"], got["k4"]["users_never_on_target"]) == (1, 1)  # c3 never used the target C
    assert (got["k5"]["users"], got["k5"]["users_never_on_target"], got["k5"]["last_event_on"]) == (0, 0, None)
    assert _fixes(alerts_db, "fix_checks", "330681104", 14)["case_id"].to_list() == ["k3"]
    assert _fixes(alerts_db, "fix_checks", None, 30).filter(case_id="k2")["is_superficial"].to_list() == [False]
    # the period: cases done by its end, judged on the logs up to it. By February's end k2 (E used on 20 Feb) and
    # k4 (D's user never on C) show; k1, k3 were not done yet; by January's end nothing was done
    february = _fixes(alerts_db, "fix_checks", None, 14, date(2023, 2, 1))
    assert dict(zip(february["case_id"], february["is_superficial"], strict=True)) == {
        "k2": True,
        "k4": True,
        "k5": False,
    }
    assert _fixes(alerts_db, "fix_checks", None, 14, date(2023, 1, 1)).height == 0
    # ... and with 40 grace days, February's end (28 Feb) is within k4's grace (done 1 Feb): not judged yet
    assert _fixes(alerts_db, "fix_checks", None, 40, date(2023, 2, 1)).filter(case_id="k4")[
        "is_superficial"
    ].to_list() == [False]
    # a merge gets the grace days a delete gets: 300 days after 1 Feb is past the data's end (28 Sep)
    assert _fixes(alerts_db, "fix_checks", None, 300).filter(case_id="k4")["is_superficial"].to_list() == [False]


@pytest.mark.parametrize("scope,month", [("33", LAST), ("33", date(2022, 10, 1)), ("3306", date(2023, 6, 1))])
def test_county_figures_equal_the_per_region_queries(small_db, scope, month):
    one = {"children": False, "by_month": False, "from": month, "to": month}
    with db.connect(small_db) as con:
        figures = db.run(con, "county_figures", region=scope, month=month)
        assert figures.height == (90 if scope == "33" else 6)
        for row in figures.iter_rows(named=True):
            apps = db.run(con, "apps_per_cadre", region=row["region_code"], target=5, **one).row(0, named=True)
            rates = db.run(con, "burden_rates", region=row["region_code"], **one).row(0, named=True)
            expected = (apps["held_median"], apps["held_mean"], rates["duplicate_entry_rate"])
            # exactly equal: the same arithmetic, so the map shows the same figures as the tables
            assert (row["held_median"], row["held_mean"], row["duplicate_entry_rate"]) == expected, row


def test_map_of_the_mean_held(small_db, use_db):
    """The map's third metric (mean apps held) works and shows the ranking query's means."""
    use_db(small_db)
    data = overview.county_map(ViewState(start="2022-10", end="2024-03", region="3306"), "apps_held_per_cadre_mean")
    with db.connect(small_db) as con:
        means = dict(
            db.run(
                con, "apps_per_cadre", region="3306", children=True, by_month=False, target=5, to=LAST, **{"from": LAST}
            )
            .select("region_code", "held_mean")
            .iter_rows()
        )
    assert dict(data.counties.select("region_code", "value").iter_rows()) == means and len(means) == 6
    with pytest.raises(ValueError, match="unknown map metric"):
        overview.county_map(ViewState(start="2022-10", end="2024-03"), "apps_held_per_cadre_p90")


def test_overview_runs_one_map_query_not_one_per_city(small_db, use_db):
    use_db(small_db)
    db._results.clear()
    with Recorder() as rec:
        run_page("app_pages/overview.py", {})
    names = [name for name, _params, _s in rec.calls]
    assert names.count("county_figures") == 1
    assert names.count("apps_per_cadre") == 4  # baseline and latest cards, trend, ranking
    assert "superficial_fixes" not in names and names.count("fix_checks") == 1
    # + the alerts' rules (app_lines, apps_driving_load, photo_apps, unregistered_apps) and heaviest lines
    # (line_load): 62 ms warm at the province (2026-12-04, before unregistered_apps), once per file version and scope
    assert len(names) <= 21, names
    assert names.count("line_load") == 1 and names.count("apps_driving_load") == 1
    assert settings.APPS_TARGET == 5  # the target the comparisons above pass
