"""AppTest: the Apps view opened from a URL shows the figures of app_flags and of a direct recomputation."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from burden import db, lines, settings

XIAOSHAN = "330109"
ZOMBIE = {
    "zombie_share": settings.ZOMBIE_ACTIVE_SHARE,
    "zombie_active_days": settings.ZOMBIE_ACTIVE_DAYS,
    "zombie_silent_days": settings.ZOMBIE_SILENT_DAYS,
}


def open_apps(params: dict) -> AppTest:
    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("app_pages/apps.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table_with(at: AppTest, column: str) -> pl.DataFrame:
    frames = [pl.from_pandas(df.value) for df in at.dataframe if column in df.value.columns]
    assert len(frames) == 1, f"one table with column {column!r}"
    return frames[0]


def flags_query(small_db, region: str | None, as_of: date) -> pl.DataFrame:
    with duckdb.connect(str(small_db), read_only=True) as con:
        return db.run(con, "app_flags", region=region, as_of=as_of, **ZOMBIE)


def read(small_db, sql: str, **params) -> pl.DataFrame:
    with duckdb.connect(str(small_db), read_only=True) as con:
        return con.sql(sql, params=params).pl()


def shown_metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_catalogue_equals_app_flags(small_db, use_db):
    use_db(small_db)
    at = open_apps({"lang": "en", "region": XIAOSHAN})
    assert at.title[0].value == "Apps · Xiaoshan District"
    expected = flags_query(small_db, XIAOSHAN, date(2024, 3, 31))
    shown = table_with(at, "Accounts / active")
    assert shown["ID"].to_list() == expected["app_id"].to_list()  # same apps, most accounts first
    for row, want in zip(shown.iter_rows(named=True), expected.iter_rows(named=True), strict=True):
        assert row["Accounts / active"] == f"{want['accounts_held']:,} / {want['active_users_90d']:,}"
        words = row["Flags"].split(" · ") if row["Flags"] else []
        assert ("zombie" in words) == want["is_zombie"], want["app_id"]
        assert ("island" in words) == want["is_island"], want["app_id"]
        assert ("check-in" in words) == want["has_checkin"], want["app_id"]
    current = expected.filter(pl.col("is_current"))
    metrics = shown_metrics(at)
    assert metrics["Apps in use"] == str(current.height)
    assert metrics["Zombie apps"] == str(current["is_zombie"].sum())
    assert metrics["Island apps"] == str(current["is_island"].sum())
    assert metrics["Prohibited features"] == str(current["has_prohibited_feature"].sum())


def test_prohibited_filter_includes_a_checkin_app(small_db, use_db):
    use_db(small_db)
    at = open_apps({"lang": "en", "region": XIAOSHAN})
    at.radio(key="apps_filter").set_value("prohibited").run()
    assert not at.exception
    ids = table_with(at, "Accounts / active")["ID"].to_list()
    apps = read(small_db, "select app_id, has_checkin, has_ranking, tracks_online_time, forced_install from apps")
    prohibited = apps.filter(pl.any_horizontal("has_checkin", "has_ranking", "tracks_online_time", "forced_install"))
    assert ids and set(ids) <= set(prohibited["app_id"])
    assert set(ids) & set(apps.filter(pl.col("has_checkin"))["app_id"])


def test_zombie_at_baseline(small_db, use_db):
    """P33-11 农村统计直报 is a zombie province-wide from the start (scenario)."""
    use_db(small_db)
    at = open_apps({"lang": "en", "to": "2022-12"})
    expected = flags_query(small_db, None, date(2022, 12, 31))
    assert expected.filter(pl.col("app_id") == "P33-11")["is_zombie"].item()
    shown = table_with(at, "Accounts / active").filter(pl.col("ID") == "P33-11").row(0, named=True)
    assert "zombie" in shown["Flags"].split(" · ")
    zombies = expected.filter(pl.col("is_current") & pl.col("is_zombie")).height
    assert shown_metrics(at)["Zombie apps"] == str(zombies) and zombies > 0


def expected_overlap(small_db, app: str, region: str, start: date, end: date) -> tuple[date, pl.DataFrame]:
    """Shared users and pair duplicates recomputed from the derived tables, ranked like the view."""
    cadres = read(small_db, "select cadre_id from cadre_regions where region_code = $r", r=region)["cadre_id"]
    acm = read(small_db, "select month, cadre_id, app_id, events from app_cadre_month where events > 0")
    acm = acm.filter(pl.col("cadre_id").is_in(cadres.implode()))
    in_period = acm.filter(pl.col("month").is_between(start, end) & (pl.col("app_id") == app))
    month = end if in_period.filter(pl.col("month") == end).height else in_period["month"].max()
    users = acm.filter((pl.col("month") == month) & (pl.col("app_id") == app))["cadre_id"]
    shared = (
        acm.filter((pl.col("month") == month) & (pl.col("app_id") != app) & pl.col("cadre_id").is_in(users.implode()))
        .group_by(pl.col("app_id").alias("other"))
        .agg(shared=pl.len())
    )
    dups = read(small_db, "select month, cadre_id, app_id, original_app_id from duplicate_submits")
    dups = dups.filter(
        pl.col("cadre_id").is_in(cadres.implode())
        & pl.col("month").is_between(start, end)
        & ((pl.col("app_id") == app) | (pl.col("original_app_id") == app))
    )
    pairs = dups.group_by(
        pl.when(pl.col("app_id") == app).then(pl.col("original_app_id")).otherwise(pl.col("app_id")).alias("other")
    ).agg(duplicates=pl.len())
    joined = shared.join(pairs, on="other", how="full", coalesce=True).fill_null(0)
    return month, joined.sort(["duplicates", "shared", "other"], descending=[True, True, False])


@pytest.mark.parametrize(
    ("app", "region", "lang"),
    [("P33-06", XIAOSHAN, "en"), ("P33-04", "3301", "en"), ("P33-04", "33", "zh")],
)
def test_app_detail_equals_recomputation(small_db, use_db, app, region, lang):
    use_db(small_db)
    at = open_apps({"lang": lang, "region": region, "app": app})
    assert at.query_params["app"] == app
    start, end = date(2022, 10, 1), date(2024, 3, 1)
    with duckdb.connect(str(small_db), read_only=True) as con:
        trend = db.run(con, "app_usage_by_month", app=app, region=region, to=end, **{"from": start})
        dept, line = con.execute("select owner_dept, line from apps where app_id = ?", [app]).fetchone()
    named = {known.code: known.en if lang == "en" else known.zh for known in lines.all_lines()}
    assert any(f"{dept} ({named[line]})" in c.value for c in at.caption)  # the owner department and its line
    users_chart = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert users_chart[0]["y"] == trend["accounts_held"].to_list()
    assert users_chart[1]["y"] == trend["active_users"].to_list()
    # The trend query agrees with the per-cadre rows of the derived table.
    direct = read(
        small_db,
        """select month, count(*) filter (where is_held) as held, count(*) filter (where events > 0) as active,
                  sum(events) as events
           from app_cadre_month join cadre_regions using (cadre_id)
           where app_id = $app and region_code = $region group by month""",
        app=app,
        region=region,
    )
    merged = trend.join(direct, on="month", how="left").fill_null(0)
    assert merged["accounts_held"].to_list() == merged["held"].to_list()
    assert merged["active_users"].to_list() == merged["active"].to_list()
    assert merged["events"].to_list() == merged["events_right"].to_list()
    if app == "P33-06":  # deleted in the campaign: check-in and ranking flags, no users at the end
        assert trend["active_users"][-1] == 0 and trend["active_users"][0] > 0
    month, overlap = expected_overlap(small_db, app, region, start, end)
    shown = table_with(at, "Shared users" if lang == "en" else "共同用户")
    top = shown.row(0)
    assert (top[1], top[2], top[5]) == tuple(overlap.row(0, named=True)[k] for k in ("other", "duplicates", "shared"))
    assert shown.height == overlap.height


def test_link_round_trip(small_db, use_db):
    use_db(small_db)
    params = {"lang": "en", "region": XIAOSHAN, "from": "2022-11", "to": "2023-12", "app": "P33-06"}

    def snapshot(at: AppTest) -> tuple:
        filters = (
            at.radio(key="f_lang").value,
            at.selectbox(key="f_region").value,
            at.selectbox(key="f_from").value,
            at.selectbox(key="f_to").value,
            at.selectbox(key="apps_pick_P33-06").value,
        )
        return filters, dict(at.query_params), shown_metrics(at), [df.value.to_csv() for df in at.dataframe]

    first = open_apps(params)
    before = snapshot(first)
    assert before[0] == ("en", XIAOSHAN, "2022-11", "2023-12", "P33-06")
    assert before[1] == params
    assert snapshot(open_apps(params)) == before  # the same link opened fresh gives the same view
    first.switch_page("app_pages/overview.py").run()
    assert not first.exception
    assert dict(first.query_params) == params
    first.switch_page("app_pages/apps.py").run()
    assert not first.exception
    assert snapshot(first) == before


def test_unknown_app_falls_back_with_notice(small_db, use_db):
    use_db(small_db)
    at = open_apps({"lang": "en", "region": XIAOSHAN, "app": "NOPE-1"})
    assert any("NOPE-1" in w.value for w in at.warning)
    assert "app" not in at.query_params
    assert at.selectbox(key="apps_pick_none").value is None


@pytest.mark.parametrize("region", ["330681104", "330681120219", "330681", "3306", None])
def test_usage_queries_scope_every_level(small_db, region):
    """Counties and above read the per-county rollup, towns and villages the per-cadre rows: both agree."""
    start, end = date(2022, 10, 1), date(2024, 3, 1)
    with duckdb.connect(str(small_db), read_only=True) as con:
        trend = db.run(con, "app_usage_by_month", app="P33-03", region=region, to=end, **{"from": start})
        counties = db.run(con, "app_counties", app="P33-03", region=region, month=date(2023, 6, 1))
    direct = read(
        small_db,
        """select month, count(*) filter (where is_held) as held, count(*) filter (where events > 0) as active,
                  sum(duplicate_submits) as dups
           from app_cadre_month join cadre_regions using (cadre_id)
           where app_id = 'P33-03' and region_code = coalesce($region, '33') group by month""",
        region=region,
    )
    merged = trend.join(direct, on="month", how="left").fill_null(0)
    assert trend.height == 18 and merged["accounts_held"].sum() > 0
    assert merged["accounts_held"].to_list() == merged["held"].to_list()
    assert merged["active_users"].to_list() == merged["active"].to_list()
    assert merged["duplicate_submits"].to_list() == merged["dups"].to_list()
    june = trend.filter(pl.col("month") == date(2023, 6, 1)).row(0, named=True)
    assert counties["accounts_held"].sum() == june["accounts_held"]
    assert counties["active_users"].sum() == june["active_users"]
    assert all(code.startswith((region or "33")[:6]) for code in counties["county_code"])
