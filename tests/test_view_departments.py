"""部门条线 Departments: the page shows what line_load, line_pairs and apps_driving_load return; the per-line stack is
recounted with Polars from the raw demo files; a line drills to its apps and its owner departments' cases."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest

from burden import access, db, lines
from burden.filters import ViewState
from burden.i18n import EN
from burden.views import departments
from tests.apptest_util import assert_filters, open_view

PAGE = "app_pages/departments.py"
LINK = {"lang": "en", "region": "330681", "from": "2023-03", "to": "2023-10"}
LATEST = date(2023, 10, 1)
VILLAGE, COUNTY, PROVINCE = "330681120219", "330681", "33"
JUNE = (date(2023, 6, 1), date(2023, 6, 30))


@pytest.fixture(scope="module")
def con(small_db):
    with db.connect(small_db) as handle:
        yield handle


@pytest.fixture(scope="module")
def page(small_db):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BURDEN_DB", str(small_db))
        yield open_view(PAGE, LINK)


def _run(con, name: str, **params) -> pl.DataFrame:
    with access.using(access.local_scope()):
        return db.run(con, name, **params)


def _table(at, header: str) -> pl.DataFrame:
    """The page's table whose columns include `header` (as the reader sees it)."""
    for frame in at.dataframe:
        if header in frame.value.columns:
            return pl.from_pandas(frame.value)
    raise AssertionError(f"no table with column {header!r}")


def test_the_ranking_shows_line_load_of_the_latest_month_and_the_baseline(page, con):
    assert_filters(page, LINK)
    assert page.title[0].value == "Departments · Zhuji"
    shown = _table(page, EN["dept.col.apps_latest"])
    latest = _run(con, "line_load", region=COUNTY, **{"from": LATEST}, to=LATEST)
    base = _run(con, "line_load", region=COUNTY, **{"from": date(2022, 10, 1)}, to=date(2022, 12, 1))
    for load, column in ((latest, "dept.col.apps_latest"), (base, "dept.col.apps_base")):
        # every group's cadre-months, whichever lines reach it: the denominator of the pooled figure
        months = load.select("cadre_group", "cadre_months").unique()["cadre_months"].sum()
        expected = load.group_by("line").agg(pl.col("apps_held").sum() / months)
        got = dict(zip(shown[EN["dept.col.code"]], shown[EN[column]], strict=True))
        for line, value in expected.rows():
            assert got[line] == pytest.approx(round(value, 2), abs=1e-9), (line, column)
    # heaviest on the cadre first
    order = shown[EN["dept.col.apps_latest"]].to_list()
    assert order == sorted(order, reverse=True) and len(order) >= 6
    pairs = _run(con, "line_pairs", region=COUNTY, **{"from": date(2023, 3, 1)}, to=LATEST)
    between = pairs.filter(pl.col("original_line") != pl.col("line"))
    shown_pairs = _table(page, EN["dept.col.repeat_line"])
    assert shown_pairs[EN["dept.col.duplicates"]].to_list() == between["duplicates"].head(10).to_list()
    assert between.height > 0


def test_each_bar_adds_up_to_the_groups_apps_held_per_cadre_from_cadre_month(con):
    """The stack's segments are the line's share of the group's whole load: summed over lines they equal the
    group's mean apps held per cadre, counted from another rollup (cadre_month) without any line."""
    for region in (VILLAGE, COUNTY, PROVINCE):
        load = _run(con, "line_load", region=region, **{"from": LATEST}, to=LATEST)
        whole = con.execute(
            """
            select case when length(c.region_code) = 12 then 'village' else 'town' end, avg(m.apps_held)
            from cadre_month m join cadres c using (cadre_id)
            where m.month = $month and starts_with(c.region_code, $region)
            group by 1
            """,
            {"month": LATEST, "region": region},
        ).fetchall()
        sums = dict(load.group_by("cadre_group").agg(pl.col("apps_held_per_cadre").sum()).rows())
        assert set(sums) == {group for group, _ in whole}
        for group, mean in whole:
            assert sums[group] == pytest.approx(mean, rel=1e-12), (region, group)


