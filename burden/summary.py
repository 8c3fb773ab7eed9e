"""Headline metrics of a region and period: `python -m burden summary`, and the headline cards of every page.

The metrics are those of the registry (burden/metrics.toml) shown on "summary", computed with the same named
queries the dashboard uses (apps_per_cadre, burden_rates), so the command, the cards and the briefing agree.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from burden import db, metrics, settings

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


Runner = Callable[..., pl.DataFrame]


@dataclass(frozen=True)
class Card:
    """A headline card: a registry metric's value at baseline and in the period's last month."""

    metric: metrics.Metric
    baseline: float | None
    latest: float | None
    against_baseline: bool = True  # False: the value alone (the Regions page shows one month)


def cards(values: dict, page: str) -> list[Card]:
    """The page's headline cards (registry order) from summary()["metrics"]."""
    return [Card(m, values[m.id]["baseline"], values[m.id]["latest"]) for m in metrics.cards(page)]


def latest_cards(row: dict, page: str) -> list[Card]:
    """The page's headline cards from one row of figures (apps_per_cadre and burden_rates columns): no baseline."""
    return [Card(m, None, row.get(m.column), against_baseline=False) for m in metrics.cards(page)]


def child_figures(region: str | None, month: date, run: Runner | None = None) -> pl.DataFrame:
    """The child regions of `region` in `month`: the apps histogram's figures and every registry "ranking"
    ratio, most apps held (mean) first. The Overview's ranking and the Regions page's table read it."""
    run = run or db.query
    params = {"region": region, "children": True, "by_month": False, "from": month, "to": month}
    apps = run("apps_per_cadre", **params, target=settings.APPS_TARGET)
    if apps.height == 0:
        return apps
    ratios = [m.column for m in metrics.on("ranking") if m.query == "burden_rates"]
    rates = run("burden_rates", **params).select("region_code", *ratios)
    return apps.join(rates, on="region_code", how="left").sort(
        ["held_mean", "region_code"], descending=[True, False], nulls_last=True
    )


class SummaryError(ValueError):
    """A bad request (unknown region, malformed or out-of-range month, no data)."""


def parse_month(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    match = _MONTH.match(text.strip())
    if not match:
        raise SummaryError(f"bad {what} month {text!r}: expected YYYY-MM, e.g. 2023-01")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _month_text(month: date | None) -> str | None:
    return month.strftime("%Y-%m") if month else None


def _row(run: Runner, query: str, region: str, first: date | None, last: date | None) -> dict:
    """The pooled row of one query for a region over [first, last]; empty when there are no months."""
    if first is None or last is None:
        return {}
    params = {"region": region, "children": False, "from": first, "to": last, "by_month": False}
    if query == "apps_per_cadre":
        params["target"] = settings.APPS_TARGET
    frame = run(query, **params)
    return frame.row(0, named=True) if frame.height else {}


def _float(value) -> float | None:
    return None if value is None else float(value)


def summary(region: str, from_month: str | None, to_month: str | None, con=None, run: Runner | None = None) -> dict:
    """Baseline (pooled over the baseline months) and latest (the period's last month) headline metrics.

    Queries run on `con`, or through `run(name, **params)` (the dashboard passes its cached db.query),
    or else on a fresh read-only connection to the database.
    """
    if run is None and con is None:
        with db.connect(settings.db_path(), read_only=True) as own:
            return summary(region, from_month, to_month, own)
    if run is None:
        run = functools.partial(db.run, con)
    first, last = parse_month(from_month, "--from"), parse_month(to_month, "--to")
    try:
        info = run("region_info", region=region)
    except db.ScopeError:  # outside the caller's scope: as unknown as a code that does not exist
        info = None
    if info is None or info.height == 0:
        raise SummaryError(f"unknown region code {region!r}")
    period = run("data_period").row(0, named=True)
    if period["last_month"] is None:
        raise SummaryError("the database has no events; load data or run `python -m burden demo`")
    first = first or period["campaign_from"] or period["first_month"]
    last = last or period["last_complete_month"]  # a month to date only when asked for: its counts are not comparable
    data_range = f"{_month_text(period['first_month'])}..{_month_text(period['last_month'])}"
    if first > last:
        raise SummaryError(f"--from {_month_text(first)} is after --to {_month_text(last)}")
    if first < period["first_month"] or last > period["last_month"]:
        raise SummaryError(f"period {_month_text(first)}..{_month_text(last)} is outside the data ({data_range})")

    region_row = info.row(0, named=True)
    code = region_row["region_code"]
    baseline = {q: _row(run, q, code, period["baseline_from"], period["baseline_to"]) for q in _queries()}
    latest = {q: _row(run, q, code, last, last) for q in _queries()}
    values = {
        m.id: {"baseline": _float(baseline[m.query].get(m.column)), "latest": _float(latest[m.query].get(m.column))}
        for m in metrics.on("summary")
    }
    has_baseline = period["baseline_from"] is not None
    return {
        "region": {
            "code": code,
            "name": region_row["name_zh"],
            "name_en": region_row["name_en"],
            "level": region_row["level"],
        },
        "period": {
            "from": _month_text(first),
            "to": _month_text(last),
            "baseline": [_month_text(period["baseline_from"]), _month_text(period["baseline_to"])]
            if has_baseline
            else None,
            "as_of": period["as_of"].isoformat() if period["as_of"] else None,
            "month_to_date": month_to_date(period, last),
        },
        "target_apps": settings.APPS_TARGET,
        "metrics": values,
    }


def month_to_date(period: dict, month: date) -> dict | None:
    """{"days": 6, "days_in_month": 31} when `month` is the data's month to date (data_period's row), else None."""
    if period["partial_month"] is None or month != period["partial_month"]:
        return None
    return {"days": int(period["partial_days"]), "days_in_month": int(period["partial_days_in_month"])}


def _queries() -> list[str]:
    return list(dict.fromkeys(m.query for m in metrics.on("summary")))


def _cell(value: float | None, is_rate: bool) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if is_rate else f"{value:.2f}"


def format_table(result: dict) -> str:
    region, period = result["region"], result["period"]
    baseline = "..".join(period["baseline"]) if period["baseline"] else "none"
    lines = [
        f"{region['name']} ({region['code']}, {region['level']})  "
        f"period {period['from']}..{period['to']}  baseline {baseline}  as of {period['as_of']}",
    ]
    if period["month_to_date"]:
        days = period["month_to_date"]
        lines.append(f"{period['to']} is a month to date: {days['days']} of {days['days_in_month']} days")
    rows = [("metric", "baseline", "latest")]
    for metric in metrics.on("summary"):
        values = result["metrics"][metric.id]
        rows.append((metric.id, _cell(values["baseline"], metric.is_rate), _cell(values["latest"], metric.is_rate)))
    width = max(len(r[0]) for r in rows)
    for name, base, latest in rows:
        lines.append(f"{name:<{width}}  {base:>9}  {latest:>9}")
    return "\n".join(lines)


def print_summary(region: str, from_month: str | None, to_month: str | None, fmt: str = "table") -> int:
    """Print the summary as JSON or an aligned table; 2 on a bad request, with a one-line error on stderr."""
    try:
        result = summary(region, from_month, to_month)
    except (SummaryError, db.QueryError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if fmt == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_table(result))
    return 0
