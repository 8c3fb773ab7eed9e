"""Every query file carries its dbt-style header, and every metric is documented in zh and en."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from burden import db, metrics, rollups, settings
from tests.test_duplicates import add_cadres, add_events, new_db

METRICS_DOC = settings.ROOT / "docs" / "metrics.md"
QUERY_FILES = sorted(settings.QUERIES_DIR.rglob("*.sql"))
_HEADER_KEYS = ("purpose", "grain", "parameters")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def header_problems(sql: str) -> list[str]:
    """What is wrong with a query file's header: missing lines, or $params used but not listed."""
    header: dict[str, str] = {}
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        key, _, value = line[2:].strip().partition(":")
        header[key.strip()] = value.strip()
    problems = [f"no '-- {key}:' line" for key in _HEADER_KEYS if not header.get(key)]
    listed = set(re.findall(r"\$([a-z_][a-z0-9_]*)", header.get("parameters", "")))
    problems += [f"${name} is used but not listed in '-- parameters:'" for name in sorted(db.param_names(sql) - listed)]
    if header.get("parameters") == "none" and db.param_names(sql):
        problems.append("'-- parameters: none' but the query has parameters")
    return problems


def metric_sections(markdown: str) -> dict[str, str]:
    """`## <id>` heading -> the text of its section."""
    parts = re.split(r"^## +(\S+) *$", markdown, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_there_are_query_files():
    names = {p.relative_to(settings.QUERIES_DIR).as_posix() for p in QUERY_FILES}
    assert {"apps_per_cadre.sql", "burden_rates.sql", "rollups/region_month.sql", "schema/app_events.sql"} <= names


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.relative_to(settings.QUERIES_DIR).as_posix())
def test_query_file_has_header(path: Path):
    assert header_problems(path.read_text(encoding="utf-8")) == []


def test_checker_rejects_a_missing_header():
    assert header_problems("select * from regions where region_code = $region") == [
        "no '-- purpose:' line",
        "no '-- grain:' line",
        "no '-- parameters:' line",
        "$region is used but not listed in '-- parameters:'",
    ]


def test_checker_rejects_an_unlisted_parameter():
    sql = "-- purpose: x\n-- grain: one row\n-- parameters: $region\nselect $region, $to"
    assert header_problems(sql) == ["$to is used but not listed in '-- parameters:'"]


def test_checker_accepts_a_good_header_and_ignores_params_in_comments():
    sql = "-- purpose: x\n-- grain: one row\n-- parameters: $region (code)\nselect $region -- not $other\n"
    assert header_problems(sql) == []


@pytest.mark.parametrize("metric_id", metrics.doc_sections())
def test_metric_documented_in_zh_and_en(metric_id: str):
    section = metric_sections(METRICS_DOC.read_text(encoding="utf-8")).get(metric_id)
    assert section is not None, f"docs/metrics.md has no '## {metric_id}' section"
    assert "中文" in section and len(_CJK.findall(section)) >= 20, "no Chinese definition"
    assert "English:" in section and len(re.findall(r"\b[a-z]{3,}\b", section)) >= 20, "no English definition"


def test_metric_sections_parser_finds_only_headings():
    doc = "# title\n## a\n中文 text\n## b\nEnglish: more\n"
    assert metric_sections(doc) == {"a": "\n中文 text\n", "b": "\nEnglish: more\n"}


# --- column contracts (the UI builds on these names) and hand-checked alert queries ---------------------------

COLUMNS = {
    "data_period": [
        "first_month",
        "last_month",
        "last_complete_month",
        "partial_month",
        "partial_days",
        "partial_days_in_month",
        "baseline_from",
        "baseline_to",
        "campaign_from",
        "as_of",
    ],
    "region_info": ["region_code", "name_zh", "name_en", "level", "parent_code"],
    "region_options": ["region_code", "name_zh", "name_en", "level", "parent_code"],
    "apps_per_cadre": [
        "month",
        "region_code",
        "name_zh",
        "name_en",
        "level",
        "cadres",
        "held_median",
        "held_mean",
        "held_p90",
        "held_share_above",
        "used_median",
        "used_mean",
        "used_p90",
        "used_share_above",
    ],
    "cadre_apps_by_month": ["month", "apps_held", "apps_used"],
}
KEYS = ["month", "region_code", "name_zh", "name_en", "level", "cadres"]
RATES = [
    "submits",
    "duplicate_submits",
    "duplicate_entry_rate",
    "fingertip_hours_per_cadre_week",
    "photos_per_task",
    "photo_minutes_per_cadre_week",
    "share_tasks_photo_required",
    "tasks_voided",
    "cases_total",
    "cases_done",
    "remediation_progress",
]


