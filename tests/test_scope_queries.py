"""Every query file honours the viewer's scope (docs/access.md), checked on the small demo database.

The file list is a glob: a new queries/*.sql without a `-- scope:` header, without $scope handling, or
without representative parameters below fails here. Checks, per declared scope:
  <columns>   every row's codes in those columns lie inside the scope root;
  aggregate   the figures equal those computed for the scope root by the unrestricted (local) viewer, and
              asking the SQL for the whole province (db.query's refusal bypassed) gives nothing or the same;
  apps        every app is visible in the scope: owned at or above it, inside it, or held/used there;
  none        the file never mentions $scope and takes no region parameter.
With DENY ($scope null) every scoped query returns no rows, even with its refusal bypassed.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from burden import access, db, settings

QUERY_NAMES = sorted(p.stem for p in settings.QUERIES_DIR.glob("*.sql"))
FIRST, LAST = date(2022, 10, 1), date(2024, 3, 1)
PERSONA = "C330681120219-07"  # 湖田村, 诸暨市
VILLAGE = "330681120219"
ZHUJI = access.Scope("inspector", "330681", "zhuji.inspector@example.gov.cn")
SHAOXING = access.Scope("inspector", "3306", "shaoxing.inspector@example.gov.cn")
FOREIGN_COUNTY = "330481"  # 海宁市, the rebound county (嘉兴): outside both scopes
FOREIGN_TOWN_PREFIX = "330481"
# Queries that may legitimately return no rows on the small demo for a scope (checked non-empty elsewhere)
MAY_BE_EMPTY = {
    "quarantine_by_reason",
    "quarantine_rows",
    "fix_evidence",
    "fix_checks",
    "lagging_regions",
    "rebounds",  # no rebound in 绍兴 on the small demo: test_rebounds_of_a_rebound_city checks 嘉兴
    "late_arrivals",  # the demo is one load, so nothing arrived after it: tests/test_live_data.py loads later days
}


@pytest.fixture(scope="module")
def con(small_db):
    handle = duckdb.connect(str(small_db), read_only=True)
    yield handle
    handle.close()


def raw(con, name: str, scope_region: str | None, **params) -> pl.DataFrame:
    """The file's SQL with $scope bound directly: db's refusals bypassed, so only the SQL filter acts."""
    sql = db.sql_text(name)
    wanted = db.param_names(sql)
    bound = {k: v for k, v in {**params, "scope": scope_region}.items() if k in wanted}
    cursor = con.cursor()
    db.define_macros(cursor, sql)  # the macros the file calls (queries/macros/), as db.run creates them
    return cursor.sql(sql, params=bound).pl()


def one(con, sql: str, **params):
    row = con.cursor().execute(sql, params).fetchone()
    return row[0] if row else None


@pytest.fixture(scope="module")
def picks(con) -> dict:
    """Representative ids from the small demo: an app used in 诸暨, a case there and one elsewhere, a foreign app."""
    used = "select app_id from app_month_county where county_code = $c and active_users > 0 order by events desc"
    case = "select case_id from remediation_cases where starts_with(scope_region_code, $c) and done_on is not null"
    return {
        "app": one(con, used, c="330681"),
        "case": one(con, case + " order by case_id", c="330681"),
        "foreign_case": one(con, case + " order by case_id", c=FOREIGN_COUNTY),
        "foreign_app": one(
            con,
            "select app_id from apps where owner_region_code = $c and app_id not in "
            "(select app_id from app_month_county where starts_with(county_code, '3306')) order by app_id",
            c=FOREIGN_COUNTY,
        ),
        "foreign_cadre": one(con, "select cadre_id from cadres where starts_with(region_code, $c)", c=FOREIGN_COUNTY),
        "foreign_village": one(
            con, "select region_code from regions where level = 'village' and starts_with(region_code, $c)", c="3304"
        ),
    }


def params_for(name: str, root: str, picks: dict) -> dict:
    period = {"from": FIRST, "to": LAST}
    table = {
        "app_counties": {"app": picks["app"], "region": root, "month": LAST},
        "app_flags": {
            "region": root,
            "as_of": None,
            "zombie_share": 0.05,
            "zombie_active_days": 90,
            "zombie_silent_days": 60,
        },
        "app_info": {"app": picks["app"]},
        "app_options": {},
        "app_lines": {},
        "app_overlap": {"app": picks["app"], "region": root, **period, "month": LAST},
        "app_usage_by_month": {"app": picks["app"], "region": root, **period},
        "apps_driving_load": {"region": root, "month": LAST},
        "apps_per_cadre": {"region": root, "children": True, **period, "by_month": False, "target": 5},
        "burden_rates": {"region": root, "children": True, **period, "by_month": False},
        "cadre_apps_by_month": {"cadre_id": PERSONA},
        "cadres_by_app_count": {"region": root, "month": LAST},
        "cadres_in_region": {"region": VILLAGE, "month": LAST},
        "cases_at_end": {"region": root, "to": LAST},
        "data_period": {},
        "derived_versions": {},
        "duplicate_pairs": {"region": root, **period},
        "duplicates_by_fact_type": {"region": root, **period},
        "county_figures": {"region": root, "month": LAST},
        "fix_checks": {"region": root, "to": LAST, "grace_days": 14},
        "fix_evidence": {"region": root, "case_id": picks["case"], "grace_days": 14},
        "line_load": {"region": root, **period},
        "line_pairs": {"region": root, **period},
        "lagging_regions": {"region": root, "level": "town", **period, "target": None, "min_progress": None},
        "late_arrivals": {"asof": FIRST, "to": LAST},
        "load_sources": {},
        "photo_apps": {"region": root, **period},
        "quarantine_by_reason": {},
        "quarantine_rows": {"limit": 50},
        "rebounds": {"region": root, "level": None, **period, "min_rise_apps": 0.0, "min_rise_rate": 0.0},
        "region_info": {"region": root},
        "region_options": {},
        "remediation_by_region": {"region": root, "to": LAST},
        "table_freshness": {},
        "unregistered_apps": {"region": root, "month": LAST},
        "whatif_app_options": {"region": root, "to": LAST},
        "whatif_apps_per_cadre": {"region": root, "to": LAST, "delete": (), "merge_from": (), "merge_to": ()},
    }
    assert name in table, f"queries/{name}.sql has no representative parameters in tests/test_scope_queries.py"
    return table[name]


def declared(name: str) -> tuple[str, list[str]]:
    """The scope kind (none | aggregate | apps | columns) and, for columns, their names."""
    value = db.header(name).get("scope", "")
    first = value.split("(")[0].strip()
    if first in ("none", "aggregate", "apps"):
        return first, []
    return "columns", [c.strip() for c in first.split(",") if c.strip()]


def visible_apps(con, root: str) -> set[str]:
    sql = """select app_id from apps where starts_with($r, owner_region_code) or starts_with(owner_region_code, $r)
             union select app_id from app_month_county where starts_with(county_code, $r)
             and (accounts_held > 0 or active_users > 0)"""
    return set(con.cursor().sql(sql, params={"r": root}).pl()["app_id"])


def assert_in_scope(con, name: str, frame: pl.DataFrame, root: str) -> None:
    kind, columns = declared(name)
    if kind == "columns":
        assert columns, f"{name}: '-- scope:' names no columns"
        for column in columns:
            outside = frame.filter(~pl.col(column).str.starts_with(root))
            assert outside.height == 0, f"{name}: {column} outside {root}: {outside[column].head(3).to_list()}"
    elif kind == "apps":
        assert set(frame["app_id"]) <= visible_apps(con, root), name


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_header_declares_scope_and_the_sql_uses_it(name):
    head = db.header(name)
    kind, _ = declared(name)
    assert head.get("scope"), f"queries/{name}.sql has no '-- scope:' line (docs/access.md)"
    uses_scope = "scope" in db.param_names(db.sql_text(name))
    if kind == "none":
        assert not uses_scope, f"{name}: scope none, yet it binds $scope"
        assert not db.param_names(db.sql_text(name)) & db.REGION_PARAMS, f"{name}: scope none with a region parameter"
        assert "(" in head["scope"], f"{name}: '-- scope: none (<why>)' must say why"
    else:
        assert uses_scope, f"{name}: declares scope {head['scope']!r} but never filters by $scope"
        body = "\n".join(line.split("--", 1)[0] for line in db.sql_text(name).splitlines())
        assert "$scope is null" not in body, f"{name}: a null scope must deny all, never allow all"


@pytest.mark.parametrize("scope", [ZHUJI, SHAOXING], ids=["county", "city"])
@pytest.mark.parametrize("name", QUERY_NAMES)
def test_rows_lie_in_the_inspector_scope(con, picks, use_db, small_db, name, scope):
    use_db(small_db)
    params = params_for(name, scope.region, picks)
    needed = db.header(name).get("requires")
    with access.using(scope):
        if needed == "import":  # inspectors may not read the Data page's queries at all
            with pytest.raises(db.ScopeError):
                db.query(name, **params)
            return
        frame = db.query(name, **params)
    if name not in MAY_BE_EMPTY:
        assert frame.height > 0, f"{name} returned no rows for {scope.region}: the check would prove nothing"
    assert_in_scope(con, name, frame, scope.region)
    kind, _ = declared(name)
    if kind == "aggregate":  # the scope filter changes nothing for the scope's own root...
        with access.using(access.local_scope()):
            assert_frame_equal(frame, db.query(name, **params))


@pytest.mark.parametrize("scope", [ZHUJI, SHAOXING], ids=["county", "city"])
@pytest.mark.parametrize("name", QUERY_NAMES)
def test_sql_alone_keeps_the_scope_when_asked_for_more(con, picks, name, scope):
    """Defence in depth: the province (or a foreign id) asked of the SQL directly still yields only the scope."""
    kind, _ = declared(name)
    if kind == "none":
        return
    own = raw(con, name, scope.region, **params_for(name, scope.region, picks))
    wider = params_for(name, scope.region, picks)
    for key in ("region",):
        if key in wider and name not in ("cadres_in_region",):
            wider[key] = settings.PROVINCE_CODE
    wider |= {
        "cadres_in_region": {"region": picks["foreign_village"]},
        "cadre_apps_by_month": {"cadre_id": picks["foreign_cadre"]},
        "app_info": {"app": picks["foreign_app"]},
        "fix_evidence": {"case_id": picks["foreign_case"], "region": settings.PROVINCE_CODE},
    }.get(name, {})
    got = raw(con, name, scope.region, **wider)
    assert_in_scope(con, name, got, scope.region)
    if name in ("cadres_in_region", "cadre_apps_by_month", "app_info", "fix_evidence"):
        assert got.height == 0, f"{name}: a foreign id passed the SQL scope filter"
    elif kind == "aggregate" and got.height:
        assert_frame_equal(got, own), f"{name}: the province's aggregate leaked past the scope"


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_deny_returns_no_rows(con, picks, name):
    if declared(name)[0] == "none":
        return
    params = params_for(name, settings.PROVINCE_CODE, picks)
    assert raw(con, name, None, **params).height == 0, f"{name}: $scope null must deny all"
    if db.param_names(db.sql_text(name)) & db.REGION_PARAMS or db.header(name).get("requires"):
        with access.using(access.DENY), pytest.raises(db.ScopeError):
            db.run(con, name, **params)
    else:
        with access.using(access.DENY):
            assert db.run(con, name, **params).height == 0


@pytest.mark.parametrize("region", ["330481", "33", "3306", None, "330482001", "331124", "3306810"])
def test_query_refuses_regions_outside_the_county_inspector(con, region):
    with access.using(ZHUJI), pytest.raises(db.ScopeError, match="outside the viewer's scope"):
        db.run(con, "burden_rates", region=region, children=False, by_month=False, **{"from": None, "to": None})


def test_query_accepts_the_scope_and_below(con):
    with access.using(ZHUJI):
        for code in ("330681", "330681120", VILLAGE):
            assert db.run(con, "region_info", region=code)["region_code"].to_list() == [code]


def test_the_caller_cannot_pass_scope(con):
    with access.using(ZHUJI), pytest.raises(db.QueryError, match="never passed by the caller"):
        db.run(con, "region_options", scope="33")


def test_capabilities_are_checked(con):
    leader = access.Scope("leader", "33", "leader@example.gov.cn")
    with access.using(leader):
        with pytest.raises(db.ScopeError, match="cadre_rows"):
            db.run(con, "cadres_in_region", region=VILLAGE, month=LAST)
        with pytest.raises(db.ScopeError, match="import"):
            db.run(con, "quarantine_rows", limit=5)
        assert db.run(con, "region_info", region="330481").height == 1  # the province leader sees every county
    with access.using(access.Scope("staff", "33", "staff@example.gov.cn")):
        assert db.run(con, "load_sources").height > 0


def test_result_cache_is_per_scope(small_db, use_db):
    use_db(small_db)
    with access.using(access.local_scope()):
        province = db.query("region_options")
    with access.using(ZHUJI):
        county = db.query("region_options")
    assert county["region_code"].to_list() == ["330681"]
    assert province.height > 90 and "330481" in province["region_code"].to_list()


def test_a_query_without_scope_header_is_refused(tmp_path, monkeypatch):
    (tmp_path / "sneaky.sql").write_text("-- purpose: x\n-- grain: x\n-- parameters: none\nselect 1 as one\n")
    monkeypatch.setattr(settings, "QUERIES_DIR", tmp_path)
    db.sql_text.cache_clear()
    db.header.cache_clear()
    try:
        with pytest.raises(db.QueryError, match="declares no '-- scope:'"):
            db.run(duckdb.connect(), "sneaky")
    finally:
        db.sql_text.cache_clear()
        db.header.cache_clear()


def test_rebounds_of_a_rebound_city(con):
    """嘉兴 holds the rebound county 330481: the city inspector sees it, 绍兴's sees none of 嘉兴's rows."""
    params = {"level": None, "from": None, "to": None, "min_rise_apps": 0.25, "min_rise_rate": 0.02}
    with access.using(access.Scope("inspector", "3304")):
        jiaxing = db.run(con, "rebounds", region="3304", **params)
    assert "330481" in jiaxing["region_code"].to_list()
    assert all(code.startswith("3304") for code in jiaxing["region_code"])
    assert raw(con, "rebounds", "3306", region="3304", **params).height == 0
