"""AppTest: the Duplicate-entry page opened from a link shows the figures its queries return."""

from __future__ import annotations

import json
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from burden import db
from burden.i18n import EN, fmt_num, fmt_pct
from burden.views import duplicates
from tests.apptest_util import assert_filters, open_view

PAGE = "app_pages/duplicates.py"
LINK = {"lang": "en", "region": "330681", "from": "2023-02", "to": "2023-11"}
PERIOD = {"region": "330681", "from": date(2023, 2, 1), "to": date(2023, 11, 1)}

# The pair counts straight from the per-event table, not through any rollup.
DIRECT_PAIRS = """
select d.original_app_id, d.app_id, count(*) as duplicates
from duplicate_submits as d
inner join cadre_regions as r on r.cadre_id = d.cadre_id and r.region_code = $region
where d.month between $from and $to
group by 1, 2
"""


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


@pytest.fixture(scope="module")
def page(small_db):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BURDEN_DB", str(small_db))
        yield open_view(PAGE, LINK)


@pytest.fixture(scope="module")
def con(small_db):
    with db.connect(small_db) as handle:
        yield handle


def test_cards_equal_burden_rates(page, con):
    latest = db.run(con, "burden_rates", **PERIOD | {"from": PERIOD["to"]}, children=False, by_month=False).row(
        0, named=True
    )
    pooled = db.run(con, "burden_rates", **PERIOD, children=False, by_month=False).row(0, named=True)
    pairs = db.run(con, "duplicate_pairs", **PERIOD)
    shown = {m.label: m.value for m in page.metric}
    assert shown[EN["dup.card_rate"].format(latest="2023-11")] == fmt_pct(latest["duplicate_entry_rate"])
    assert shown[EN["dup.card_duplicates"]] == fmt_num(pooled["duplicate_submits"], 0)
    assert shown[EN["dup.card_pairs"]] == fmt_num(pairs.height, 0)
    assert page.title[0].value == "Duplicate entry · Zhuji"


def test_pair_matrix_equals_duplicate_submits(page, con):
    direct = con.sql(DIRECT_PAIRS, params=PERIOD).fetchall()
    direct_pairs = {(orig, rep): n for orig, rep, n in direct}
    pairs = db.run(con, "duplicate_pairs", **PERIOD)
    assert {(r["original_app_id"], r["app_id"]): r["duplicates"] for r in pairs.iter_rows(named=True)} == direct_pairs
    pooled = db.run(con, "burden_rates", **PERIOD, children=False, by_month=False)
    assert sum(direct_pairs.values()) == pairs["duplicates"].sum() == pooled["duplicate_submits"][0] > 0

    # The heatmap shows exactly the direct counts among its apps.
    grid = duplicates.matrix(pairs)
    ids = grid.app_ids
    heatmap = next(trace for fig in figures(page) for trace in fig["data"] if trace["type"] == "heatmap")
    assert heatmap["x"] == heatmap["y"] and len(heatmap["x"]) == len(ids) == duplicates.MATRIX_APPS
    shown = sum(v or 0 for row in heatmap["z"] for v in row)
    assert shown == sum(n for (orig, rep), n in direct_pairs.items() if orig in ids and rep in ids)
    assert shown == duplicates.matrix_total(grid.rows)


def test_tables_equal_queries(page, con):
    pairs = db.run(con, "duplicate_pairs", **PERIOD)
    facts = db.run(con, "duplicates_by_fact_type", **PERIOD)
    children = db.run(con, "burden_rates", **PERIOD | {"from": PERIOD["to"]}, children=True, by_month=False)
    children = children.filter(children["submits"] > 0)
    pair_table, fact_table, region_table = (frame.value for frame in page.dataframe)

    assert len(pair_table) == min(duplicates.TOP_PAIRS, pairs.height)
    assert pair_table[EN["dup.col.duplicates"]].tolist() == pairs["duplicates"].head(len(pair_table)).to_list()
    assert pair_table[EN["dup.col.original_id"]].tolist() == pairs["original_app_id"].head(len(pair_table)).to_list()

    assert fact_table[EN["dup.col.duplicates"]].tolist() == facts["duplicate_submits"].to_list()
    assert (
        fact_table[EN["dup.col.submits"]].sum()
        == db.run(con, "burden_rates", **PERIOD, children=False, by_month=False)["submits"][0]
    )
    rates = [round(r * 100, 1) for r in facts["duplicate_entry_rate"]]
    assert fact_table[EN["table.duplicate_rate"]].tolist() == rates
    assert set(facts["fact_type"]) >= {"visit", "patrol", "inspection", "report"}

    assert sorted(region_table[EN["table.code"]]) == sorted(children["region_code"])
    shown_rates = dict(zip(region_table[EN["table.code"]], region_table[EN["table.duplicate_rate"]], strict=True))
    for row in children.iter_rows(named=True):
        assert shown_rates[row["region_code"]] == round(row["duplicate_entry_rate"] * 100, 1)
    assert list(region_table[EN["table.duplicate_rate"]]) == sorted(
        region_table[EN["table.duplicate_rate"]], reverse=True
    )


def test_link_round_trip(small_db, use_db, con):
    use_db(small_db)
    at = open_view(PAGE, LINK)
    assert_filters(at, LINK)
    figure = at.metric[0].value
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert_filters(at, LINK)
    at.switch_page(PAGE).run()
    assert not at.exception
    assert_filters(at, LINK)
    assert at.title[0].value == "Duplicate entry · Zhuji"
    assert at.metric[0].value == figure
