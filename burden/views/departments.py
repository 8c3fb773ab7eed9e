"""Departments view model (部门条线): which lines put the load on a grassroots cadre (上面千条线，下面一根针).

Per line (条线, data/lines.toml) for the region: apps held per cadre, fingertip hours and photos per cadre-week,
baseline against the latest month, split by cadre group (village cadres, town staff); duplicate entries between
lines; remediation cases and superficial fixes. A line (`line=` in the URL) drills to its apps and its owner
departments' cases. db.query calls and Polars shaping only; app_pages/departments.py draws what this returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from burden import db, i18n, labels, lines, rules, settings
from burden.filters import ViewState, month_start
from burden.i18n import t

GROUPS = ("village", "town")  # cadre groups, in the chart's order: village cadres, then town staff
STACKED = 8  # lines drawn one by one in the stack; the others are summed into one segment
# The stack's figures: (column of line_load, text key); the registry's own units (per cadre, per cadre-week)
FIGURES = {
    "apps": ("apps_held_per_cadre", "dept.fig.apps"),
    "hours": ("hours_per_cadre_week", "dept.fig.hours"),
    "photos": ("photos_per_cadre_week", "dept.fig.photos"),
}
# An app of apps_driving_load reaches the cadres when any holds an account or used it in the month
_HELD_OR_USED = (pl.col("accounts_held") > 0) | (pl.col("active_users") > 0)
_SUMS = ("apps_held", "apps_used", "duration_s", "photos", "cadres_reached", "submits", "duplicate_submits")


@dataclass(frozen=True)
class DepartmentsData:
    region: dict
    baseline: pl.DataFrame  # line_load over the baseline months
    latest: pl.DataFrame  # line_load over the latest month (the period's last)
    pairs: pl.DataFrame  # line_pairs over the period
    apps: pl.DataFrame  # apps_driving_load in the latest month, with each app's line
    cases: pl.DataFrame  # cases_at_end with each app's line and owner department
    fixes: pl.DataFrame  # fix_checks with each app's line
    facts: pl.DataFrame  # app_lines: every visible app's line, owner, level, launch date, prohibited features
    rule_inputs: rules.Inputs  # what the rules check in the latest month


def load(state: ViewState, baseline: tuple[str, str]) -> DepartmentsData:
    params = state.query_params()
    region = db.query("region_info", region=state.region).row(0, named=True)
    base = db.query("line_load", region=state.region, **{"from": month_start(baseline[0])}, to=month_start(baseline[1]))
    latest = db.query("line_load", region=state.region, **{"from": params["to"]}, to=params["to"])
    apps, facts, inputs = _rule_inputs(state)
    owners = facts.select("app_id", "line", "owner_dept")
    cases = db.query("cases_at_end", region=state.region, to=params["to"])
    fixes = db.query("fix_checks", region=state.region, to=params["to"], grace_days=settings.SUPERFICIAL_FIX_DAYS)
    return DepartmentsData(
        region=region,
        baseline=base,
        latest=latest,
        pairs=db.query("line_pairs", **params),
        apps=_with_line(apps.drop("owner_dept"), owners),
        cases=_with_line(cases, owners),
        fixes=_with_line(fixes, owners),
        facts=facts,
        rule_inputs=inputs,
    )


def _rule_inputs(state: ViewState) -> tuple[pl.DataFrame, pl.DataFrame, rules.Inputs]:
    """apps_driving_load of the period's last month, every visible app's catalogue facts (app_lines), and what the
    rules read: the apps held or used by the region's cadres with their facts, photo_apps and unregistered_apps of
    that month."""
    to = state.query_params()["to"]
    apps, facts = db.query("apps_driving_load", region=state.region, month=to), db.query("app_lines")
    used = apps.filter(_HELD_OR_USED).select("app_id")
    inputs = rules.Inputs(
        apps=used.join(facts, on="app_id"),
        photos=db.query("photo_apps", region=state.region, **{"from": to}, to=to),
        unregistered=db.query("unregistered_apps", region=state.region, month=to),
    )
    return apps, facts, inputs


def _with_line(frame: pl.DataFrame, owners: pl.DataFrame) -> pl.DataFrame:
    """The app's line and owner department beside each row (an app the viewer may not see: line unknown)."""
    joined = frame.join(owners, on="app_id", how="left")
    return joined.with_columns(pl.col("line").fill_null(lines.UNKNOWN), pl.col("owner_dept").fill_null(""))


