"""规则 Rules: checks of the apps reaching a region's grassroots cadres (data/rules.toml), each against a regulation or
the province's own rule. Pure Polars over frames the view model reads: `apps`, the apps held or used by the region's
cadres in the latest month (apps_driving_load) with their catalogue facts (app_lines), and `photos` (photo_apps of
that month). No queries and no Streamlit here, so the checks are tested on planted catalogues as on the demo.

Every check returns its violations, one row per app: app_id, and `evidence` (a short text in the current language).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

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


def prohibited_features(apps: pl.DataFrame, photos: pl.DataFrame, features: list[str]) -> pl.DataFrame:
    """Apps reaching the cadres that have any of the features."""
    reached = apps.filter(pl.any_horizontal(pl.col(f) for f in features))
    names = [
        i18n.t("rules.sep").join(i18n.t(f"rules.feature.{f}") for f in features if row[f])
        for row in reached.iter_rows(named=True)
    ]
    return reached.select("app_id").with_columns(evidence=pl.Series(names, dtype=pl.String))


def apps_per_line_level(
    apps: pl.DataFrame, photos: pl.DataFrame, max_apps: int, levels: list[str], exempt_apps: list[str]
) -> pl.DataFrame:
    """Apps of one line and one owner (the province, or one city) at a listed level, when more than max_apps of
    them reach the cadres: each app of such a group is a violation. Exempt apps (the unified platforms) are not
    counted; an app of no known line is in no group."""
    listed = pl.col("level").is_in(levels) & (pl.col("line") != "unknown") & ~pl.col("app_id").is_in(exempt_apps)
    reached = apps.filter(listed)
    groups = reached.group_by("line", "level", "owner_region_code").agg(n=pl.len(), ids=pl.col("app_id").sort())
    over = groups.filter(pl.col("n") > max_apps).explode("ids").rename({"ids": "app_id"})
    evidence = [
        i18n.t("rules.evidence.per_line", n=n, line=lines.name(line), level=i18n.t(f"level.{level}"), max=max_apps)
        for n, line, level in over.select("n", "line", "level").rows()
    ]
    return over.select("app_id").with_columns(evidence=pl.Series(evidence, dtype=pl.String))


def local_apps_after(apps: pl.DataFrame, photos: pl.DataFrame, levels: list[str], since: date) -> pl.DataFrame:
    """Apps of a listed (local) level launched on or after `since` that reach the cadres."""
    found = apps.filter(pl.col("level").is_in(levels) & (pl.col("launched_on") >= since))
    evidence = [i18n.t("rules.evidence.launched", on=d.isoformat()) for d in found["launched_on"]]
    return found.select("app_id").with_columns(evidence=pl.Series(evidence, dtype=pl.String))


def photo_required(apps: pl.DataFrame, photos: pl.DataFrame) -> pl.DataFrame:
    """Apps reaching the cadres whose catalogue entry requires a photo as proof of each task; the evidence is
    what the logs show in the latest month: the share of its tasks with a required photo."""
    found = apps.filter(pl.col("photo_required")).join(
        photos.select("app_id", "tasks", "share_tasks_photo_required"), on="app_id", how="left"
    )
    evidence = [
        i18n.t("rules.evidence.photos", share=i18n.fmt_pct(share, 0), tasks=i18n.fmt_num(tasks, 0))
        if tasks
        else i18n.t("rules.evidence.photos_catalogue")
        for share, tasks in found.select("share_tasks_photo_required", "tasks").rows()
    ]
    return found.select("app_id").with_columns(evidence=pl.Series(evidence, dtype=pl.String))


CHECKS: dict[str, Callable[..., pl.DataFrame]] = {
    "prohibited_features": prohibited_features,
    "apps_per_line_level": apps_per_line_level,
    "local_apps_after": local_apps_after,
    "photo_required": photo_required,
}


def violations(rule: Rule, apps: pl.DataFrame, photos: pl.DataFrame) -> pl.DataFrame:
    """The rule's violations: app_id, evidence, sorted by app id."""
    found = CHECKS[rule.check](apps, photos, **rule.params)
    return found.unique("app_id", keep="first").sort("app_id")
