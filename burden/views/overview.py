"""Overview view model: headline cards, trend and ranking for one view state."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

import polars as pl

from burden import db, geo, i18n, labels, metrics, settings, summary
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
    children = summary.child_figures(state.region, params["to"])
    return labels.with_region_label(children) if children.height else children


def ranking_table(ranking: pl.DataFrame) -> pl.DataFrame:
    """The ranking as shown on screen and exported: the registry's "ranking" metrics, localised headers,
    figures rounded as displayed (shares as percentages)."""
    return ranking.select(
        *labels.region_columns(),
        *(m.table_column() for m in metrics.on("ranking")),
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


def map_metrics() -> tuple[str, ...]:
    """The ids of the registry's map metrics, the first the default."""
    return tuple(m.id for m in metrics.on("map"))


def county_map(state: ViewState, metric_id: str) -> geo.CountyMap:
    """Every county under the map's scope with the metric for the period's last month, labelled in the language.

    One query (county_figures) answers every map metric for every county of the scope, so switching the
    metric is a result-cache hit; it replaced one apps_per_cadre or burden_rates call per city (11 for the
    province), with the same arithmetic (tests compare the two).
    """
    if metric_id not in map_metrics():
        raise ValueError(f"unknown map metric {metric_id!r}; expected one of {', '.join(map_metrics())}")
    metric = metrics.get(metric_id)
    scope, highlight = geo.map_scope(state.region)
    month = state.query_params()["to"]
    counties = db.query("region_options").filter(
        (pl.col("level") == "county") & pl.col("region_code").str.starts_with("" if scope == "33" else scope)
    )
    values = db.query("county_figures", region=scope, month=month).select(
        "region_code", pl.col(metric.column).cast(pl.Float64).alias("value")
    )
    counties = (
        counties.select("region_code", "name_zh", "name_en")
        .join(values, on="region_code", how="left")
        .with_columns(drawable=pl.col("region_code").is_in(list(geo.drawable())))
        .sort("region_code")
    )
    return geo.CountyMap(labels.with_region_label(counties), metric_id, state.end, highlight)


def _map_value(data: geo.CountyMap, value: float | None) -> str:
    metric = metrics.get(data.metric)
    return metric.text(value) if metric.is_rate else f"{metric.text(value)} {t(metric.unit)}"


def map_title(data: geo.CountyMap) -> str:
    ranked = data.drawn.drop_nulls("value").sort(["value", "region_code"], descending=[True, False])
    if ranked.height == 0:
        return t("map.title_empty")
    worst = ranked.row(0, named=True)
    name = metrics.get(data.metric).name()
    return t("map.title", worst=worst["label"], metric=name, value=_map_value(data, worst["value"]))


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
    """Every county under the map (drawn or not), as shown and exported: rates x100, rounded as displayed."""
    on_map = pl.when(pl.col("drawable")).then(pl.lit(t("map.yes"))).otherwise(pl.lit(t("map.no")))
    return data.counties.sort(["value", "region_code"], descending=[True, False], nulls_last=True).select(
        pl.col("label").alias(t("table.region")),
        pl.col("region_code").alias(t("table.code")),
        metrics.get(data.metric).table_column("value"),
        on_map.alias(t("map.on_map")),
    )