def pooled(load: pl.DataFrame) -> pl.DataFrame:
    """Every grassroots cadre together, per line: the groups' sums over the groups' cadre-months and -weeks
    (a group no app of the line reaches still counts in the denominator)."""
    schema = {
        "line": pl.String,
        **{name: pl.Float64 for name, _ in FIGURES.values()},
        "share_cadres_reached": pl.Float64,
    }
    if load.height == 0:
        return pl.DataFrame(schema=schema)
    sizes = load.select("cadre_group", "cadre_months", "cadre_weeks").unique()
    months, weeks = sizes["cadre_months"].sum(), sizes["cadre_weeks"].sum()
    sums = load.group_by("line").agg(pl.col(name).sum() for name in _SUMS)
    return sums.select(
        "line",
        apps_held_per_cadre=pl.col("apps_held") / months,
        hours_per_cadre_week=pl.col("duration_s") / 3600.0 / weeks,
        photos_per_cadre_week=pl.col("photos") / weeks,
        share_cadres_reached=pl.col("cadres_reached") / months,
    )


def ranking(data: DepartmentsData) -> pl.DataFrame:
    """One row per line reaching the region's cadres (baseline or latest), the heaviest on a cadre first: apps held
    per cadre latest (then baseline) descending. Codes and figures; `ranking_table` names them for the screen."""
    base, latest = pooled(data.baseline), pooled(data.latest)
    codes = sorted(set(base["line"]) | set(latest["line"]))
    frame = pl.DataFrame({"line": pl.Series(codes, dtype=pl.String)})
    frame = frame.join(base, on="line", how="left").join(latest, on="line", how="left", suffix="_latest")
    frame = frame.join(_reach(data.apps), on="line", how="left")
    frame = frame.join(_duplicates(data.pairs), on="line", how="left")
    frame = frame.join(_cases(data.cases, data.fixes), on="line", how="left")
    # a line no cadre's app reaches in one of the two windows puts no load on them then: 0, not unknown
    counts = ("apps_province", "apps_city", "apps_county", "duplicates", "cases", "cases_done", "superficial")
    figures = [c for c in frame.columns if c not in ("line", *counts)]
    frame = frame.with_columns(
        *(pl.col(name).fill_null(0) for name in counts), *(pl.col(c).fill_null(0.0) for c in figures)
    )
    return frame.sort(
        ["apps_held_per_cadre_latest", "apps_held_per_cadre", "line"], descending=[True, True, False], nulls_last=True
    )


def _reach(apps: pl.DataFrame) -> pl.DataFrame:
    """Per line, the apps held or used by the region's cadres in the latest month, by the owner's level."""
    reached = apps.filter(_HELD_OR_USED)
    return reached.group_by("line").agg(
        apps_province=(pl.col("level") == "province").sum(),
        apps_city=(pl.col("level") == "city").sum(),
        apps_county=(pl.col("level") == "county").sum(),
    )


def _duplicates(pairs: pl.DataFrame) -> pl.DataFrame:
    """Per line, the duplicate submits between it and another line, whichever side the first entry was on."""
    between = pairs.filter(pl.col("original_line") != pl.col("line"))
    sides = pl.concat(
        [between.select("line", "duplicates"), between.select(pl.col("original_line").alias("line"), "duplicates")]
    )
    return sides.group_by("line").agg(pl.col("duplicates").sum())


