"""规则 Rules (data/rules.toml, burden/rules.py): each check finds exactly the planted cases, on a hand-made catalogue
with near misses and on the demo, where the expected apps are recounted from the raw files with Polars."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from burden import access, db, i18n, rules
from burden.filters import ViewState
from burden.ingest.pipeline import upgrade
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
    assert {r.check for r in found} == set(rules.CHECKS) and len(found) == 5
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
        found = rules.violations(_rule("prohibited_features"), rules.Inputs(apps, NO_PHOTOS))
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
    found = rules.violations(_rule("one_app_per_line_level"), rules.Inputs(apps, NO_PHOTOS))
    assert found["app_id"].to_list() == ["P1", "P2"]


def test_local_apps_from_the_day_the_rule_took_effect():
    since = _rule("no_new_local_apps").params["since"]
    apps = _apps(
        {"app_id": "K_before", "launched_on": date.fromordinal(since.toordinal() - 1)},
        {"app_id": "K_on", "launched_on": since},
        {"app_id": "C_after", "level": "city", "launched_on": date(2024, 1, 1)},
    )
    assert rules.violations(_rule("no_new_local_apps"), rules.Inputs(apps, NO_PHOTOS))["app_id"].to_list() == ["K_on"]


def test_photo_required_names_the_catalogue_and_what_the_logs_show():
    apps = _apps({"app_id": "A", "photo_required": True}, {"app_id": "B", "photo_required": True}, {"app_id": "C"})
    photos = pl.DataFrame({"app_id": ["A", "C"], "tasks": [40, 10], "share_tasks_photo_required": [0.75, 1.0]})
    i18n.set_lang("en")
    try:
        found = rules.violations(_rule("routine_photo_trace"), rules.Inputs(apps, photos))
    finally:
        i18n.set_lang(i18n.DEFAULT_LANG)
    assert found["app_id"].to_list() == ["A", "B"]
    assert "75%" in found["evidence"][0] and "40 tasks" in found["evidence"][0] and "no task" in found["evidence"][1]


def test_unregistered_apps_need_the_rows_and_name_the_evidence():
    seen = pl.DataFrame(
        {
            "app_id": ["X1", "X2"],
            "rows": [12, 1],
            "events": [10, 1],
            "photos": [2, 0],
            "accounts": [0, 0],
            "cadres": [3, 1],
            "first_seen": [datetime(2024, 3, 2, 9), datetime(2024, 3, 5, 10)],
            "last_seen": [datetime(2024, 3, 20, 15), datetime(2024, 3, 5, 10)],
            "files": [["/in/b.csv", "/in/a.csv"], ["/in/a.csv"]],
        },
        schema=rules.UNREGISTERED_SCHEMA,
    )
    rule = _rule("unregistered_apps")
    i18n.set_lang("en")
    try:
        found = rules.violations(rule, rules.Inputs(_apps({"app_id": "A"}), NO_PHOTOS, seen))
        fewer = rules.violations(
            rules.Rule(**{**rule.__dict__, "params": {"min_rows": 2}}), rules.Inputs(_apps(), NO_PHOTOS, seen)
        )
    finally:
        i18n.set_lang(i18n.DEFAULT_LANG)
    assert found["app_id"].to_list() == ["X1", "X2"]  # the catalogue's own apps are never in this rule
    assert found["evidence"][0] == (
        "not in the catalogue; 12 log rows of 3 cadres rejected in the latest month (2024-03-02 to 2024-03-20, "
        "file a.csv, b.csv)"
    )
    assert fewer["app_id"].to_list() == ["X1"]


def _unregistered_from_files(files, region: str, month: date, next_month: date) -> pl.DataFrame:
    """App ids of the county exports' log rows that the catalogue lacks, used by cadres homed in the region in the
    month, read from the raw demo file with its Chinese headers."""
    cadres = pl.read_parquet(files / "cadres.parquet").filter(pl.col("region_code").str.starts_with(region))
    rows = pl.read_csv(files / "unregistered_app_events.csv", try_parse_dates=True).rename(
        {"干部编号": "cadre_id", "应用编号": "app_id", "操作时间": "ts"}
    )
    catalogue = pl.read_parquet(files / "apps.parquet").select("app_id")
    window = (pl.col("ts") >= pl.lit(month).cast(pl.Datetime)) & (pl.col("ts") < pl.lit(next_month).cast(pl.Datetime))
    seen = rows.filter(window).join(cadres.select("cadre_id"), on="cadre_id").join(catalogue, on="app_id", how="anti")
    return seen.group_by("app_id").agg(rows=pl.len(), cadres=pl.col("cadre_id").n_unique()).sort("app_id")


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
    [
        ("33", "2024-03", date(2024, 3, 31), date(2024, 4, 1)),
        ("33", "2022-12", date(2022, 12, 31), date(2023, 1, 1)),
        ("330281", "2024-02", date(2024, 2, 29), date(2024, 3, 1)),
    ],
    ids=["latest", "baseline", "county"],
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
        "unregistered_apps": _unregistered_from_files(small_db.parent / "files", region, month, next_month),
    }
    with pytest.MonkeyPatch.context() as patch, access.using(access.local_scope()):
        patch.setenv("BURDEN_DB", str(small_db))
        data = departments.load(ViewState(start="2022-10", end=end, region=region), ("2022-10", "2022-12"))
        got = {rule.id: found for rule, found in departments.rule_results(data)}
        seen = db.query("unregistered_apps", region=region, month=month)
    # the rule's evidence: each app's rejected rows and cadres, as the raw county export has them
    recount = expected["unregistered_apps"]
    assert seen.select("app_id", "rows", "cadres").sort("app_id").rows() == recount.rows()
    for rule_id, frame in expected.items():
        assert got[rule_id]["app_id"].to_list() == sorted(frame["app_id"].to_list()), rule_id
    # the demo plants every kind somewhere: the rebound county's new apps (海宁, 2024), baseline duplicates per line,
    # unregistered apps in 余姚 (the last three months), 诸暨 (the last) and 温岭 (the last two)
    planted = {
        ("33", "2024-03"): ["X330281-01", "X330681-01", "X331081-01"],
        ("33", "2022-12"): [],
        ("330281", "2024-02"): ["X330281-01"],
    }
    assert got["unregistered_apps"]["app_id"].to_list() == planted[region, end]
    if region == "33":
        assert got["no_new_local_apps"].height > 0 or end == "2022-12"
        assert got["one_app_per_line_level"].height > 0 or end == "2024-03"
        assert got["prohibited_features"].height > 0 and got["routine_photo_trace"].height > 0


def test_an_inspector_sees_only_the_unregistered_apps_of_their_county(small_db):
    """Scope is the query layer's: 温岭's inspector sees 温岭's planted app, and cannot ask for 余姚's or the
    province's."""
    wenling = access.Scope("inspector", "331081")
    with pytest.MonkeyPatch.context() as patch, access.using(wenling):
        patch.setenv("BURDEN_DB", str(small_db))
        seen = db.query("unregistered_apps", region="331081", month=date(2024, 3, 1))
        for outside in ("330281", None):
            with pytest.raises(db.ScopeError):
                db.query("unregistered_apps", region=outside, month=date(2024, 3, 1))
    assert seen["app_id"].to_list() == ["X331081-01"] and seen["cadres"][0] > 0


def test_a_quarantine_made_before_the_typed_ids_gains_them_from_its_raw_rows(small_db, tmp_path):
    """An older database's quarantine has only the raw JSON: the upgrade reads the ids and time from it, under the
    Chinese headers the county export used, so the rule counts what was rejected before."""
    path = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, path)
    with duckdb.connect(str(path)) as con:
        typed = con.execute("select app_id, cadre_id, ts from quarantine order by all").fetchall()
        for column in ("app_id", "cadre_id", "ts"):
            con.execute(f"alter table quarantine drop column {column}")
    assert upgrade(path, progress=lambda _: None) == ["quarantine.app_id", "quarantine.cadre_id", "quarantine.ts"]
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select app_id, cadre_id, ts from quarantine order by all").fetchall() == typed
    assert len(typed) > 0 and all(None not in row for row in typed)
