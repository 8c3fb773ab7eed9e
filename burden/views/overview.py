"""Overview view model: headline cards, trend and ranking for one view state."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

import polars as pl

from burden import db, geo, i18n, labels, settings, summary
from burden.filters import ViewState
from burden.i18n import fmt_pct, t

ANNOTATIONS = settings.DATA_DIR / "annotations.toml"


@dataclass(frozen=True)
class OverviewData:
    region: dict
    headline: dict
    trend: pl.DataFrame
    ranking: pl.DataFrame
    compare_name: str | None = None
    compare_trend: pl.DataFrame | None = None


@dataclass(frozen=True)
class Card:
    metric: str
    label_key: str
    help_key: str
    baseline: float | None
    latest: float | None
    is_rate: bool = False
    lower_is_better: bool = True
    target: int | None = None


# (summary metric key, label, definition, is_rate, lower_is_better, has_target)
CARDS = (
    ("apps_held_per_cadre_median", "metric.apps_held", "def.apps_held", False, True, True),
    ("apps_used_per_cadre_median", "metric.apps_used", "def.apps_used", False, True, True),
    ("share_cadres_above_target", "metric.share_above", "def.share_above", True, True, False),
    ("duplicate_entry_rate", "metric.duplicate_rate", "def.duplicate_rate", True, True, False),
    ("photos_per_task", "metric.photos_per_task", "def.photos_per_task", False, True, False),
    ("fingertip_hours_per_cadre_week", "metric.fingertip_hours", "def.fingertip_hours", False, True, False),
    ("remediation_progress", "metric.remediation", "def.remediation", True, False, False),
)


def load(state: ViewState) -> OverviewData:
    params = state.query_params()
    region = db.query("region_info", region=state.region).row(0, named=True)
    headline = summary.summary(state.region, state.start, state.end, run=db.query)["metrics"]
    compare_name = compare_trend = None
    if state.compare:
        other = db.query("region_info", region=state.compare).row(0, named=True)
        compare_name = i18n.region_name(other["name_zh"], other["name_en"])
        compare_trend = trend({**params, "region": state.compare})
    return OverviewData(region, headline, trend(params), _ranking(state, params), compare_name, compare_trend)


def headline_cards(metrics: dict, target: int) -> list[Card]:
    return [
        Card(
            key,
            label,
            help_key,
            metrics[key]["baseline"],
            metrics[key]["latest"],
            is_rate,
            lower,
            target if has else None,
        )
        for key, label, help_key, is_rate, lower, has in CARDS
    ]


def trend(params: dict) -> pl.DataFrame:
    """Apps per cadre (median held and used) and the duplicate-entry rate of one region, by month."""
    apps = db.query("apps_per_cadre", **params, children=False, by_month=True, target=settings.APPS_TARGET)
    rates = db.query("burden_rates", **params, children=False, by_month=True)
    return apps.join(rates.select("month", "duplicate_entry_rate"), on="month", how="left").sort("month")


@cache
def _events() -> tuple[dict, ...]:
    with ANNOTATIONS.open("rb") as handle:
        return tuple(tomllib.load(handle)["event"])


def events(region: str) -> list[dict]:
    """Campaign and policy events for the trend charts, in the current language, for this region.

    An event tied to some regions shows for them, the regions above them and the regions inside them.
    """
    lang = i18n.lang()
    shown = []
    for event in _events():
        scopes = event.get("regions")
        if scopes and not any(region.startswith(s) or s.startswith(region) for s in scopes):
            continue
        shown.append({"month": event["month"], "label": event[lang], "note": event[f"note_{lang}"]})
    return shown


def _ranking(state: ViewState, params: dict) -> pl.DataFrame:
    """Child regions in the period's last month, most apps held first."""
    latest = {**params, "from": params["to"], "children": True, "by_month": False}
    apps = db.query("apps_per_cadre", **latest, target=settings.APPS_TARGET)
    rates = db.query("burden_rates", **latest)
    if apps.height == 0:
        return apps
    joined = apps.join(
        rates.select("region_code", "duplicate_entry_rate", "fingertip_hours_per_cadre_week", "remediation_progress"),
        on="region_code",
        how="left",
    )
    return labels.with_region_label(joined).sort(
        ["held_mean", "region_code"], descending=[True, False], nulls_last=True
    )


def ranking_table(ranking: pl.DataFrame) -> pl.DataFrame:
    """The ranking as shown on screen and exported: localised headers, figures rounded as displayed."""
    return ranking.select(
        *labels.region_columns(),
        pl.col("held_median").round(1).alias(t("table.apps_held")),
        pl.col("held_mean").round(2).alias(t("table.apps_held_mean")),
        pl.col("used_median").round(1).alias(t("table.apps_used")),
        (pl.col("held_share_above") * 100).round(1).alias(t("table.share_above")),
        (pl.col("duplicate_entry_rate") * 100).round(1).alias(t("table.duplicate_rate")),
        pl.col("fingertip_hours_per_cadre_week").round(1).alias(t("table.fingertip_hours")),
        (pl.col("remediation_progress") * 100).round(1).alias(t("table.remediation")),
    )