def _cases(cases: pl.DataFrame, fixes: pl.DataFrame) -> pl.DataFrame:
    counts = cases.group_by("line").agg(cases=pl.len(), cases_done=pl.col("is_done").sum())
    superficial = fixes.filter(pl.col("is_superficial")).group_by("line").agg(superficial=pl.len())
    return counts.join(superficial, on="line", how="left")


def top_lines(ranked: pl.DataFrame, figure: str, n: int = STACKED) -> list[str]:
    """The n lines of ranking() with the most of the figure, baseline and latest month together (a line the
    campaign cut shows where its load went): drawn one by one, the heaviest first."""
    column = FIGURES[figure][0]
    frame = ranked.with_columns(both=pl.col(column) + pl.col(column + "_latest"))
    return frame.filter(pl.col("both") > 0).sort(["both", "line"], descending=[True, False])["line"].head(n).to_list()


def stack(data: DepartmentsData, figure: str, keep: list[str]) -> pl.DataFrame:
    """千条线 → 一根针: per bar (cadre group x baseline | latest) and line, the figure per cadre of the group; a
    bar's segments add up to the group's whole figure. Lines beyond the top ones are one segment, "other"."""
    column = FIGURES[figure][0]
    rows = []
    for group in GROUPS:
        for when, load in (("baseline", data.baseline), ("latest", data.latest)):
            part = load.filter(pl.col("cadre_group") == group)
            if part.height == 0:
                continue
            for line, value in zip(part["line"], part[column], strict=True):
                rows.append((group, when, line if line in keep else "other", value))
    frame = pl.DataFrame(rows, schema=["cadre_group", "when", "line", "value"], orient="row")
    if frame.height == 0:
        return frame
    return frame.group_by("cadre_group", "when", "line", maintain_order=True).agg(pl.col("value").sum())


@dataclass(frozen=True)
class StackChart:
    frame: pl.DataFrame  # stack(): cadre_group, when, line, value
    bars: list[tuple[str, str, str]]  # (cadre_group, when, label), top to bottom
    names: dict[str, str]  # line code -> name, in drawing order; "other" last
    title: str
    digits: int


def stack_chart(data: DepartmentsData, ranked: pl.DataFrame, figure: str, latest: str) -> StackChart:
    """What the 千条线 → 一根针 chart draws: a bar per cadre group with rows, baseline then latest month.
    ranked: ranking(data), which the page shows too."""
    keep = top_lines(ranked, figure)
    frame = stack(data, figure, keep)
    when_label = {"baseline": t("dept.baseline"), "latest": latest}  # the baseline's months are in the caption
    have = set(frame.select("cadre_group", "when").rows()) if frame.height else set()
    bars = [
        (group, when, t(f"dept.group.{group}") + " · " + when_label[when])
        for group in GROUPS
        for when in ("baseline", "latest")
        if (group, when) in have
    ]
    names = {code: lines.name(code) for code in keep}
    if frame.height and "other" in set(frame["line"]):
        names["other"] = t("dept.other_lines")
    return StackChart(frame, bars, names, stack_title(data, figure), 1 if figure == "apps" else 2)


def pairs_table(pairs: pl.DataFrame, n: int = 10) -> pl.DataFrame:
    """The pairs of different lines whose cadres typed the same entry twice, most first (as shown and exported)."""
    between = pairs.filter(pl.col("original_line") != pl.col("line")).head(n)
    total = pairs["duplicates"].sum() if pairs.height else 0
    return pl.DataFrame(
        {
            t("dept.col.original_line"): pl.Series([lines.name(c) for c in between["original_line"]], dtype=pl.String),
            t("dept.col.repeat_line"): pl.Series([lines.name(c) for c in between["line"]], dtype=pl.String),
            t("dept.col.duplicates"): between["duplicates"],
            t("dept.col.share"): (between["duplicates"] / total * 100).round(1)
            if total
            else between["duplicates"] * 0.0,
        }
    )


