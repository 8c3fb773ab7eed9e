"""The alerts the Overview and the Remediation view raise find exactly what the demo scenario plants."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from burden import db, rollups, settings
from burden.filters import ViewState
from burden.i18n import t
from burden.views import overview_alerts, remediation

SUPERFICIAL_CASES = ["RC-330382-K330382-02", "RC-330683-K330683-02", "RC-331002-K331002-02"]
SUPERFICIAL_APPS = ["K330382-02", "K330683-02", "K331002-02"]
REBOUND_COUNTIES = ["330481"]
LAGGING_COUNTIES = ["330329", "330522", "331124"]


@pytest.fixture
def con(demo_db):
    connection = db.connect(demo_db)
    yield connection
    connection.close()


def _period(con) -> dict:
    row = db.run(con, "data_period").row(0, named=True)
    return {"from": row["first_month"], "to": row["last_month"]}


def test_superficial_fixes_province_wide(con):
    fixes = db.run(con, "fix_checks", region=None, to=None, grace_days=settings.SUPERFICIAL_FIX_DAYS)
    flagged = fixes.filter("is_superficial").sort("case_id")
    assert flagged["case_id"].to_list() == SUPERFICIAL_CASES
    assert flagged["app_id"].to_list() == SUPERFICIAL_APPS
    assert fixes.filter(~fixes["is_superficial"]).height > 0, "the clean fixes are listed too, not flagged"


def test_rebounds_at_county_level(con):
    rebounds = db.run(
        con,
        "rebounds",
        region=None,
        **{"from": None, "to": None},
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
        min_progress=settings.LAGGING_PROGRESS,
        **_period(con),
    )
    assert sorted(lagging["region_code"]) == LAGGING_COUNTIES
    assert lagging["reason"].unique().to_list() == ["ledger_and_load"]
    assert (lagging["remediation_progress"] < settings.LAGGING_PROGRESS).all()
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


def test_a_county_without_cases_shows_no_ledger_yet(small_db, tmp_path, use_db):
    """萧山区 with its cases removed: listed as 'no ledger yet' in the lagging table and the Overview alerts, never
    silently 'not lagging'; with the ledger not checked it is not listed."""
    path = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, path)
    with db.connect(path, read_only=False) as rw:
        rw.execute("delete from remediation_cases where starts_with(scope_region_code, '330109')")
        rollups.build(rw)
        period = _period(rw)
        lagging = db.run(rw, "lagging_regions", region="3301", level="county", target=5, min_progress=0.5, **period)
        unchecked = db.run(rw, "lagging_regions", region="3301", level="county", target=5, min_progress=None, **period)
    assert lagging.filter(reason="no_ledger")["region_code"].to_list() == ["330109"]
    assert lagging.filter(region_code="330109")["cases_total"].to_list() == [0]
    assert "330109" not in unchecked["region_code"].to_list()

    use_db(path)
    state = ViewState(start="2022-10", end="2024-03", region="3301")
    table = remediation.lagging_table(remediation.load(state).lagging)
    row = table.filter(table[t("table.code")] == "330109").row(0, named=True)
    assert row[t("rem.col.lagging_reason")] == t("rem.reason.no_ledger")
    alerts = [a for a in overview_alerts.alerts(state, state) if a.region_code == "330109"]
    assert [a.kind for a in alerts] == ["lagging"] and alerts[0].detail.startswith("暂无整改台账 · ")
