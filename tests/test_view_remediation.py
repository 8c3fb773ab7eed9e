"""AppTest: the Remediation view opened from a URL shows what its queries return, and keeps its filters."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import polars as pl
from streamlit.testing.v1 import AppTest

from burden import db, settings
from burden.views import remediation
from tests.apptest_util import open_view

PAGE = "app_pages/remediation.py"


def figure(at: AppTest, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def test_funnel_and_progress_equal_the_queries(small_db, use_db):
    use_db(small_db)
    at = open_view(PAGE, {"region": "330681", "lang": "en"})
    assert at.title[0].value == "Remediation · Zhuji"
    cases = db.query("cases_at_end", region="330681", to=date(2024, 3, 1))
    counts = dict(cases.group_by("status_at_end").len().iter_rows())
    funnel = figure(at, 0)["data"][0]
    assert funnel["y"] == ["Identified", "Planned", "In progress", "Done", "Verified"]
    assert funnel["x"] == [counts.get(stage, 0) for stage in remediation.STAGES]
    with duckdb.connect(str(small_db), read_only=True) as con:  # a recount: Zhuji's cases identified by March's end
        recount = con.execute(
            "select count(*) from remediation_cases"
            " where starts_with(scope_region_code, '330681') and identified_on <= date '2024-03-31'"
        ).fetchone()[0]
    assert sum(funnel["x"]) == cases.height == recount > 0

    shown = {m.label: m.value for m in at.metric}
    done = int(cases["is_done"].sum())
    assert shown["Cases"] == str(recount)
    assert shown["Remediation progress"] == f"{done / recount * 100:.1f}%"
    assert shown["Overdue cases"] == str(int(cases["is_overdue"].sum()))

    by_region = db.query("remediation_by_region", region="330681", to=date(2024, 3, 1))
    table = at.dataframe[0].value
    assert list(table["Code"]) == by_region["region_code"].to_list()
    assert list(table["Progress (%)"]) == (by_region["remediation_progress"] * 100).round(1).to_list()
    # the same figure as the Overview's remediation progress
    rates = db.query(
        "burden_rates",
        region="330681",
        children=False,
        by_month=False,
        **{"from": date(2024, 3, 1)},
        to=date(2024, 3, 1),
    )
    assert rates["remediation_progress"][0] == by_region["remediation_progress"][0]


def test_province_names_the_superficial_fixes(small_db, use_db):
    use_db(small_db)
    at = open_view(PAGE, {"lang": "en"})
    tables = [frame.value for frame in at.dataframe]
    fixes = next(table for table in tables if "Still using" in table.columns)
    assert sorted(fixes["Case"]) == ["RC-330382-K330382-02", "RC-330683-K330683-02", "RC-331002-K331002-02"]
    lagging = next(
        table
        for table in tables
        if list(table.columns) == ["Region", "Code", "Progress (%)", "Apps held (median)", "Status"]
    )
    assert sorted(lagging["Code"]) == ["330329", "330522", "331124"]
    # the evidence of the picked case is the fix_evidence query, month by month
    picked = at.selectbox(key="rem_evidence_case").value
    evidence = db.query("fix_evidence", region=None, case_id=picked, grace_days=settings.SUPERFICIAL_FIX_DAYS)
    shown = next(table for table in tables if "Cadres still using" in table.columns)
    assert list(shown["Cadres still using"]) == evidence["active_users"].to_list()


def test_whatif_shows_the_query(small_db, use_db):
    use_db(small_db)
    at = open_view(PAGE, {"region": "330681", "lang": "en"})
    at.multiselect(key="rem_whatif_delete").set_value(["P33-04", "K330681-01"]).run()
    assert not at.exception
    got = db.query(
        "whatif_apps_per_cadre",
        region="330681",
        to=date(2024, 3, 1),
        delete=("P33-04", "K330681-01"),
        merge_from=(),
        merge_to=(),
    )
    total = got.filter("is_total").row(0, named=True)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Apps held (median)"] == f"{total['held_median_after']:.1f}"
    assert shown["Apps used (mean)"] == f"{total['used_mean_after']:.2f}"
    assert shown["Returned per week"] == f"{total['hours_returned_per_cadre_week']:.2f} h"
    table = at.dataframe[-1].value
    assert list(table["Code"]) == got["region_code"].to_list()
    # a target that is also deleted is refused with a notice
    at.selectbox(key="rem_whatif_target").set_value("P33-04").run()
    at.multiselect(key="rem_whatif_merge").set_value(["C3306-01"]).run()
    assert any("cannot" in w.value for w in at.warning)


def test_link_round_trip_and_page_switch_keep_filters(small_db, use_db):
    use_db(small_db)
    params = {"region": "3306", "from": "2023-01", "to": "2023-12", "lang": "en"}
    at = open_view(PAGE, params)
    filters = {"region": "f_region", "from": "f_from", "to": "f_to"}

    def assert_filters():
        for name, key in filters.items():
            assert at.selectbox(key=key).value == params[name]
        assert at.radio(key="f_lang").value == "en"
        assert {k: at.query_params[k] for k in params} == params

    assert_filters()
    cases = db.query("cases_at_end", region="3306", to=date(2023, 12, 1))
    assert {m.label: m.value for m in at.metric}["Cases"] == str(cases.height)
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert at.title[0].value.startswith("Overview · Shaoxing")
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Remediation · Shaoxing"
    assert_filters()
    assert pl.Series(at.dataframe[0].value["Code"]).str.starts_with("3306").all()
