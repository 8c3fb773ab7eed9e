"""burden.labels: the one place names become display labels."""

from __future__ import annotations

import polars as pl

from burden import i18n, labels


def _in(lang: str):
    i18n.set_lang(lang)


def test_region_label_follows_the_language():
    frame = pl.DataFrame({"name_zh": ["诸暨市", "湖田村委会"], "name_en": ["Zhuji", None]})
    _in("en")
    assert labels.with_region_label(frame)["label"].to_list() == ["Zhuji", "湖田村委会"]
    _in("zh")
    assert labels.with_region_label(frame, "name")["name"].to_list() == ["诸暨市", "湖田村委会"]
    scoped = pl.DataFrame({"scope_name_zh": ["萧山区"], "scope_name_en": ["Xiaoshan"]})
    _in("en")
    assert labels.with_region_label(scoped, "scope", zh="scope_name_zh", en="scope_name_en")["scope"][0] == "Xiaoshan"
    _in("zh")


def test_app_name_falls_back_to_chinese_then_the_id():
    _in("en")
    assert labels.app_name("浙政钉", "Zhezhengding (government work platform)") == (
        "Zhezhengding (government work platform)"
    )
    assert labels.app_name("浙政钉", None, "P33-01") == "浙政钉"
    assert labels.app_name(None, None, "P33-01") == "P33-01"
    _in("zh")
    assert labels.app_name("浙政钉", "Zhezhengding", "P33-01") == "浙政钉"
    assert labels.with_code("浙政钉", "P33-01") == "浙政钉 · P33-01"


def test_short_app_name_drops_the_gloss_and_the_region_and_fits_the_axis():
    assert labels.short_app_name("Zhezhengding (government work platform)") == "Zhezhengding"
    assert labels.short_app_name("基层治理四平台（网格）") == "基层治理四平台"
    assert labels.short_app_name("萧山区食品安全巡查", prefixes=["萧山区"]) == "食品安全巡查"
    assert labels.short_app_name("萧山区", prefixes=["萧山区"]) == "萧山区"  # never down to nothing
    # Chinese is cut at zh_chars, Latin at en_chars, with an ellipsis as the last character
    assert labels.short_app_name("一二三四五六七八九十") == "一二三四五六七…"
    assert labels.short_app_name("Grassroots Governance Reporting") == "Grassroots Governance…"
    assert labels.short_app_name("Fire Hazard Checks", zh_chars=6, en_chars=13) == "Fire Hazard …"
    assert len(labels.short_app_name("Grassroots Governance Reporting", en_chars=16)) == 16


def test_unique_adds_the_id_only_to_shared_labels():
    assert labels.unique(["巡查", "巡查", "上报"], ["A1", "A2", "A3"]) == ["巡查 A1", "巡查 A2", "上报"]


def test_region_columns_lead_every_table_of_regions():
    frame = pl.DataFrame({"label": ["Zhuji"], "region_code": ["330681"], "cadres": [3]})
    _in("en")
    assert frame.select(*labels.region_columns(), "cadres").columns == [
        i18n.EN["table.region"],
        i18n.EN["table.code"],
        "cadres",
    ]
    _in("zh")
    assert frame.select(*labels.region_columns()).row(0) == ("Zhuji", "330681")
