"""规则 Rules (data/rules.toml, burden/rules.py): each check finds exactly the planted cases, on a hand-made catalogue
with near misses and on the demo, where the expected apps are recounted from the raw files with Polars."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from burden import access, i18n, rules
from burden.filters import ViewState
from burden.views import departments

FLAGS = ("has_checkin", "has_ranking", "tracks_online_time", "forced_install", "photo_required")


def _apps(*rows: dict) -> pl.DataFrame:
    base = {"line": "civil_affairs", "level": "county", "owner_region_code": "330681", "launched_on": date(2020, 1, 1)}
    return pl.DataFrame([{**base, **{f: False for f in FLAGS}, **row} for row in rows])


def _rule(rule_id: str) -> rules.Rule:
    return next(r for r in rules.all_rules() if r.id == rule_id)


NO_PHOTOS = pl.DataFrame(schema={"app_id": pl.String, "tasks": pl.Int64, "share_tasks_photo_required": pl.Float64})


def test_the_rules_file_names_a_source_and_a_known_check_for_every_rule():
    found = rules.all_rules()
    assert {r.check for r in found} == set(rules.CHECKS) and len(found) == 4
    assert all(r.source_zh and r.source_en and r.name_zh and r.name_en and r.short_zh and r.short_en for r in found)


def test_prohibited_features_finds_each_feature_and_nothing_else():
    apps = _apps(
        {"app_id": "A", "has_checkin": True},
        {"app_id": "B", "has_ranking": True, "tracks_online_time": True},
        {"app_id": "C", "forced_install": True},
        {"app_id": "D", "photo_required": True},  # a photo is another rule
        {"app_id": "E"},
    )
    i18n.set_lang("en")
    try:
        found = rules.violations(_rule("prohibited_features"), apps, NO_PHOTOS)
    finally:
        i18n.set_lang(i18n.DEFAULT_LANG)
    assert found.rows() == [("A", "check-in"), ("B", "point ranking, online-time tracking"), ("C", "forced install")]


def test_one_app_per_line_and_level_counts_per_owner_and_spares_the_platforms_and_the_unknown():
    apps = _apps(
        {"app_id": "P1", "level": "province", "owner_region_code": "33"},
        {"app_id": "P2", "level": "province", "owner_region_code": "33"},  # two at the province: both
        {"app_id": "P3", "level": "province", "owner_region_code": "33", "line": "health"},  # alone in its line
        {"app_id": "C1", "level": "city", "owner_region_code": "3306"},
        {"app_id": "C2", "level": "city", "owner_region_code": "3301"},  # one per city: none
        {"app_id": "K1", "level": "county"},
        {"app_id": "K2", "level": "county"},  # counties are not listed: another rule
        {"app_id": "U1", "level": "city", "owner_region_code": "3302", "line": "unknown"},
        {"app_id": "U2", "level": "city", "owner_region_code": "3302", "line": "unknown"},
        {"app_id": "P33-01", "level": "province", "owner_region_code": "33", "line": "health"},  # exempt
    )
    found = rules.violations(_rule("one_app_per_line_level"), apps, NO_PHOTOS)
    assert found["app_id"].to_list() == ["P1", "P2"]


def test_local_apps_from_the_day_the_rule_took_effect():
    since = _rule("no_new_local_apps").params["since"]
    apps = _apps(
        {"app_id": "K_before", "launched_on": date.fromordinal(since.toordinal() - 1)},
        {"app_id": "K_on", "launched_on": since},
        {"app_id": "C_after", "level": "city", "launched_on": date(2024, 1, 1)},
    )
    assert rules.violations(_rule("no_new_local_apps"), apps, NO_PHOTOS)["app_id"].to_list() == ["K_on"]


def test_photo_required_names_the_catalogue_and_what_the_logs_show():
    apps = _apps({"app_id": "A", "photo_required": True}, {"app_id": "B", "photo_required": True}, {"app_id": "C"})
    photos = pl.DataFrame({"app_id": ["A", "C"], "tasks": [40, 10], "share_tasks_photo_required": [0.75, 1.0]})
    i18n.set_lang("en")
    try:
        found = rules.violations(_rule("routine_photo_trace"), apps, photos)
    finally:
        i18n.set_lang(i18n.DEFAULT_LANG)
    assert found["app_id"].to_list() == ["A", "B"]
    assert "75%" in found["evidence"][0] and "40 tasks" in found["evidence"][0] and "no task" in found["evidence"][1]


def _reached_from_files(files, region: str, month: date, month_end: date, next_month: date) -> pl.DataFrame:
    """The apps held at the month's end or used in it by cadres homed in the region, from the raw demo files."""
    cadres = pl.read_parquet(files / "cadres.parquet").filter(pl.col("region_code").str.starts_with(region))
    accounts = pl.read_parquet(files / "app_accounts.parquet").join(cadres.select("cadre_id"), on="cadre_id")
    held = accounts.filter(
        (pl.col("opened_on") <= month_end) & (pl.col("closed_on").is_null() | (pl.col("closed_on") > month_end))
    )
    window = (pl.col("ts") >= pl.lit(month).cast(pl.Datetime)) & (pl.col("ts") < pl.lit(next_month).cast(pl.Datetime))
    used = (
        pl.scan_parquet(files / "app_events" / "*.parquet")
        .filter(window)
        .select("cadre_id", "app_id")
        .collect()
        .join(cadres.select("cadre_id"), on="cadre_id")
    )
    ids = pl.concat([held.select("app_id"), used.select("app_id")]).unique()
    return pl.read_parquet(files / "apps.parquet").join(ids, on="app_id")