def apps_title(trend: pl.DataFrame) -> str:
    if trend.height == 0:
        return t("chart.apps_axis")
    first, last = trend.row(0, named=True), trend.row(-1, named=True)
    return t(
        "chart.apps_trend_title",
        held_start=first["held_median"] or 0,
        held_end=last["held_median"] or 0,
    )


def rate_title(trend: pl.DataFrame) -> str:
    if trend.height == 0:
        return t("chart.rate_axis")
    first, last = trend.row(0, named=True), trend.row(-1, named=True)
    return t(
        "chart.dup_trend_title",
        rate_start=fmt_pct(first["duplicate_entry_rate"], 0),
        rate_end=fmt_pct(last["duplicate_entry_rate"], 0),
    )


def ranking_title(ranking: pl.DataFrame) -> str:
    worst = ranking.row(0, named=True)
    return t("chart.ranking_title", worst=worst["label"], value=worst["held_mean"] or 0)


MAP_METRICS = ("held_median", "held_mean", "duplicate_entry_rate")


def county_map(state: ViewState, metric: str) -> geo.CountyMap:
    """Every county under the map's scope with the metric for the period's last month, labelled in the language.

    One query (county_figures) answers all three metrics for every county of the scope, so switching the
    metric is a result-cache hit; it replaced one apps_per_cadre or burden_rates call per city (11 for the
    province), with the same arithmetic (tests compare the two).
    """
    if metric not in MAP_METRICS:
        raise ValueError(f"unknown map metric {metric!r}; expected one of {', '.join(MAP_METRICS)}")
    scope, highlight = geo.map_scope(state.region)
    month = state.query_params()["to"]
    counties = db.query("region_options").filter(
        (pl.col("level") == "county") & pl.col("region_code").str.starts_with("" if scope == "33" else scope)
    )
    values = db.query("county_figures", region=scope, month=month).select(
        "region_code", pl.col(metric).cast(pl.Float64).alias("value")
    )
    counties = (
        counties.select("region_code", "name_zh", "name_en")
        .join(values, on="region_code", how="left")
        .with_columns(drawable=pl.col("region_code").is_in(list(geo.drawable())))
        .sort("region_code")
    )
    return geo.CountyMap(labels.with_region_label(counties), metric, state.end, highlight)


def _map_value(data: geo.CountyMap, value: float | None) -> str:
    if data.metric == "duplicate_entry_rate":
        return fmt_pct(value)
    return t("map.value_apps", value=i18n.fmt_num(value))


def map_title(data: geo.CountyMap) -> str:
    ranked = data.drawn.drop_nulls("value").sort(["value", "region_code"], descending=[True, False])
    if ranked.height == 0:
        return t("map.title_empty")
    worst = ranked.row(0, named=True)
    if data.metric == "duplicate_entry_rate":
        return t("map.title_rate", worst=worst["label"], value=fmt_pct(worst["value"], 0))
    return t("map.title_apps", worst=worst["label"], value=worst["value"])


def map_notes(data: geo.CountyMap) -> list[str]:
    """What the map cannot show, plainly: current counties without a shape (with their figures), old boundaries."""
    notes = []
    if data.not_drawn.height:
        sep = "、" if i18n.lang() == "zh" else "; "
        listed = sep.join(
            t("map.county_value", name=row["label"], code=row["region_code"], value=_map_value(data, row["value"]))
            for row in data.not_drawn.iter_rows(named=True)
        )
        notes.append(t("map.not_drawn", counties=listed))
    if data.highlight and data.highlight not in geo.drawable():
        row = data.counties.filter(pl.col("region_code") == data.highlight)
        if row.height:
            notes.append(t("map.highlight_not_drawn", county=row["label"][0]))
    if any(code.startswith(("3301", "3303")) for code in data.counties["region_code"]):
        notes.append(t("map.old_boundaries"))
    return notes


def map_table(data: geo.CountyMap) -> pl.DataFrame:
    """Every county under the map (drawn or not), as shown and exported: rates ×100, rounded as displayed."""
    is_rate = data.metric == "duplicate_entry_rate"
    header = t("table.duplicate_rate") if is_rate else t(f"map.{data.metric}")
    value = (
        (pl.col("value") * 100).round(1) if is_rate else pl.col("value").round(2 if data.metric == "held_mean" else 1)
    )
    on_map = pl.when(pl.col("drawable")).then(pl.lit(t("map.yes"))).otherwise(pl.lit(t("map.no")))
    return data.counties.sort(["value", "region_code"], descending=[True, False], nulls_last=True).select(
        pl.col("label").alias(t("table.region")),
        pl.col("region_code").alias(t("table.code")),
        value.alias(header),
        on_map.alias(t("map.on_map")),
    )
