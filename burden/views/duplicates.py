"""Duplicate-entry view model: headline, monthly trend, app-pair matrix, fact types and regions ranked."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from burden import db, i18n, labels, summary
from burden.filters import ViewState
from burden.i18n import fmt_num, fmt_pct, t

MATRIX_APPS = 10  # the heatmap keeps the apps most involved in duplicates: 10 stay readable on a phone
TOP_PAIRS = 30  # rows of the pairs table (and its exports)


@dataclass(frozen=True)
class DuplicatesData:
    region: dict
    headline: dict  # summary metric duplicate_entry_rate: {"baseline", "latest"}
    period: dict  # burden_rates pooled over the period: submits, duplicate_submits, duplicate_entry_rate
    trend: pl.DataFrame  # burden_rates by month
    pairs: pl.DataFrame  # duplicate_pairs, most duplicates first
    fact_types: pl.DataFrame  # duplicates_by_fact_type
    ranking: pl.DataFrame  # child regions in the last month, highest rate first


def load(state: ViewState) -> DuplicatesData:
    params = state.query_params()
    region = db.query("region_info", region=state.region).row(0, named=True)
    headline = summary.summary(state.region, state.start, state.end, run=db.query)["metrics"]
    pooled = db.query("burden_rates", **params, children=False, by_month=False)
    trend = db.query("burden_rates", **params, children=False, by_month=True).sort("month")
    return DuplicatesData(
        region=region,
        headline=headline["duplicate_entry_rate"],
        period=pooled.row(0, named=True) if pooled.height else {},
        trend=trend,
        pairs=db.query("duplicate_pairs", **params),
        fact_types=db.query("duplicates_by_fact_type", **params),
        ranking=_ranking(params),
    )


def _ranking(params: dict) -> pl.DataFrame:
    """Child regions by duplicate-entry rate in the period's last month (highest first)."""
    latest = {**params, "from": params["to"], "children": True, "by_month": False}
    rates = db.query("burden_rates", **latest).filter(pl.col("submits") > 0)
    return labels.with_region_label(rates).sort(
        ["duplicate_entry_rate", "region_code"], descending=[True, False], nulls_last=True
    )


@dataclass(frozen=True)
class Matrix:
    app_ids: list[str]
    labels: list[str]  # short and unique: 10 columns must fit a phone
    names: list[str]  # full names, for the hover
    rows: list[list[int | None]]  # rows[original][repeat]; None where the pair has no duplicates


def matrix(pairs: pl.DataFrame, n_apps: int = MATRIX_APPS) -> Matrix:
    """The original x repeating app matrix of the n apps most involved in duplicates (as either side)."""
    if pairs.height == 0:
        return Matrix([], [], [], [])
    involved = pl.concat(
        [
            pairs.select(pl.col("original_app_id").alias("app_id"), "duplicates"),
            pairs.select("app_id", "duplicates"),
        ]
    )
    top = (
        involved.group_by("app_id")
        .agg(pl.col("duplicates").sum())
        .sort(["duplicates", "app_id"], descending=[True, False])
    )
    ids = top["app_id"].head(n_apps).to_list()
    names = {}
    for row in pairs.iter_rows(named=True):
        names[row["original_app_id"]] = (row["original_name_zh"], row["original_name_en"])
        names[row["app_id"]] = (row["name_zh"], row["name_en"])
    full = [labels.app_name(*names[a], a) for a in ids]
    short = labels.unique([labels.short_app_name(name, zh_chars=6, en_chars=13) for name in full], ids)
    counts = {(r["original_app_id"], r["app_id"]): r["duplicates"] for r in pairs.iter_rows(named=True)}
    rows = [[counts.get((orig, rep)) for rep in ids] for orig in ids]
    return Matrix(ids, short, full, rows)


def matrix_total(rows: list[list[int | None]]) -> int:
    return sum(v or 0 for row in rows for v in row)


def pairs_table(pairs: pl.DataFrame, limit: int = TOP_PAIRS) -> pl.DataFrame:
    top = pairs.head(limit)
    originals = [
        labels.app_name(*r) for r in top.select("original_name_zh", "original_name_en", "original_app_id").rows()
    ]
    repeats = [labels.app_name(*r) for r in top.select("name_zh", "name_en", "app_id").rows()]
    return pl.DataFrame(
        {
            t("dup.col.original"): pl.Series(originals, dtype=pl.String),
            t("dup.col.repeat"): pl.Series(repeats, dtype=pl.String),
            t("dup.col.duplicates"): top["duplicates"],
            t("dup.col.share"): (top["share"] * 100).round(1),
            t("dup.col.original_id"): top["original_app_id"],
            t("dup.col.repeat_id"): top["app_id"],
        }
    )


def fact_label(fact_type: str | None) -> str:
    key = f"dup.fact.{fact_type}"
    return t(key) if key in i18n.CATALOGUES[i18n.lang()] else (fact_type or t("dup.fact.none"))


def fact_table(facts: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(
        {
            t("dup.col.fact_type"): pl.Series([fact_label(f) for f in facts["fact_type"]], dtype=pl.String),
            t("dup.col.submits"): facts["submits"],
            t("dup.col.duplicates"): facts["duplicate_submits"],
            t("table.duplicate_rate"): (facts["duplicate_entry_rate"] * 100).round(1),
            t("dup.col.share"): (facts["share_of_duplicates"] * 100).round(1),
        }
    )


def ranking_table(ranking: pl.DataFrame) -> pl.DataFrame:
    return ranking.select(
        *labels.region_columns(),
        pl.col("submits").alias(t("dup.col.submits")),
        pl.col("duplicate_submits").alias(t("dup.col.duplicates")),
        (pl.col("duplicate_entry_rate") * 100).round(1).alias(t("table.duplicate_rate")),
    )


def trend_title(trend: pl.DataFrame) -> str:
    rates = trend.filter(pl.col("duplicate_entry_rate").is_not_null())
    if rates.height == 0:
        return t("chart.rate_axis")
    first, last = rates["duplicate_entry_rate"][0], rates["duplicate_entry_rate"][-1]
    return t("chart.dup_trend_title", rate_start=fmt_pct(first, 0), rate_end=fmt_pct(last, 0))


def matrix_title(pairs: pl.DataFrame) -> str:
    if pairs.height == 0:
        return t("dup.matrix")
    top = pairs.row(0, named=True)
    return t(
        "dup.matrix_title",
        repeat=labels.short_app_name(labels.app_name(top["name_zh"], top["name_en"], top["app_id"])),
        original=labels.short_app_name(
            labels.app_name(top["original_name_zh"], top["original_name_en"], top["original_app_id"])
        ),
    )


def fact_title(facts: pl.DataFrame) -> str:
    repeated = facts.filter(pl.col("duplicate_submits") > 0)
    if repeated.height == 0:
        return t("dup.facts")
    top = repeated.row(0, named=True)
    return t("dup.facts_title", fact=fact_label(top["fact_type"]), share=fmt_pct(top["share_of_duplicates"], 0))


def ranking_title(ranking: pl.DataFrame) -> str:
    worst = ranking.row(0, named=True)
    return t("dup.ranking_title", worst=worst["label"], rate=fmt_pct(worst["duplicate_entry_rate"], 0))


def count_text(value) -> str:
    return fmt_num(value, 0)