@pytest.mark.parametrize(
    ("region", "end", "month_end", "next_month"),
    [("33", "2024-03", date(2024, 3, 31), date(2024, 4, 1)), ("33", "2022-12", date(2022, 12, 31), date(2023, 1, 1))],
    ids=["latest", "baseline"],
)
def test_on_the_demo_each_rule_finds_the_planted_apps_and_nothing_else(small_db, region, end, month_end, next_month):
    month = date(month_end.year, month_end.month, 1)
    reached = _reached_from_files(small_db.parent / "files", region, month, month_end, next_month)
    params = {r.id: r.params for r in rules.all_rules()}
    per_line = params["one_app_per_line_level"]
    grouped = reached.filter(
        pl.col("level").is_in(per_line["levels"])
        & ~pl.col("app_id").is_in(per_line["exempt_apps"])
        & (pl.col("line") != "unknown")
    )
    crowded = grouped.group_by("line", "level", "owner_region_code").agg(pl.col("app_id"), n=pl.len())
    expected = {
        "prohibited_features": reached.filter(
            pl.col("has_checkin") | pl.col("has_ranking") | pl.col("tracks_online_time") | pl.col("forced_install")
        ),
        "one_app_per_line_level": crowded.filter(pl.col("n") > per_line["max_apps"]).explode("app_id"),
        "no_new_local_apps": reached.filter(
            (pl.col("level") == "county") & (pl.col("launched_on") >= params["no_new_local_apps"]["since"])
        ),
        "routine_photo_trace": reached.filter(pl.col("photo_required")),
    }
    with pytest.MonkeyPatch.context() as patch, access.using(access.local_scope()):
        patch.setenv("BURDEN_DB", str(small_db))
        data = departments.load(ViewState(start="2022-10", end=end, region=region), ("2022-10", "2022-12"))
        got = {rule.id: found for rule, found in departments.rule_results(data)}
    for rule_id, frame in expected.items():
        assert got[rule_id]["app_id"].to_list() == sorted(frame["app_id"].to_list()), rule_id
    # the demo plants every kind somewhere: the rebound county's new apps (海宁, 2024), baseline duplicates per line
    assert got["no_new_local_apps"].height > 0 or end == "2022-12"
    assert got["one_app_per_line_level"].height > 0 or end == "2024-03"
    assert got["prohibited_features"].height > 0 and got["routine_photo_trace"].height > 0