def _recount(files, region: str) -> pl.DataFrame:
    """June 2023's per-line load per cadre group, from the raw demo files (Parquet) with Polars alone."""
    first, last = JUNE
    weeks = (last.day) / 7.0
    cadres = pl.read_parquet(files / "cadres.parquet").filter(pl.col("region_code").str.starts_with(region))
    cadres = cadres.select(
        "cadre_id",
        cadre_group=pl.when(pl.col("region_code").str.len_chars() == 12)
        .then(pl.lit("village"))
        .otherwise(pl.lit("town")),
    )
    sizes = cadres.group_by("cadre_group").agg(size=pl.len())
    apps = pl.read_parquet(files / "apps.parquet").select("app_id", line=pl.col("line").fill_null(lines.UNKNOWN))
    accounts = pl.read_parquet(files / "app_accounts.parquet")
    held = accounts.filter(
        (pl.col("opened_on") <= last) & (pl.col("closed_on").is_null() | (pl.col("closed_on") > last))
    ).unique(["cadre_id", "app_id"])
    in_june = (pl.col("ts") >= pl.lit(first).cast(pl.Datetime)) & (
        pl.col("ts") < pl.lit(date(2023, 7, 1)).cast(pl.Datetime)
    )
    events = pl.scan_parquet(files / "app_events" / "*.parquet").filter(in_june).collect()
    photos = pl.scan_parquet(files / "photo_uploads" / "*.parquet").filter(in_june).collect()

    def per_line(frame: pl.DataFrame, name: str, value: pl.Expr) -> pl.DataFrame:
        joined = frame.join(cadres, on="cadre_id").join(apps, on="app_id")
        return joined.group_by("cadre_group", "line").agg(value.alias(name))

    out = per_line(held, "apps_held", pl.len())
    out = out.join(
        per_line(events, "duration_s", pl.col("duration_s").sum()),
        on=["cadre_group", "line"],
        how="full",
        coalesce=True,
    )
    out = out.join(per_line(photos, "photos", pl.len()), on=["cadre_group", "line"], how="full", coalesce=True)
    out = out.fill_null(0).join(sizes, on="cadre_group")
    return out.select(
        "cadre_group",
        "line",
        apps_held_per_cadre=pl.col("apps_held") / pl.col("size"),
        hours_per_cadre_week=pl.col("duration_s") / 3600.0 / (pl.col("size") * weeks),
        photos_per_cadre_week=pl.col("photos") / (pl.col("size") * weeks),
    )


@pytest.mark.parametrize("region", [VILLAGE, COUNTY, PROVINCE], ids=["village", "county", "province"])
def test_the_stack_equals_a_polars_recount_from_the_raw_files(small_db, con, region):
    expected = _recount(small_db.parent / "files", region)
    got = _run(con, "line_load", region=region, **{"from": JUNE[0]}, to=JUNE[0])
    # a line whose apps only photographed or only held still has a row; one with nothing at all has none
    expected = expected.filter(
        (pl.col("apps_held_per_cadre") > 0)
        | (pl.col("hours_per_cadre_week") > 0)
        | (pl.col("photos_per_cadre_week") > 0)
    )
    keys = ["cadre_group", "line"]
    joined = expected.join(got, on=keys, how="full", suffix="_db", coalesce=True)
    assert joined.height == expected.height == got.height, joined.filter(pl.any_horizontal(pl.all().is_null()))
    assert joined["cadre_group"].n_unique() >= (1 if region == VILLAGE else 2)
    for column in departments.FIGURES.values():
        name = column[0]
        for row in joined.select(*keys, name, name + "_db").rows():
            assert row[3] == pytest.approx(row[2], rel=1e-9, abs=1e-12), (region, row)


