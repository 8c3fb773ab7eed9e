"""The alerts the Overview and the Remediation view raise find exactly what the demo scenario plants."""

from __future__ import annotations

from datetime import date

import pytest

from burden import db, settings
from burden.views.remediation import LAGGING_PROGRESS

SUPERFICIAL_CASES = ["RC-330382-K330382-02", "RC-330683-K330683-02", "RC-331002-K331002-02"]
SUPERFICIAL_APPS = ["K330382-02", "K330683-02", "K331002-02"]
REBOUND_COUNTIES = ["330481"]
LAGGING_COUNTIES = ["330329", "330522", "331124"]


@pytest.fixture(params=["small_db", "demo_db"])
def con(request):
    connection = db.connect(request.getfixturevalue(request.param))
    yield connection
    connection.close()


def _period(con) -> dict:
    row = db.run(con, "data_period").row(0, named=True)
    return {"from": row["first_month"], "to": row["last_month"]}


def test_superficial_fixes_province_wide(con):
    fixes = db.run(con, "fix_checks", region=None, grace_days=settings.SUPERFICIAL_FIX_DAYS)
    flagged = fixes.filter("is_superficial").sort("case_id")
    assert flagged["case_id"].to_list() == SUPERFICIAL_CASES
    assert flagged["app_id"].to_list() == SUPERFICIAL_APPS
    assert fixes.filter(~fixes["is_superficial"]).height > 0, "the clean fixes are listed too, not flagged"


def test_rebounds_at_county_level(con):
    rebounds = db.run(
        con,
        "rebounds",
        region=None,
        level="county",
        min_rise_apps=settings.REBOUND_MIN_RISE_APPS,
        min_rise_rate=settings.REBOUND_MIN_RISE_RATE,
    )
    assert sorted(set(rebounds["region_code"])) == REBOUND_COUNTIES


def test_lagging_counties_for_the_default_period(con):
    lagging = db.run(
        con,
        "lagging_regions",
        region=None,
        level="county",
        target=settings.APPS_TARGET,
        min_progress=LAGGING_PROGRESS,
        **_period(con),
    )
    assert sorted(lagging["region_code"]) == LAGGING_COUNTIES
    assert lagging["reason"].unique().to_list() == ["ledger_and_load"]
    assert (lagging["remediation_progress"] < LAGGING_PROGRESS).all()
    assert (lagging["held_median"] > settings.APPS_TARGET).all()


def test_lagging_regions_scoped_and_each_condition_alone(con):
    period = _period(con)
    city = db.run(con, "lagging_regions", region="3305", level="county", target=5, min_progress=0.5, **period)
    assert city["region_code"].to_list() == ["330522"]
    ledger_only = db.run(con, "lagging_regions", region=None, level="county", target=None, min_progress=0.5, **period)
    assert set(LAGGING_COUNTIES) <= set(ledger_only["region_code"])
    assert ledger_only["reason"].unique().to_list() == ["ledger"]
    assert (ledger_only["remediation_progress"] < 0.5).all()


def test_lagging_regions_at_an_early_month(con):
    """In the baseline nothing is done yet, so every county with cases and a high load lags."""
    early = db.run(
        con,
        "lagging_regions",
        region="330681",
        level="county",
        target=5,
        min_progress=0.5,
        **{"from": date(2022, 10, 1), "to": date(2022, 10, 1)},
    )
    assert early["region_code"].to_list() == ["330681"]
    assert early["cases_done"].to_list() == [0]
