"""Headline metrics of a region and period: `python -m burden summary`.

Computed with the same named queries the dashboard uses (apps_per_cadre,
burden_rates), so the command and the Overview always agree.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable
from datetime import date

import polars as pl

from burden import db, settings

# Metric ids: each is a `## <id>` section of docs/metrics.md, in Chinese and English (tests check it).
METRIC_IDS = (
    "apps_per_cadre",
    "duplicate_entry_rate",
    "trace_burden",
    "fingertip_hours",
    "zombie_app",
    "island_app",
    "remediation_progress",
    "superficial_fix",
    "rebound",
    "lagging_region",
    "baseline",
)

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

# metric key -> (query, column, is_rate); the order is the order printed.
METRICS: dict[str, tuple[str, str, bool]] = {
    "apps_held_per_cadre_median": ("apps_per_cadre", "held_median", False),
    "apps_held_per_cadre_mean": ("apps_per_cadre", "held_mean", False),
    "apps_held_per_cadre_p90": ("apps_per_cadre", "held_p90", False),
    "apps_used_per_cadre_median": ("apps_per_cadre", "used_median", False),
    "apps_used_per_cadre_mean": ("apps_per_cadre", "used_mean", False),
    "apps_used_per_cadre_p90": ("apps_per_cadre", "used_p90", False),
    "share_cadres_above_target": ("apps_per_cadre", "held_share_above", True),
    "share_cadres_above_target_used": ("apps_per_cadre", "used_share_above", True),
    "duplicate_entry_rate": ("burden_rates", "duplicate_entry_rate", True),
    "photos_per_task": ("burden_rates", "photos_per_task", False),
    "photo_minutes_per_cadre_week": ("burden_rates", "photo_minutes_per_cadre_week", False),
    "share_tasks_photo_required": ("burden_rates", "share_tasks_photo_required", True),
    "fingertip_hours_per_cadre_week": ("burden_rates", "fingertip_hours_per_cadre_week", False),
    "remediation_progress": ("burden_rates", "remediation_progress", True),
}


Runner = Callable[..., pl.DataFrame]


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
    metrics = {
        key: {"baseline": _float(baseline[q].get(col)), "latest": _float(latest[q].get(col))}
        for key, (q, col, _) in METRICS.items()
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
        "metrics": metrics,
    }


def month_to_date(period: dict, month: date) -> dict | None:
    """{"days": 6, "days_in_month": 31} when `month` is the data's month to date (data_period's row), else None."""
    if period["partial_month"] is None or month != period["partial_month"]:
        return None
    return {"days": int(period["partial_days"]), "days_in_month": int(period["partial_days_in_month"])}


def _queries() -> list[str]:
    return list(dict.fromkeys(q for q, _, _ in METRICS.values()))


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
    for key, (_, _, is_rate) in METRICS.items():
        values = result["metrics"][key]
        rows.append((key, _cell(values["baseline"], is_rate), _cell(values["latest"], is_rate)))
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
