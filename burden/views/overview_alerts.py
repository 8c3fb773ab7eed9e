"""Overview alerts: lagging counties, rebounding counties, superficial fixes and rule violations under the chosen
region; and the lines (条线) that put the most load on its grassroots cadres.

Each alert names the region (and app) and links to the page that explains it,
carrying the current filters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from burden import db, i18n, labels, lines, settings
from burden.filters import ViewState
from burden.i18n import fmt_pct, t
from burden.views import departments

OVERVIEW_PAGE = "app_pages/overview.py"
REMEDIATION_PAGE = "app_pages/remediation.py"
APPS_PAGE = "app_pages/apps.py"
DEPARTMENTS_PAGE = "app_pages/departments.py"
KINDS = ("lagging", "rebound", "superficial", "rules")


@dataclass(frozen=True)
class Alert:
    kind: str  # lagging | rebound | superficial | rules
    region_code: str
    label: str  # the region (and app) named, in the current language
    detail: str  # the figures behind the alert
    page: str  # the page a link opens
    params: dict  # that page's query parameters (the current filters, focused on this region or app)


def alerts(state: ViewState, default: ViewState) -> list[Alert]:
    """Lagging counties, rebounding counties, superficial fixes and the rules broken under the chosen region."""
    params = state.query_params()
    region = None if state.region == settings.PROVINCE_CODE else state.region
    lagging = db.query(
        "lagging_regions",
        region=region,
        level="county",
        **{"from": params["from"], "to": params["to"]},
        target=settings.APPS_TARGET,
        min_progress=settings.LAGGING_PROGRESS,
    )
    rebounds = db.query(
        "rebounds",
        region=region,
        **{"from": params["from"], "to": params["to"]},
        level="county",
        min_rise_apps=settings.REBOUND_MIN_RISE_APPS,
        min_rise_rate=settings.REBOUND_MIN_RISE_RATE,
    )
    fixes = db.query("fix_checks", region=region, to=params["to"], grace_days=settings.SUPERFICIAL_FIX_DAYS).filter(
        pl.col("is_superficial")
    )

    def link(**changes) -> dict:
        focused = replace(state, **changes)
        if focused.compare == focused.region:
            focused = replace(focused, compare=None)
        return focused.url_params(default)

    out = []
    for row in lagging.iter_rows(named=True):
        detail = t(
            "alert.no_ledger_detail" if row["reason"] == "no_ledger" else "alert.lagging_detail",
            held=i18n.fmt_num(row["held_median"]),
            progress=fmt_pct(row["remediation_progress"], 0),
        )
        name = i18n.region_name(row["name_zh"], row["name_en"])
        out.append(
            Alert("lagging", row["region_code"], name, detail, REMEDIATION_PAGE, link(region=row["region_code"]))
        )
    for code, rows in _by_region(rebounds):
        first = rows[0]
        parts = [_rebound_text(r) for r in rows]
        name = i18n.region_name(first["name_zh"], first["name_en"])
        out.append(Alert("rebound", code, name, "; ".join(parts), OVERVIEW_PAGE, link(region=code)))
    for row in fixes.iter_rows(named=True):
        app = labels.app_name(row["app_name_zh"], row["app_name_en"], row["app_id"])
        scope = i18n.region_name(row["scope_name_zh"], row["scope_name_en"])
        detail = t(
            "alert.superficial_detail",
            action=t(f"alert.action_{row['action']}"),
            done=row["done_on"].isoformat(),
            users=row["users_after_grace"],
        )
        out.append(
            Alert(
                "superficial",
                row["scope_region_code"],
                f"{scope} · {app} ({row['app_id']})",
                detail,
                APPS_PAGE,
                link(app=row["app_id"]),
            )
        )
    for rule, count in departments.rule_counts(state):
        if count:
            detail = t("alert.rules_detail", n=count, month=state.end)
            out.append(Alert("rules", state.region, rule.short(), detail, DEPARTMENTS_PAGE, link()))
    return out


def heaviest_lines_text(state: ViewState) -> str | None:
    """上面千条线: the three lines that put the most apps on the region's average grassroots cadre, in a sentence."""
    top = departments.heaviest_lines(state)
    if not top:
        return None
    parts = [t("alert.line_part", line=lines.name(code), apps=i18n.fmt_num(apps)) for code, apps in top]
    return t("alert.heaviest_lines", month=state.end, lines=t("rules.sep").join(parts))


def _by_region(frame: pl.DataFrame) -> list[tuple[str, list[dict]]]:
    grouped: dict[str, list[dict]] = {}
    for row in frame.iter_rows(named=True):
        grouped.setdefault(row["region_code"], []).append(row)
    return sorted(grouped.items())


def _rebound_text(row: dict) -> str:
    is_rate = row["metric"] == "duplicate_entry_rate"
    fmt = (lambda v: fmt_pct(v, 0)) if is_rate else i18n.fmt_num
    return t(
        "alert.rebound_detail",
        metric=t("alert.duplicate_rate" if is_rate else "alert.apps_used_mean"),
        low=fmt(row["low_value"]),
        low_month=row["low_month"].strftime("%Y-%m"),
        latest=fmt(row["latest_value"]),
        latest_month=row["latest_month"].strftime("%Y-%m"),
    )