def ranking_table(frame: pl.DataFrame) -> pl.DataFrame:
    """The ranking as shown and exported: names, figures rounded as displayed, rates as percentages."""
    return pl.DataFrame(
        {
            t("dept.col.line"): pl.Series([lines.name(c) for c in frame["line"]], dtype=pl.String),
            t("dept.col.apps_base"): frame["apps_held_per_cadre"].round(2),
            t("dept.col.apps_latest"): frame["apps_held_per_cadre_latest"].round(2),
            t("dept.col.hours_base"): frame["hours_per_cadre_week"].round(2),
            t("dept.col.hours_latest"): frame["hours_per_cadre_week_latest"].round(2),
            t("dept.col.photos_latest"): frame["photos_per_cadre_week_latest"].round(2),
            t("dept.col.reached"): (frame["share_cadres_reached_latest"] * 100).round(1),
            t("dept.col.apps_province"): frame["apps_province"],
            t("dept.col.apps_city"): frame["apps_city"],
            t("dept.col.apps_county"): frame["apps_county"],
            t("dept.col.duplicates"): frame["duplicates"],
            t("dept.col.cases"): frame["cases"],
            t("dept.col.done"): frame["cases_done"],
            t("dept.col.superficial"): frame["superficial"],
            t("dept.col.code"): frame["line"],
        }
    )


def line_apps(data: DepartmentsData, line: str) -> pl.DataFrame:
    """The line's apps held or used by the region's cadres in the latest month, most hours first."""
    return data.apps.filter(pl.col("line") == line)


def line_apps_table(apps: pl.DataFrame) -> pl.DataFrame:
    names = [labels.app_name(*r) for r in apps.select("name_zh", "name_en", "app_id").rows()]
    return pl.DataFrame(
        {
            t("dept.col.app"): pl.Series(names, dtype=pl.String),
            t("dept.col.app_id"): apps["app_id"],
            t("dept.col.level"): pl.Series([t(f"level.{v}") for v in apps["level"]], dtype=pl.String),
            t("dept.col.owner"): apps["owner_dept"],
            t("dept.col.holders"): apps["accounts_held"],
            t("dept.col.users"): apps["active_users"],
            t("dept.col.hours"): apps["hours_per_cadre_week"].round(2),
        }
    )


def departments(data: DepartmentsData, line: str) -> pl.DataFrame:
    """The line's owner departments with cases in the region: cases, done, overdue, superficial; most cases first."""
    cases = data.cases.filter(pl.col("line") == line)
    superficial = set(data.fixes.filter((pl.col("line") == line) & pl.col("is_superficial"))["case_id"])
    frame = cases.with_columns(is_superficial=pl.col("case_id").is_in(list(superficial)))
    return (
        frame.group_by("owner_dept")
        .agg(
            cases=pl.len(),
            done=pl.col("is_done").sum(),
            overdue=pl.col("is_overdue").sum(),
            superficial=pl.col("is_superficial").sum(),
        )
        .sort(["cases", "owner_dept"], descending=[True, False])
    )


def department_cases(data: DepartmentsData, line: str, dept: str) -> pl.DataFrame:
    """One owner department's cases in the region (as shown and exported)."""
    cases = data.cases.filter((pl.col("line") == line) & (pl.col("owner_dept") == dept))
    superficial = set(data.fixes.filter(pl.col("is_superficial"))["case_id"])
    names = [labels.app_name(*r) for r in cases.select("app_name_zh", "app_name_en", "app_id").rows()]
    places = [i18n.region_name(*r) for r in cases.select("scope_name_zh", "scope_name_en").rows()]
    return pl.DataFrame(
        {
            t("dept.col.case"): cases["case_id"],
            t("dept.col.app"): pl.Series(names, dtype=pl.String),
            t("dept.col.scope"): pl.Series(places, dtype=pl.String),
            t("dept.col.action"): pl.Series([t(f"rem.action.{a}") for a in cases["action"]], dtype=pl.String),
            t("dept.col.status"): pl.Series([t(f"rem.stage.{s}") for s in cases["status_at_end"]], dtype=pl.String),
            t("dept.col.superficial"): pl.Series(
                [t("dept.yes") if c in superficial else "" for c in cases["case_id"]], dtype=pl.String
            ),
        }
    )