def _day(month: int, day: int) -> datetime:
    return datetime(2022 + (month + 9 - 1) // 12, (month + 9 - 1) % 12 + 1, day, 10)  # month 1 = 2022-10


@pytest.fixture(scope="module")
def alerts_db():
    """Oct 2022 - Sep 2023 (campaign from Jan). Apps: A everyday (integrated), B, C, D (zombie), E."""
    con = new_db()
    con.execute(
        "insert into apps select * replace ('E' as app_id, '应用E' as name_zh, 'App E' as name_en) "
        "from apps where app_id = 'A'"
    )
    con.execute("update apps set is_integrated = true where app_id = 'A'")
    con.execute("update apps set has_checkin = true where app_id = 'D'")
    add_cadres(con, [("c1", "330681120219"), ("c2", "330681120219"), ("c3", "330681104005"), ("c4", "330109001")])
    opened = datetime(2022, 1, 1).date()
    accounts = [(c, a, opened, None) for c in ("c1", "c2", "c3") for a in "AD"] + [("c1", "B", opened, None)]
    con.executemany("insert into app_accounts values (?, ?, ?, ?)", accounts)
    uses = [(c, "A", _day(m, 5)) for c in ("c1", "c2", "c3") for m in range(1, 13)]
    uses += [("c1", "A", _day(12, 28)), ("c3", "D", _day(4, 9)), ("c3", "E", _day(5, 20)), ("c3", "B", _day(6, 15))]
    uses += [("c1", "C", _day(6, 10)), ("c2", "C", _day(6, 10)), ("c1", "B", _day(10, 15))]
    c4_apps = {4: "ABC", 5: "AB", 6: "A", 7: "AB", 8: "ABC", 9: "ABC", 10: "ABC", 11: "ABC", 12: "ABC"}
    uses += [("c4", a, _day(m, 3)) for m, apps in c4_apps.items() for a in apps]
    add_events(con, [(i, ts, c, a, "open", 30, None, None, None) for i, (c, a, ts) in enumerate(uses, 1)])
    cases = [
        ("k1", "C", "delete", None, "330681120", datetime(2023, 3, 1).date()),  # last use Mar 10: in the grace
        ("k2", "E", "delete", None, "330681", datetime(2023, 2, 1).date()),  # c3 uses E on Feb 20
        ("k3", "B", "merge", "A", "330681104", datetime(2023, 4, 1).date()),  # c3 left B in March, uses A
        ("k4", "D", "merge", "C", "330681", datetime(2023, 2, 1).date()),  # c3 (a D user) never used C
        ("k5", "E", "merge", "A", "330109", datetime(2023, 2, 1).date()),  # no user of E in scope
    ]
    for case_id, app_id, action, target, scope, done_on in cases:
        con.execute(
            "insert into remediation_cases (case_id, app_id, scope_region_code, finding, action, target_app_id, "
            "status, source, identified_on, done_on) "
            "values (?, ?, ?, 'zombie', ?, ?, 'done', 'inspection', date '2022-12-01', ?)",
            [case_id, app_id, scope, action, target, done_on],
        )
    rollups.build(con)
    yield con
    con.close()


def test_overview_query_columns(alerts_db):
    months = {"from": None, "to": None}
    frames = {
        "data_period": db.run(alerts_db, "data_period"),
        "region_info": db.run(alerts_db, "region_info", region="330681"),
        "region_options": db.run(alerts_db, "region_options"),
        "apps_per_cadre": db.run(
            alerts_db, "apps_per_cadre", region=None, children=True, by_month=True, target=5, **months
        ),
        "cadre_apps_by_month": db.run(alerts_db, "cadre_apps_by_month", cadre_id="c1"),
    }
    for name, frame in frames.items():
        assert frame.columns == COLUMNS[name], name
    rates = db.run(alerts_db, "burden_rates", region="330681", children=False, by_month=False, **months)
    assert rates.columns[: len(KEYS)] == KEYS and set(RATES) <= set(rates.columns)
    assert frames["data_period"].row(0) == (  # the data ends on 28 September: a month to date
        date(2022, 10, 1),
        date(2023, 9, 1),
        date(2023, 8, 1),
        date(2023, 9, 1),
        28,
        30,
        date(2022, 10, 1),
        date(2022, 12, 1),
        date(2023, 1, 1),
        date(2023, 9, 28),
    )
    assert frames["region_options"]["level"].to_list() == ["province", "city", "county", "city", "county"]
    assert frames["apps_per_cadre"].height == 12 * 2  # two cities, every month
    assert db.run(alerts_db, "region_info", region="339999").height == 0  # well-formed, unknown
    with pytest.raises(db.ScopeError):  # outside Zhejiang: outside every scope, refused before SQL
        db.run(alerts_db, "region_info", region="999999")
    assert db.run(alerts_db, "region_info", region=None)["region_code"].to_list() == ["33"]


def test_app_flags_zombie_and_island(alerts_db):
    def flags(**overrides):
        params = {
            "region": "330681",
            "as_of": None,
            "zombie_share": 0.05,
            "zombie_active_days": 90,
            "zombie_silent_days": 60,
        } | overrides
        frame = db.run(alerts_db, "app_flags", **params)
        return {row["app_id"]: row for row in frame.iter_rows(named=True)}

    apps = flags()
    assert sorted(apps) == ["A", "B", "C", "D", "E"]  # c4 (萧山区) is out of scope
    assert (apps["A"]["accounts_held"], apps["A"]["share_active"], apps["A"]["is_zombie"]) == (3, 1.0, False)
    assert (apps["D"]["accounts_held"], apps["D"]["active_users_90d"], apps["D"]["is_zombie"]) == (3, 0, True)
    assert apps["D"]["last_event_on"] == date(2023, 1, 9) and apps["D"]["has_prohibited_feature"]
    # B: its one holder was active 75 days before the as-of date (share 100%), but nothing in the last 60 days
    assert (apps["B"]["share_active"], apps["B"]["is_zombie"]) == (1.0, True)
    assert flags(zombie_silent_days=80)["B"]["is_zombie"] is False
    assert sorted(a for a, row in apps.items() if row["is_island"]) == ["B", "C", "D", "E"]
    assert flags(as_of=date(2023, 2, 28))["D"]["is_zombie"] is False  # c3 used D in January


def test_superficial_fixes(alerts_db):
    frame = db.run(alerts_db, "reference/superficial_fixes_by_cadre_month", region=None, to=None, grace_days=14)
    got = {row["case_id"]: row for row in frame.iter_rows(named=True)}
    assert {k: got[k]["is_superficial"] for k in got} == {"k1": False, "k2": True, "k3": False, "k4": True, "k5": False}
    assert (got["k2"]["users_after_grace"], got["k2"]["last_event_on"]) == (1, date(2023, 2, 20))
    assert (got["k4"]["users"], got["k4"]["users_never_on_target"]) == (1, 1)
    assert (got["k5"]["users"], got["k5"]["users_never_on_target"], got["k5"]["last_event_on"]) == (0, 0, None)
    scoped = db.run(alerts_db, "reference/superficial_fixes_by_cadre_month", region="330681104", to=None, grace_days=14)
    assert scoped["case_id"].to_list() == ["k3"]
    assert db.run(alerts_db, "reference/superficial_fixes_by_cadre_month", region=None, to=None, grace_days=30).filter(
        pl.col("case_id") == "k2"
    )["is_superficial"].to_list() == [False]
    # a merge waits its grace days as a delete does: with 300 days, k4 (done 1 Feb) is not judged by 28 Sep
    assert db.run(alerts_db, "reference/superficial_fixes_by_cadre_month", region=None, to=None, grace_days=300).filter(
        pl.col("case_id") == "k4"
    )["is_superficial"].to_list() == [False]


def test_rebounds(alerts_db):
    params = {"region": None, "from": None, "to": None, "min_rise_apps": 0.25, "min_rise_rate": 0.02}
    frame = db.run(alerts_db, "rebounds", level=None, **params)
    # c4 (萧山区) uses 3, 2, 1 apps, then 2, 3: two rises of one app after the March low
    assert frame["region_code"].to_list() == ["3301", "330109", "330109001"]
    row = db.run(alerts_db, "rebounds", level="county", **params).row(0, named=True)
    assert (row["region_code"], row["metric"], row["low_month"]) == ("330109", "apps_used_mean", date(2023, 3, 1))
    assert (row["low_value"], row["value_1"], row["value_2"]) == (1.0, 2.0, 3.0)
    assert db.run(alerts_db, "rebounds", level=None, **params | {"min_rise_apps": 1.5}).height == 0
    assert db.run(alerts_db, "rebounds", level=None, **params | {"region": "3306"}).height == 0
    # the period: ending in April, only one rise follows the March low; from April, the low is April's 2 apps
    # and May's 3 is one rise only; September is a month to date (data to the 28th): never a rise of its own
    assert db.run(alerts_db, "rebounds", level=None, **params | {"to": date(2023, 4, 1)}).height == 0
    assert db.run(alerts_db, "rebounds", level=None, **params | {"from": date(2023, 4, 1)}).height == 0
    assert db.run(alerts_db, "rebounds", level=None, **params | {"to": date(2023, 5, 1)}).height == 3