def test_a_line_drills_to_its_apps_and_its_departments_cases(small_db, con):
    owners = _run(con, "app_lines")
    all_cases = _run(con, "cases_at_end", region=COUNTY, to=LATEST).join(owners, on="app_id")
    apps = _run(con, "apps_driving_load", region=COUNTY, month=LATEST).join(owners.drop("owner_dept"), on="app_id")
    with_apps = all_cases.filter(pl.col("line").is_in(apps["line"].to_list()))
    line = with_apps.group_by("line").len().sort(["len", "line"], descending=[True, False])["line"][0]  # most cases
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BURDEN_DB", str(small_db))
        at = open_view(PAGE, LINK | {"line": line})
    assert dict(at.query_params)["line"] == line
    assert at.header[0].value == EN["dept.line"].format(line=lines.by_code()[line].en)
    owned = owners.filter(pl.col("line") == line)["app_id"]
    expected = apps.filter(pl.col("line") == line)
    shown = _table(at, EN["dept.col.holders"])
    assert shown[EN["dept.col.app_id"]].to_list() == expected["app_id"].to_list()
    assert shown[EN["dept.col.holders"]].to_list() == expected["accounts_held"].to_list()
    cases = _run(con, "cases_at_end", region=COUNTY, to=LATEST).filter(pl.col("app_id").is_in(owned.to_list()))
    depts = owners.filter(pl.col("app_id").is_in(cases["app_id"].to_list()))["owner_dept"].unique()
    owner_rows = [e for e in at.expander if e.label.split(": ")[0] in set(depts)]  # the rules have theirs too
    assert len(owner_rows) == depts.len() > 0
    assert sum(int(re.search(r"\d+", e.label.split(": ")[1])[0]) for e in owner_rows) == cases.height


def test_the_view_model_keeps_zero_for_a_line_cut_by_the_latest_month(small_db):
    """A line whose apps no cadre holds any more puts 0 apps on them, not an unknown figure."""
    with pytest.MonkeyPatch.context() as patch, access.using(access.local_scope()):
        patch.setenv("BURDEN_DB", str(small_db))
        data = departments.load(ViewState(start="2022-10", end="2024-02", region=COUNTY), ("2022-10", "2022-12"))
    ranking = departments.ranking(data)
    cut = ranking.filter(pl.col("apps_held_per_cadre_latest") == 0)
    assert cut.height > 0 and (cut["apps_held_per_cadre"] > 0).all()
    assert ranking.null_count().sum_horizontal()[0] == 0


def test_the_rules_section_lists_each_rules_violations_with_evidence_and_a_link_to_the_app(small_db, con):
    """诸暨 in 2024-03: every rule's table holds the apps rules.violations finds from the queries run directly; an
    app of the catalogue links to its page with the view kept, the planted unregistered app (not in the catalogue,
    so no page) has none, and its evidence counts the county's rejected rows."""
    link = {"lang": "en", "region": COUNTY, "from": "2023-10", "to": "2024-03"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BURDEN_DB", str(small_db))
        at = open_view(PAGE, link)
    month = date(2024, 3, 1)
    tables = [pl.from_pandas(f.value) for f in at.dataframe if EN["rules.col.evidence"] in f.value.columns]
    shown = {app: row for t in tables for app, *row in t.select(EN["dept.col.app_id"], EN["rules.col.link"]).rows()}
    unregistered = _run(con, "unregistered_apps", region=COUNTY, month=month)
    assert unregistered["app_id"].to_list() == ["X330681-01"]
    assert shown["X330681-01"] == [None]
    listed = set(shown) - {"X330681-01"}
    assert listed and all(shown[app] == [f"apps?lang=en&region={COUNTY}&from=2023-10&app={app}"] for app in listed)
    # the expanders' counts are each rule's violations, the tables' rows are their union
    counts = [int(re.search(r": (\d+) app", e.label).group(1)) for e in at.expander if "app(s)" in e.label]
    assert sum(counts) == sum(t.height for t in tables) and len(counts) == 5
    evidence = next(t for t in tables if "X330681-01" in t[EN["dept.col.app_id"]].to_list())
    text = evidence.filter(pl.col(EN["dept.col.app_id"]) == "X330681-01")[EN["rules.col.evidence"]][0]
    row = unregistered.row(0, named=True)
    assert f"{row['rows']} log rows of {row['cadres']} cadres" in text and "unregistered_app_events.csv" in text