def region_label(region: dict) -> str:
    return i18n.region_name(region["name_zh"], region["name_en"])


def stack_title(data: DepartmentsData, figure: str) -> str:
    """The line that puts the most of the figure on the average cadre in the latest month, and how much."""
    column = FIGURES[figure][0]
    latest = pooled(data.latest).sort([column, "line"], descending=[True, False])
    if latest.height == 0:
        return t("dept.stack")
    top = latest.row(0, named=True)
    return t(
        "dept.stack_title",
        line=lines.name(top["line"]),
        value=i18n.fmt_num(top[column], 1 if figure == "apps" else 2),
    )


def pairs_note(pairs: pl.DataFrame) -> str:
    """How many of the period's duplicate submits cross lines, and how many stay within one line."""
    total = int(pairs["duplicates"].sum()) if pairs.height else 0
    within = int(pairs.filter(pl.col("original_line") == pl.col("line"))["duplicates"].sum()) if pairs.height else 0
    return t(
        "dept.pairs_note",
        between=i18n.fmt_num(total - within, 0),
        within=i18n.fmt_num(within, 0),
        share=i18n.fmt_pct((total - within) / total if total else None),
    )


def rule_results(data: DepartmentsData) -> list[tuple[rules.Rule, pl.DataFrame]]:
    """Each rule of data/rules.toml with its violations in the region (app_id, evidence)."""
    return [(rule, rules.violations(rule, data.rule_inputs)) for rule in rules.all_rules()]


def violations_table(found: pl.DataFrame, facts: pl.DataFrame, link: Callable[[str], str]) -> pl.DataFrame:
    """A rule's violations as shown and exported: the app, the evidence, the app's line, level and owner, and a link to
    its page (link(app_id)); an app the catalogue lacks (未备案) has no page, so no link, and no owner."""
    rows = found.join(facts.with_columns(listed=pl.lit(True)), on="app_id", how="left")
    names = [labels.app_name(*r) for r in rows.select("name_zh", "name_en", "app_id").rows()]
    return pl.DataFrame(
        {
            t("dept.col.app"): pl.Series(names, dtype=pl.String),
            t("dept.col.app_id"): rows["app_id"],
            t("rules.col.evidence"): rows["evidence"],
            t("dept.col.line"): pl.Series([lines.name(c) for c in rows["line"]], dtype=pl.String),
            t("dept.col.level"): pl.Series([t(f"level.{v}") if v else "" for v in rows["level"]], dtype=pl.String),
            t("dept.col.owner"): rows["owner_dept"].fill_null(""),
            t("rules.col.link"): pl.Series(
                [link(app) if listed else None for app, listed in rows.select("app_id", "listed").rows()],
                dtype=pl.String,
            ),
        }
    )


def rule_counts(state: ViewState) -> list[tuple[rules.Rule, int]]:
    """Each rule with its count of violating apps in the region's period's last month (the Overview's alerts and
    the briefing): the same inputs as the page's Rules section."""
    inputs = _rule_inputs(state)[2]
    return [(rule, rules.violations(rule, inputs).height) for rule in rules.all_rules()]


def heaviest_lines(state: ViewState, n: int = 3) -> list[tuple[str, float]]:
    """The n lines putting the most apps on the region's average grassroots cadre in the period's last month:
    (line code, apps held per cadre), heaviest first."""
    to = state.query_params()["to"]
    latest = pooled(db.query("line_load", region=state.region, **{"from": to}, to=to))
    top = latest.sort(["apps_held_per_cadre", "line"], descending=[True, False]).head(n)
    return top.select("line", "apps_held_per_cadre").rows()
