"""AppTest: the Regions view opened from a URL shows the figures its queries return, drills down, and
never shows cadre rows in meeting mode."""

from __future__ import annotations

import json
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from burden import db, metrics, pseudonyms, settings
from burden.i18n import fmt_num, fmt_pct
from burden.views import regions

PERSONA = "C330681120219-07"
LAST = date(2024, 3, 1)
KEY = "test-pseudonym-key-0123456789abcdef"  # cadre labels carry HMAC(KEY, cadre_id), never the id's number


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch):
    monkeypatch.setenv("BURDEN_PSEUDONYM_KEY", KEY)
    pseudonyms.reset()
    yield
    pseudonyms.reset()


def label(place: str, role: str, cadre_id: str) -> str:
    return f"{place} · {role} · {pseudonyms.pseudonym(cadre_id, KEY.encode())}"


@pytest.fixture(scope="module")
def con(small_db):
    connection = db.connect(small_db, read_only=True)
    yield connection
    connection.close()


def open_regions(params: dict) -> AppTest:
    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("app_pages/regions.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def crumbs(at: AppTest) -> list[str]:
    """The breadcrumb trail: a button per ancestor, then the region itself in bold."""
    ancestors = [b.label for b in at.main.button if b.key and b.key.startswith("crumb_")]
    current = [m.value.strip("*") for m in at.main.markdown if m.value.startswith("**")]
    return ancestors + current[:1]


def table(at: AppTest, first_column: str):
    found = [d.value for d in at.dataframe if d.value.columns[0] == first_column]
    return found[0] if found else None


def latest(con, region: str, month: date = LAST) -> dict:
    params = {"region": region, "from": month, "to": month, "children": False, "by_month": False}
    apps = db.run(con, "apps_per_cadre", **params, target=settings.APPS_TARGET).row(0, named=True)
    rates = db.run(con, "burden_rates", **params).row(0, named=True)
    return apps | rates


def test_county_view_shows_the_queries_figures(small_db, use_db, con):
    use_db(small_db)
    at = open_regions({"region": "330681"})
    assert at.title[0].value == "地区 · 诸暨市"
    assert crumbs(at) == ["浙江省", "绍兴市", "诸暨市"]

    expected = latest(con, "330681")
    shown = {m.label: m.value for m in at.metric}
    assert shown["干部数"] == fmt_num(expected["cadres"], 0)
    assert shown["人均在装应用"] == fmt_num(expected["held_median"])
    assert shown["人均使用应用"] == fmt_num(expected["used_median"])
    assert shown["超5个应用的干部"] == fmt_pct(expected["held_share_above"])
    assert shown["重复填报率"] == fmt_pct(expected["duplicate_entry_rate"])
    assert shown["每周指尖工时"] == fmt_num(expected["fingertip_hours_per_cadre_week"])

    # The histogram counts every cadre once per kind
    hist = db.run(con, "cadres_by_app_count", region="330681", month=LAST)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    held = next(trace for trace in spec["data"] if trace["name"] == "在装")
    assert held["y"] == hist.filter(hist["kind"] == "held")["cadres"].to_list()
    assert sum(held["y"]) == expected["cadres"]

    # Apps driving the load: the table's hours per cadre-week are the query's, and add up to the region's
    apps = db.run(con, "apps_driving_load", region="330681", month=LAST)
    shown_apps = table(at, "应用")
    assert shown_apps["应用编号"].to_list() == apps["app_id"].to_list()
    assert shown_apps["小时/人·周"].to_list() == apps["hours_per_cadre_week"].round(2).to_list()
    assert apps["hours_per_cadre_week"].sum() == pytest.approx(expected["fingertip_hours_per_cadre_week"])

    # Child regions: the towns with cadres, figures as apps_per_cadre / burden_rates return them
    children = db.run(
        con, "apps_per_cadre", region="330681", children=True, by_month=False, target=5, **{"from": LAST, "to": LAST}
    )
    shown_children = table(at, "地区").set_index("代码")
    assert sorted(shown_children.index) == sorted(children["region_code"].to_list())
    for row in children.iter_rows(named=True):
        assert shown_children.loc[row["region_code"], "人均在装应用"] == round(row["held_median"], 1)
        assert shown_children.loc[row["region_code"], "超5个应用的干部（%）"] == round(row["held_share_above"] * 100, 1)
    # Above the town level there are no cadre rows
    assert table(at, "干部（化名）") is None


def test_village_in_english_lists_the_persona_pseudonymously(small_db, use_db, con):
    use_db(small_db)
    at = open_regions({"region": "330681120219", "lang": "en"})
    assert at.title[0].value == "Regions · 湖田村"
    assert crumbs(at) == ["Zhejiang", "Shaoxing", "Zhuji", "陈宅镇", "湖田村"]

    cadres = table(at, "Cadre (pseudonym)")
    assert cadres is not None and len(cadres) == 8
    persona = cadres.set_index("Cadre (pseudonym)").loc[label("湖田村", "村委委员", PERSONA)]
    by_month = db.run(con, "cadre_apps_by_month", cadre_id=PERSONA).row(-1, named=True)
    assert by_month["month"] == LAST
    assert (persona["Apps held"], persona["Apps used"]) == (by_month["apps_held"], by_month["apps_used"])
    assert persona["Roles"] == "Village committee member"
    assert not cadres.astype(str).apply(lambda col: col.str.contains("C330681")).any().any()  # no ids either
    assert not cadres.astype(str).apply(lambda col: col.str.contains("·07")).any().any()  # nor their numbers

    shown = {m.label: m.value for m in at.metric}
    assert shown["Apps held (median)"] == fmt_num(latest(con, "330681120219")["held_median"])


def test_meeting_mode_shows_no_cadre_rows(small_db, use_db):
    use_db(small_db)
    at = open_regions({"region": "330681120219", "mode": "meeting"})
    assert table(at, "干部（化名）") is None
    assert any("会议模式" in info.value for info in at.info)
    assert len(at.metric) == 1 + len(metrics.cards("regions"))  # the rest of the view is there: cadres, metrics


def test_drill_down_and_back_up(small_db, use_db):
    use_db(small_db)
    at = open_regions({"region": "330681", "lang": "en", "from": "2023-01"})
    at.selectbox(key="drill_330681").select("330681120").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Regions · 陈宅镇"
    assert dict(at.query_params) == {"region": "330681120", "lang": "en", "from": "2023-01"}
    assert at.selectbox(key="f_region").value == "330681120"
    # At a town: its villages, and its own staff as pseudonymous rows
    assert table(at, "Region")["Code"].to_list() == ["330681120219"]
    assert sorted(table(at, "Cadre (pseudonym)")["Cadre (pseudonym)"]) == sorted(
        [label("陈宅镇", "镇水利员", "C330681120-01"), label("陈宅镇", "网格员", "C330681120-02")]
    )
    # The breadcrumb goes back up to the county, keeping the other filters
    assert crumbs(at) == ["Zhejiang", "Shaoxing", "Zhuji", "陈宅镇"]
    at.button(key="crumb_330681").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Regions · Zhuji"
    assert dict(at.query_params) == {"region": "330681", "lang": "en", "from": "2023-01"}
    assert at.selectbox(key="drill_330681").value is None  # the earlier pick does not drill again


def test_link_round_trip_keeps_the_filters(small_db, use_db, con):
    use_db(small_db)
    params = {"lang": "en", "region": "3306", "from": "2023-02", "to": "2023-11"}
    at = open_regions(params)

    def check(at: AppTest) -> None:
        assert at.radio(key="f_lang").value == "en"
        assert at.selectbox(key="f_region").value == "3306"
        assert (at.selectbox(key="f_from").value, at.selectbox(key="f_to").value) == ("2023-02", "2023-11")
        assert at.title[0].value == "Regions · Shaoxing"
        expected = latest(con, "3306", date(2023, 11, 1))
        assert {m.label: m.value for m in at.metric}["Apps held (median)"] == fmt_num(expected["held_median"])

    check(at)
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception and at.title[0].value.startswith("Overview · Shaoxing")
    at.switch_page("app_pages/regions.py").run()
    assert not at.exception
    check(at)


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("湖田村委会", "湖田村"),
        ("牛皋社区居委会", "牛皋社区"),
        ("江村村村民委员会", "江村村"),
        ("心湖社区", "心湖社区"),
    ],
)
def test_place_name(name, place):
    assert regions.place_name(name) == place


def test_cadre_label():
    assert regions.cadre_label("湖田村委会", "村委委员;网格员", "3F9A2C") == "湖田村 · 村委委员 · 3F9A2C"
    assert regions.cadre_label("陈宅镇", "镇水利员", "00B1E4") == "陈宅镇 · 镇水利员 · 00B1E4"


def test_region_without_cadres_says_so(small_db, use_db):
    use_db(small_db)
    at = open_regions({"region": "330681120228"})  # 大罗村: a village the demo does not sample
    assert at.title[0].value == "地区 · 大罗村"
    assert crumbs(at) == ["浙江省", "绍兴市", "诸暨市", "陈宅镇", "大罗村"]
    assert any("没有干部数据" in info.value for info in at.info)
    assert len(at.metric) == 0 and not at.dataframe
    # the page ran to its end: the frame's share box, with this view's link, is drawn after it
    assert any("region=330681120228" in code.value for code in at.code)
