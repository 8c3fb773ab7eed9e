"""规则 Rules: checks of the apps reaching a region's grassroots cadres (data/rules.toml), each against a regulation or
the province's own rule. Pure Polars over the frames the view model reads (Inputs): the apps held or used by the
region's cadres in the latest month with their catalogue facts, the photos of that month's tasks per app, and the app
ids of that month's rejected log rows that the catalogue does not list. No queries and no Streamlit here, so the
checks are tested on planted catalogues as on the demo.

Every check returns its violations, one row per app: app_id, and `evidence` (a short text in the current language).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import PurePath

import polars as pl

from burden import i18n, lines, settings


@dataclass(frozen=True)
class Rule:
    id: str
    check: str
    name_zh: str
    name_en: str
    source_zh: str
    source_en: str
    short_zh: str
    short_en: str
    params: dict = field(default_factory=dict)

    def name(self) -> str:
        return self.name_en if i18n.lang() == "en" else self.name_zh

    def short(self) -> str:
        return self.short_en if i18n.lang() == "en" else self.short_zh

    def source(self) -> str:
        return self.source_en if i18n.lang() == "en" else self.source_zh


@cache
def all_rules() -> tuple[Rule, ...]:
    raw = tomllib.loads(settings.RULES_FILE.read_text(encoding="utf-8"))["rule"]
    fixed = ("id", "check", "name_zh", "name_en", "source_zh", "source_en", "short_zh", "short_en")
    rules = tuple(Rule(*(r[k] for k in fixed), {k: v for k, v in r.items() if k not in fixed}) for r in raw)
    for rule in rules:
        if rule.check not in CHECKS:
            raise ValueError(f"{settings.RULES_FILE}: rule {rule.id}: unknown check {rule.check!r}")
    if len({r.id for r in rules}) != len(rules):
        raise ValueError(f"{settings.RULES_FILE}: rule ids must be unique")
    return rules


UNREGISTERED_SCHEMA = {
    "app_id": pl.String,
    "rows": pl.Int64,
    "events": pl.Int64,
    "photos": pl.Int64,
    "accounts": pl.Int64,
    "cadres": pl.Int64,
    "first_seen": pl.Datetime,
    "last_seen": pl.Datetime,
    "files": pl.List(pl.String),
}


@dataclass(frozen=True)
class Inputs:
    """What the checks read, for one region and month."""

    apps: pl.DataFrame  # apps held or used by the region's cadres, with app_lines' catalogue facts
    photos: pl.DataFrame  # photo_apps: app_id, tasks, share_tasks_photo_required
    unregistered: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=UNREGISTERED_SCHEMA))


def prohibited_features(inputs: Inputs, features: list[str]) -> pl.DataFrame:
    """Apps reaching the cadres that have any of the features."""
    reached = inputs.apps.filter(pl.any_horizontal(pl.col(f) for f in features))
    names = [
        i18n.t("rules.sep").join(i18n.t(f"rules.feature.{f}") for f in features if row[f])
        for row in reached.iter_rows(named=True)
    ]
    return reached.select("app_id").with_columns(evidence=pl.Series(names, dtype=pl.String))


def apps_per_line_level(inputs: Inputs, max_apps: int, levels: list[str], exempt_apps: list[str]) -> pl.DataFrame:
    """Apps of one line and one owner (the province, or one city) at a listed level, when more than max_apps of
    them reach the cadres: each app of such a group is a violation. Exempt apps (the unified platforms) are not
    counted; an app of no known line is in no group."""
    listed = pl.col("level").is_in(levels) & (pl.col("line") != "unknown") & ~pl.col("app_id").is_in(exempt_apps)
    reached = inputs.apps.filter(listed)
    groups = reached.group_by("line", "level", "owner_region_code").agg(n=pl.len(), ids=pl.col("app_id").sort())
    over = groups.filter(pl.col("n") > max_apps).explode("ids").rename({"ids": "app_id"})
    evidence = [
        i18n.t("rules.evidence.per_line", n=n, line=lines.name(line), level=i18n.t(f"level.{level}"), max=max_apps)
        for n, line, level in over.select("n", "line", "level").rows()
    ]
    return over.select("app_id").with_columns(evidence=pl.Series(evidence, dtype=pl.String))


def local_apps_after(inputs: Inputs, levels: list[str], since: date) -> pl.DataFrame:
    """Apps of a listed (local) level launched on or after `since` that reach the cadres."""
    found = inputs.apps.filter(pl.col("level").is_in(levels) & (pl.col("launched_on") >= since))
    evidence = [i18n.t("rules.evidence.launched", on=d.isoformat()) for d in found["launched_on"]]
    return found.select("app_id").with_columns(evidence=pl.Series(evidence, dtype=pl.String))


def photo_required(inputs: Inputs) -> pl.DataFrame:
    """Apps reaching the cadres whose catalogue entry requires a photo as proof of each task; the evidence is
    what the logs show in the latest month: the share of its tasks with a required photo."""
    found = inputs.apps.filter(pl.col("photo_required")).join(
        inputs.photos.select("app_id", "tasks", "share_tasks_photo_required"), on="app_id", how="left"
    )
    evidence = [
        i18n.t("rules.evidence.photos", share=i18n.fmt_pct(share, 0), tasks=i18n.fmt_num(tasks, 0))
        if tasks
        else i18n.t("rules.evidence.photos_catalogue")
        for share, tasks in found.select("share_tasks_photo_required", "tasks").rows()
    ]
    return found.select("app_id").with_columns(evidence=pl.Series(evidence, dtype=pl.String))


def unregistered(inputs: Inputs, min_rows: int) -> pl.DataFrame:
    """未备案: app ids the cadres' rejected log rows name that the catalogue does not list, with at least min_rows
    such rows in the month; the evidence is the rows, the cadres, the days and the files they came in."""
    found = inputs.unregistered.filter(pl.col("rows") >= min_rows)
    evidence = [
        i18n.t(
            "rules.evidence.unregistered",
            rows=i18n.fmt_num(rows, 0),
            cadres=i18n.fmt_num(cadres, 0),
            first=first.date().isoformat(),
            last=last.date().isoformat(),
            files=i18n.t("rules.sep").join(sorted({PurePath(f).name for f in files})),
        )
        for rows, cadres, first, last, files in found.select(
            "rows", "cadres", "first_seen", "last_seen", "files"
        ).rows()
    ]
    return found.select("app_id").with_columns(evidence=pl.Series(evidence, dtype=pl.String))


CHECKS: dict[str, Callable[..., pl.DataFrame]] = {
    "prohibited_features": prohibited_features,
    "apps_per_line_level": apps_per_line_level,
    "local_apps_after": local_apps_after,
    "photo_required": photo_required,
    "unregistered": unregistered,
}


def violations(rule: Rule, inputs: Inputs) -> pl.DataFrame:
    """The rule's violations: app_id, evidence, sorted by app id."""
    found = CHECKS[rule.check](inputs, **rule.params)
    return found.unique("app_id", keep="first").sort("app_id")
