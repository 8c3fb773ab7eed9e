"""Photo-trace view model: trace-burden cards baseline -> latest, monthly trends, apps that demand photos."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from burden import db, i18n, labels, summary
from burden.filters import ViewState
from burden.i18n import fmt_num, fmt_pct, t

TOP_APPS = 12  # bars in the per-app charts; the table lists every app


@dataclass(frozen=True)
class PhotosData:
    region: dict
    headline: dict  # summary()["metrics"]: the cards are the registry's "card:photos" metrics
    trend: pl.DataFrame  # burden_rates by month
    apps: pl.DataFrame  # photo_apps, most required photos first


def load(state: ViewState, baseline: tuple[str, str]) -> PhotosData:
    params = state.query_params()
    region = db.query("region_info", region=state.region).row(0, named=True)
    metrics = summary.summary(state.region, state.start, state.end, run=db.query)["metrics"]
    trend = db.query("burden_rates", **params, children=False, by_month=True).sort("month")
    return PhotosData(region, metrics, trend, db.query("photo_apps", **params))


def top_apps(apps: pl.DataFrame, column: str, n: int = TOP_APPS) -> pl.DataFrame:
    """The n apps with the most of `column` (ties by app id), with a short label for the chart axis."""
    top = apps.filter(pl.col(column) > 0).sort([column, "app_id"], descending=[True, False]).head(n)
    names = [labels.short_app_name(labels.app_name(*r)) for r in top.select("name_zh", "name_en", "app_id").rows()]
    return top.with_columns(label=pl.Series(labels.unique(names, top["app_id"]), dtype=pl.String))


def apps_table(apps: pl.DataFrame) -> pl.DataFrame:
    """Every app with photos in scope, as shown and exported (figures rounded as displayed)."""
    names = [labels.app_name(*r) for r in apps.select("name_zh", "name_en", "app_id").rows()]
    flags = [t("photo.yes") if flag else t("photo.no") for flag in apps["photo_required"]]
    return pl.DataFrame(
        {
            t("photo.col.app"): pl.Series(names, dtype=pl.String),
            t("photo.col.app_id"): apps["app_id"],
            t("photo.col.flag"): pl.Series(flags, dtype=pl.String),
            t("photo.col.tasks"): apps["tasks"],
            t("photo.col.photos"): apps["photos"],
            t("photo.col.required"): apps["photos_required"],
            t("photo.col.per_task"): apps["photos_per_task"].round(2),
            t("photo.col.share_required"): (apps["share_tasks_photo_required"] * 100).round(1),
            t("photo.col.voided"): apps["tasks_voided"],
            t("photo.col.minutes"): apps["photo_minutes"].round(0).cast(pl.Int64),
        }
    )


def trend_title(trend: pl.DataFrame, column: str, key: str, is_rate: bool = False) -> str:
    values = trend.filter(pl.col(column).is_not_null())
    if values.height == 0:
        return t(key + "_axis")
    fmt = (lambda v: fmt_pct(v, 0)) if is_rate else (lambda v: fmt_num(v, 1))
    return t(key + "_title", start=fmt(values[column][0]), end=fmt(values[column][-1]))


def voided_title(trend: pl.DataFrame) -> str:
    if trend.height == 0:
        return t("photo.voided")
    return t(
        "photo.voided_title", start=fmt_num(trend["tasks_voided"][0], 0), end=fmt_num(trend["tasks_voided"][-1], 0)
    )


def apps_title(top: pl.DataFrame) -> str:
    if top.height == 0:
        return t("photo.apps")
    row = top.row(0, named=True)
    return t("photo.apps_title", app=row["label"])


def voided_apps_title(top: pl.DataFrame) -> str:
    if top.height == 0:
        return t("photo.voided_apps")
    row = top.row(0, named=True)
    return t("photo.voided_apps_title", app=row["label"], n=fmt_num(row["tasks_voided"], 0))


def region_label(region: dict) -> str:
    return i18n.region_name(region["name_zh"], region["name_en"])
