"""AppTest: the Photo-trace page opened from a link shows the figures burden_rates and photo_apps return."""

from __future__ import annotations

import json
from datetime import date

import pytest

from burden import db
from burden.i18n import EN, fmt_num, fmt_pct
from tests.apptest_util import assert_filters, open_view

PAGE = "app_pages/photos.py"
LINK = {"lang": "en", "region": "330681", "from": "2023-03", "to": "2023-10"}
PERIOD = {"region": "330681", "from": date(2023, 3, 1), "to": date(2023, 10, 1)}
BASELINE = {"region": "330681", "from": date(2022, 10, 1), "to": date(2022, 12, 1)}

# Photos per app straight from the per-photo table, not through any rollup.
DIRECT_PHOTOS = """
select p.app_id, count(*) as photos, count(*) filter (where p.is_required) as photos_required
from photo_uploads as p
inner join cadre_regions as r on r.cadre_id = p.cadre_id and r.region_code = $region
where cast(date_trunc('month', p.ts) as date) between $from and $to
group by 1
"""


@pytest.fixture(scope="module")
def page(small_db):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BURDEN_DB", str(small_db))
        yield open_view(PAGE, LINK)


@pytest.fixture(scope="module")
def con(small_db):
    with db.connect(small_db) as handle:
        yield handle


def rates(con, **period):
    return db.run(con, "burden_rates", **period, children=False, by_month=False).row(0, named=True)


def test_cards_equal_burden_rates(page, con):
    latest = rates(con, **PERIOD | {"from": PERIOD["to"]})
    base = rates(con, **BASELINE)
    shown = {m.label: (m.value, m.delta) for m in page.metric}
    assert page.title[0].value == "Photo trace · Zhuji"
    assert shown[EN["metric.photos_per_task"]][0] == fmt_num(latest["photos_per_task"], 2)
    assert latest["photos_per_task"] == latest["photos"] / latest["tasks"]
    assert shown[EN["photo.card_minutes"]][0] == fmt_num(latest["photo_minutes_per_cadre_week"], 1)
    assert shown[EN["photo.card_required"]][0] == fmt_pct(latest["share_tasks_photo_required"])
    assert shown[EN["photo.card_voided"]][0] == fmt_num(latest["tasks_voided"], 0)
    # Baselines: pooled for the rates, a monthly mean for the voided-task count.
    captions = [c.value for c in page.caption]
    assert EN["metric.baseline_value"].format(value=fmt_num(base["photos_per_task"], 2)) in captions
    assert EN["metric.baseline_mean"].format(value=fmt_num(base["tasks_voided"] / 3, 0)) in captions
    assert shown[EN["metric.photos_per_task"]][1] == f"{latest['photos_per_task'] - base['photos_per_task']:+,.2f}"


def test_trend_equals_burden_rates_by_month(page, con):
    trend = db.run(con, "burden_rates", **PERIOD, children=False, by_month=True).sort("month")
    charts = [json.loads(chart.proto.spec) for chart in page.get("plotly_chart")]
    per_task = charts[0]["data"][0]["y"]
    voided = charts[3]["data"][0]["y"]
    assert len(per_task) == trend.height == 8
    assert per_task == pytest.approx(trend["photos_per_task"].to_list())
    assert voided == trend["tasks_voided"].to_list()


def test_apps_table_equals_photo_apps_and_raw_photos(page, con):
    apps = db.run(con, "photo_apps", **PERIOD)
    table = page.dataframe[0].value
    assert table[EN["photo.col.app_id"]].tolist() == apps["app_id"].to_list()
    assert table[EN["photo.col.photos"]].tolist() == apps["photos"].to_list()
    assert table[EN["photo.col.voided"]].sum() == rates(con, **PERIOD)["tasks_voided"]
    direct = {app: (n, req) for app, n, req in con.sql(DIRECT_PHOTOS, params=PERIOD).fetchall()}
    shown = zip(
        table[EN["photo.col.app_id"]], table[EN["photo.col.photos"]], table[EN["photo.col.required"]], strict=True
    )
    assert {app: (n, req) for app, n, req in shown} == direct
    assert sum(n for n, _ in direct.values()) == rates(con, **PERIOD)["photos"]


def test_link_round_trip(small_db, use_db):
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
    assert at.title[0].value == "Photo trace · Zhuji"
    assert at.metric[0].value == figure
