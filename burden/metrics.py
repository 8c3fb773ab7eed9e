"""The metric registry (burden/metrics.toml): what each headline metric is, how it is computed and shown.

Everything that lists metrics reads it: summary, the headline cards, the map, the briefing, the ranking table
and its export, the docs test. A ratio metric is computed here from the sums queries/burden_rates.sql returns
(with_ratios), so a new ratio needs no new SQL beyond the rollup column it divides; the histogram metrics
(percentile, mean, share above a target) are columns of queries/apps_per_cadre.sql.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from burden import settings
from burden.i18n import fmt_delta, fmt_num, fmt_pct, t

REGISTRY = Path(__file__).with_name("metrics.toml")
TYPES = ("ratio", "percentile", "mean", "share_above")
FORMATS = ("percent", "number")
DIRECTIONS = ("lower_is_better", "higher_is_better")
SURFACES = ("summary", "ranking", "map", "briefing")
PAGES = ("overview", "photos", "regions")  # pages with headline cards ("card:<page>")


@dataclass(frozen=True)
class Metric:
    id: str
    type: str
    label: str  # locale key
    help: str  # locale key
    doc: str  # docs/metrics.md section
    format: str
    digits: int
    unit: str  # locale key
    direction: str
    colour: str  # a colour name of burden/charts/theme.py
    on: tuple[str, ...]
    numerator: str | None = None
    denominator: str | None = None
    divide_by: float = 1
    histogram: str | None = None
    p: float | None = None
    target: str | None = None  # a name in burden/settings.py

    @property
    def query(self) -> str:
        """The query whose rows hold the metric's column (with_ratios adds a ratio's column to burden_rates)."""
        return "burden_rates" if self.type == "ratio" else "apps_per_cadre"

    @property
    def column(self) -> str:
        """The metric's column in its query's frame."""
        if self.type == "ratio":
            return self.id
        stat = {"mean": "mean", "share_above": "share_above"}.get(self.type)
        if stat is None:
            stat = "median" if self.p == 0.5 else f"p{round(self.p * 100)}"
        return f"{self.histogram}_{stat}"

    @property
    def is_rate(self) -> bool:
        return self.format == "percent"

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower_is_better"

    @property
    def target_value(self) -> int | float | None:
        return getattr(settings, self.target) if self.target else None

    def expr(self) -> pl.Expr:
        """A ratio as a Polars expression over burden_rates' sums: null where the denominator is 0 or null."""
        numerator = pl.col(self.numerator).cast(pl.Float64)
        if self.divide_by != 1:
            numerator = numerator / self.divide_by
        denominator = pl.col(self.denominator).cast(pl.Float64)
        return pl.when(denominator != 0).then(numerator / denominator).otherwise(None).alias(self.id)

    @property
    def baseline_key(self) -> str:
        """The locale key of a card's baseline note: a count per month compares with the baseline's monthly mean."""
        return "metric.baseline_mean" if self.denominator == "months" else "metric.baseline_value"

    def text(self, value: float | None) -> str:
        """The value as a card or a title shows it."""
        return fmt_pct(value, self.digits) if self.is_rate else fmt_num(value, self.digits)

    def delta(self, baseline: float | None, latest: float | None) -> str | None:
        """Latest minus baseline, for a card: shares in percentage points."""
        return fmt_delta(baseline, latest, self.is_rate, self.digits)

    def name(self) -> str:
        """The metric's label in the current language (a label may name the apps target)."""
        return t(self.label, target=settings.APPS_TARGET)

    def header(self) -> str:
        """The metric's table header: its label, with (%) for a share."""
        return t("table.percent", label=self.name()) if self.is_rate else self.name()

    def table_column(self, column: str | None = None) -> pl.Expr:
        """The metric's column as a table shows and exports it: x100 for shares, rounded to its digits."""
        value = pl.col(column or self.column)
        return (value * 100 if self.is_rate else value).round(self.digits).alias(self.header())


@cache
def _registry() -> tuple[tuple[Metric, ...], tuple[str, ...]]:
    with REGISTRY.open("rb") as handle:
        data = tomllib.load(handle)
    metrics = tuple(
        Metric(id=key, **{**entry, "on": tuple(entry["on"])}) for key, entry in data.get("metric", {}).items()
    )
    return metrics, tuple(data.get("definitions", ()))


def all_metrics() -> tuple[Metric, ...]:
    return _registry()[0]


def definitions() -> tuple[str, ...]:
    """docs/metrics.md sections that define a term rather than a headline metric."""
    return _registry()[1]


def get(metric_id: str) -> Metric:
    for metric in all_metrics():
        if metric.id == metric_id:
            return metric
    raise KeyError(f"unknown metric {metric_id!r}; known: {', '.join(m.id for m in all_metrics())}")


def on(surface: str) -> tuple[Metric, ...]:
    """The metrics shown on a surface ("summary", "ranking", "map", "briefing", or "card:<page>"), in order."""
    return tuple(m for m in all_metrics() if surface in m.on)


def cards(page: str) -> tuple[Metric, ...]:
    return on(f"card:{page}")


def doc_sections() -> tuple[str, ...]:
    """Every section docs/metrics.md must have, in zh and en."""
    return tuple(dict.fromkeys([*(m.doc for m in all_metrics()), *definitions()]))


def with_ratios(frame: pl.DataFrame) -> pl.DataFrame:
    """burden_rates' sums with every ratio metric of the registry added as a column."""
    return frame.with_columns(m.expr() for m in all_metrics() if m.type == "ratio")


# Columns burden_rates adds to region_month's own: the months it pools
_POOLED = {"months"}


def missing_columns(served: set[str]) -> dict[str, list[str]]:
    """Ratio metrics whose parts are not among `served` (region_month's columns): metric id -> missing columns."""
    missing = {}
    for metric in all_metrics():
        if metric.type == "ratio":
            absent = [c for c in (metric.numerator, metric.denominator) if c not in served | _POOLED]
            if absent:
                missing[metric.id] = absent
    return missing


def problems() -> list[str]:
    """What is wrong with the registry (tests/test_metrics_registry.py holds it to these rules)."""
    found = []
    ids = [m.id for m in all_metrics()]
    if len(ids) != len(set(ids)):
        found.append("duplicate ids")
    for m in all_metrics():
        if not m.id.replace("_", "").isalnum() or m.id != m.id.lower():
            found.append(f"{m.id}: not snake_case")
        if m.type not in TYPES:
            found.append(f"{m.id}: type {m.type!r} not one of {TYPES}")
        if m.format not in FORMATS:
            found.append(f"{m.id}: format {m.format!r}")
        if m.direction not in DIRECTIONS:
            found.append(f"{m.id}: direction {m.direction!r}")
        if m.type == "ratio" and not (m.numerator and m.denominator):
            found.append(f"{m.id}: a ratio needs a numerator and a denominator")
        if m.type != "ratio" and m.histogram not in ("held", "used"):
            found.append(f"{m.id}: a histogram metric needs histogram = held or used")
        if m.type == "percentile" and not (m.p and 0 < m.p < 1):
            found.append(f"{m.id}: a percentile needs 0 < p < 1")
        if m.type == "share_above" and not m.target:
            found.append(f"{m.id}: share_above needs a target")
        if m.target and not isinstance(getattr(settings, m.target, None), int | float):
            found.append(f"{m.id}: target {m.target!r} is not a number in settings")
        for surface in m.on:
            if surface not in SURFACES and surface.removeprefix("card:") not in PAGES:
                found.append(f"{m.id}: unknown surface {surface!r}")
    return found
