"""Overview additions: county map, campaign events on the trends, the comparison line, the alert list."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from burden import db, geo, metrics, settings
from burden.filters import ViewState
from burden.views import overview, overview_alerts

NOT_DRAWABLE = {"330113": "临平区", "330114": "钱塘区", "330383": "龙港市"}
LAGGING = {"330522", "331124", "330329"}
REBOUND = "330481"
SUPERFICIAL_APPS = {"K330382-02", "K330683-02", "K331002-02"}
PERIOD = ViewState(start="2022-10", end="2024-03")


def _counties() -> dict[str, str]:
    with (settings.DIVISIONS_DIR / "counties.csv").open(encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def _open(params: dict) -> AppTest:
    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _chart(at: AppTest, key_part: str) -> dict:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if key_part in c.proto.id]
    assert len(specs) == 1, key_part
    return specs[0]


def test_shapes_cover_every_current_county_but_three():
    counties = _counties()
    assert len(counties) == 90
    drawable = geo.drawable()
    assert len(drawable) == 87 and drawable <= counties.keys()
    missing = {code: counties[code] for code in counties.keys() - drawable}
    assert missing == NOT_DRAWABLE
    assert geo.GEOJSON.stat().st_size < 1_000_000


@pytest.mark.parametrize("metric_id", overview.map_metrics())
def test_map_values_equal_the_queries(small_db, use_db, metric_id):
    use_db(small_db)
    metric = metrics.get(metric_id)
    data = overview.county_map(PERIOD, metric_id)
    assert data.counties.height == 90 and data.drawn.height == 87
    assert set(data.not_drawn["region_code"]) == NOT_DRAWABLE.keys()
    last = date(2024, 3, 1)
    query = metric.query  # the map's one query per scope equals the metric's own query per county
    extra = {"target": settings.APPS_TARGET} if query == "apps_per_cadre" else {}
    with db.connect(small_db) as con:
        for row in data.counties.iter_rows(named=True):
            expected = db.run(
                con,
                query,
                region=row["region_code"],
                children=False,
                by_month=False,
                **{"from": last, "to": last},
                **extra,
            ).row(0, named=True)[metric.column]
            assert row["value"] == pytest.approx(expected), row["region_code"]


def test_map_scope_city_and_county(small_db, use_db):
    use_db(small_db)
    city = overview.county_map(ViewState(start="2022-10", end="2024-03", region="3303"), "apps_held_per_cadre_median")
    assert all(code.startswith("3303") for code in city.counties["region_code"])
    assert city.not_drawn["region_code"].to_list() == ["330383"] and city.highlight is None
    town = overview.county_map(
        ViewState(start="2022-10", end="2024-03", region="330681120"), "apps_held_per_cadre_median"
    )
    assert town.highlight == "330681" and all(code.startswith("3306") for code in town.counties["region_code"])


def test_page_map_says_what_it_cannot_draw(small_db, use_db):
    use_db(small_db)
    at = _open({"lang": "zh"})
    spec = _chart(at, "county_map_33_")
    drawn = spec["data"][0]
    assert len(drawn["locations"]) == 87 and not NOT_DRAWABLE.keys() & set(drawn["locations"])
    assert {f["id"] for f in drawn["geojson"]["features"]} == set(drawn["locations"])
    captions = " ".join(c.value for c in at.caption)
    data = overview.county_map(PERIOD, "apps_held_per_cadre_median")
    for row in data.not_drawn.iter_rows(named=True):
        assert f"{row['name_zh']} {row['region_code']}（{row['value']:.1f} 个）" in captions
    for event in ("整治启动", "中央减负规定", "巡河应用整合"):  # the province sees every event
        assert event in [a.get("text") for a in _chart(at, "apps_trend")["layout"]["annotations"]]


def test_alerts_name_the_planted_regions(small_db, use_db):
    use_db(small_db)
    alerts = overview_alerts.alerts(PERIOD, PERIOD)
    by_kind = {kind: [a for a in alerts if a.kind == kind] for kind in overview_alerts.KINDS}
    assert {a.region_code for a in by_kind["lagging"]} == LAGGING
    assert REBOUND in {a.region_code for a in by_kind["rebound"]}
    assert {a.params["app"] for a in by_kind["superficial"]} == SUPERFICIAL_APPS
    assert all(a.params["region"] == a.region_code for a in by_kind["lagging"] + by_kind["rebound"])

    at = _open({"lang": "zh"})  # the alerts above were labelled in the default language
    links = {link.proto.label: link.proto.query_string for link in at.get("page_link")}
    for alert in alerts:
        assert alert.label in links
    assert "region=330522" in links["长兴县"]
    assert "app=K330382-02" in " ".join(links.values())


def test_compare_line_equals_the_query(small_db, use_db):
    use_db(small_db)
    at = _open({"lang": "en", "region": "330681", "compare": "3301", "from": "2023-01"})
    with db.connect(small_db) as con:
        params = {"from": date(2023, 1, 1), "to": date(2024, 3, 1), "children": False, "by_month": True}
        apps = db.run(con, "apps_per_cadre", region="3301", target=settings.APPS_TARGET, **params)
        rates = db.run(con, "burden_rates", region="3301", **params)
    apps_spec, rate_spec = _chart(at, "apps_trend"), _chart(at, "dup_trend")
    held = [tr for tr in apps_spec["data"] if tr["name"].startswith("Hangzhou") and "Held" in tr["name"]]
    assert len(held) == 1 and held[0]["line"]["dash"] == "dash"
    assert held[0]["y"] == pytest.approx(apps["held_median"].to_list())
    dup = [tr for tr in rate_spec["data"] if tr["name"] == "Hangzhou"]
    assert len(dup) == 1 and dup[0]["line"]["dash"] == "dash"
    assert dup[0]["y"] == pytest.approx(rates["duplicate_entry_rate"].to_list())
    assert any(tr["name"].startswith("Zhuji") for tr in apps_spec["data"])  # the legend names both regions
