"""Remediation view model (整治): ledger progress, overdue cases, fixes checked against the logs, what-if.

db.query calls and Polars shaping only; the page (app_pages/remediation.py) draws what this returns.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass

import polars as pl

from burden import db, i18n, labels, settings
from burden.filters import ViewState
from burden.i18n import t
from burden.ledger.cases import RECOMMENDATION_KEYS

STAGES = ("identified", "planned", "in_progress", "done", "verified")


@dataclass(frozen=True)
class RemediationData:
    region: dict
    cases: pl.DataFrame  # cases_at_end
    by_region: pl.DataFrame  # remediation_by_region, labelled
    fixes: pl.DataFrame  # superficial_fixes
    rebounds: pl.DataFrame
    lagging: pl.DataFrame


def _last_day(value: str) -> str:
    year, month = (int(part) for part in value.split("-"))
    return f"{value}-{monthrange(year, month)[1]:02d}"


def as_at(state: ViewState) -> str:
    """The date the ledger is read at: the last day of the period's last month."""
    return _last_day(state.end)


def rebound_level(region: str) -> str | None:
    """Rebounds are alerts about counties; inside a county, look at every level below it."""
    return "county" if len(region) <= 6 else None


def load(state: ViewState) -> RemediationData:
    params = state.query_params()
    region = db.query("region_info", region=state.region).row(0, named=True)
    to = params["to"]
    cases = db.query("cases_at_end", region=params["region"], to=to)
    by_region = _label(db.query("remediation_by_region", region=params["region"], to=to))
    fixes = db.query("fix_checks", region=params["region"], to=to, grace_days=settings.SUPERFICIAL_FIX_DAYS)
    rebounds = db.query(
        "rebounds",
        region=params["region"],
        **{"from": params["from"], "to": to},
        level=rebound_level(state.region),
        min_rise_apps=settings.REBOUND_MIN_RISE_APPS,
        min_rise_rate=settings.REBOUND_MIN_RISE_RATE,
    )
    lagging = db.query(
        "lagging_regions", **params, level="county", target=settings.APPS_TARGET, min_progress=settings.LAGGING_PROGRESS
    )
    return RemediationData(region, cases, by_region, fixes, _label(rebounds), _label(lagging))


def _label(frame: pl.DataFrame) -> pl.DataFrame:
    """Add a display label in the current language (a region's own cases are marked as such)."""
    if frame.height == 0:
        return frame.with_columns(label=pl.lit(None, pl.String))
    named = labels.with_region_label(frame)
    if "is_self" not in frame.columns:
        return named
    shown = [
        t("rem.self", name=name) if own else name for name, own in zip(named["label"], frame["is_self"], strict=True)
    ]
    return named.with_columns(label=pl.Series(shown, dtype=pl.String))


def totals(cases: pl.DataFrame) -> dict:
    done = int(cases["is_done"].sum()) if cases.height else 0
    on_time = int(cases["is_on_time"].sum()) if cases.height else 0
    return {
        "cases": cases.height,
        "done": done,
        "progress": done / cases.height if cases.height else None,
        "overdue": int(cases["is_overdue"].sum()) if cases.height else 0,
        "on_time_rate": on_time / done if done else None,
    }


def funnel(cases: pl.DataFrame) -> pl.DataFrame:
    """Cases per status at the period's end, every stage in ledger order (zeros kept)."""
    counts = dict(cases.group_by("status_at_end").len().iter_rows()) if cases.height else {}
    return pl.DataFrame(
        {
            "stage": list(STAGES),
            "label": [t(f"rem.stage.{stage}") for stage in STAGES],
            "cases": [int(counts.get(stage, 0)) for stage in STAGES],
        }
    )


def region_table(by_region: pl.DataFrame) -> pl.DataFrame:
    """Progress per child region as shown and exported, slowest first."""
    return by_region.select(
        *labels.region_columns(),
        pl.col("cases_total").alias(t("rem.col.cases")),
        pl.col("cases_done").alias(t("rem.col.done")),
        (pl.col("remediation_progress") * 100).round(1).alias(t("rem.col.progress")),
        pl.col("cases_overdue").alias(t("rem.col.overdue")),
        (pl.col("on_time_rate") * 100).round(1).alias(t("rem.col.on_time")),
    )


def _app(frame: pl.DataFrame, prefix: str = "app_", app_id: str = "app_id") -> pl.Series:
    """Each row's app as "name · id" (blank where the row names no app)."""
    rows = frame.select(f"{prefix}name_zh", f"{prefix}name_en", app_id).rows()
    names = [labels.with_code(labels.app_name(zh, en, app), app) if app else "" for zh, en, app in rows]
    return pl.Series(names, dtype=pl.String)


def _day(series: pl.Series) -> pl.Series:
    """Dates as YYYY-MM-DD text for tables and exports; a missing date as a dash."""
    return series.dt.strftime("%Y-%m-%d").fill_null("–")


def _scope(frame: pl.DataFrame) -> pl.Series:
    return labels.with_region_label(frame, "scope", zh="scope_name_zh", en="scope_name_en")["scope"]


def overdue_table(cases: pl.DataFrame) -> pl.DataFrame:
    overdue = (
        cases.filter("is_overdue")
        .with_columns(done_on_by_end=pl.when("is_done").then("done_on"))  # a case done after the period was open
        .sort(["days_overdue", "case_id"], descending=[True, False])
    )
    return pl.DataFrame(
        {
            t("rem.col.case"): overdue["case_id"],
            t("rem.col.app"): _app(overdue),
            t("rem.col.scope"): _scope(overdue),
            t("rem.col.action"): [t(f"rem.action.{a}") for a in overdue["action"]],
            t("rem.col.status"): [t(f"rem.stage.{s}") for s in overdue["status_at_end"]],
            t("rem.col.due_on"): _day(overdue["due_on"]),
            t("rem.col.done_on"): _day(overdue["done_on_by_end"]),
            t("rem.col.days_overdue"): overdue["days_overdue"],
        }
    )


def superficial_table(fixes: pl.DataFrame) -> pl.DataFrame:
    flagged = fixes.filter("is_superficial")
    return pl.DataFrame(
        {
            t("rem.col.case"): flagged["case_id"],
            t("rem.col.app"): _app(flagged),
            t("rem.col.action"): [t(f"rem.action.{a}") for a in flagged["action"]],
            t("rem.col.target"): _app(flagged, prefix="target_", app_id="target_app_id"),
            t("rem.col.scope"): _scope(flagged),
            t("rem.col.done_on"): _day(flagged["done_on"]),
            t("rem.col.last_event"): _day(flagged["last_event_on"]),
            t("rem.col.users"): flagged["users"],
            t("rem.col.users_after"): flagged["users_after_grace"],
            t("rem.col.users_never"): flagged["users_never_on_target"],
        }
    )


def evidence(state: ViewState, case_id: str) -> pl.DataFrame:
    return db.query(
        "fix_evidence", region=state.query_params()["region"], case_id=case_id, grace_days=settings.SUPERFICIAL_FIX_DAYS
    )


def evidence_table(rows: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(
        {
            t("rem.col.month"): [m.strftime("%Y-%m") for m in rows["month"]],
            t("table.region"): labels.with_region_label(rows)["label"],
            t("table.code"): rows["region_code"],
            t("rem.col.active_users"): rows["active_users"],
            t("rem.col.events"): rows["events"],
            t("rem.col.hours"): (rows["duration_s"] / 3600).round(1),
            t("rem.col.last_event"): _day(rows["last_event_on"]),
        }
    )


def rebound_table(rebounds: pl.DataFrame) -> pl.DataFrame:
    def value(metric: str, number: float) -> float:
        return round(number * 100, 1) if metric == "duplicate_entry_rate" else round(number, 2)

    metrics = rebounds["metric"].to_list()

    return pl.DataFrame(
        {
            t("table.region"): rebounds["label"],
            t("table.code"): rebounds["region_code"],
            t("rem.col.metric"): [t(f"rem.rebound.{m}") for m in rebounds["metric"]],
            t("rem.col.low_month"): [m.strftime("%Y-%m") for m in rebounds["low_month"]],
            t("rem.col.low_value"): [value(m, v) for m, v in zip(metrics, rebounds["low_value"], strict=True)],
            t("rem.col.latest"): [value(m, v) for m, v in zip(metrics, rebounds["latest_value"], strict=True)],
        },
        schema_overrides={t("rem.col.low_value"): pl.Float64, t("rem.col.latest"): pl.Float64},
    )


def lagging_table(lagging: pl.DataFrame) -> pl.DataFrame:
    """Lagging regions; a region with no case at all says "no ledger yet" rather than a progress of 0%."""
    return lagging.select(
        *labels.region_columns(),
        (pl.col("remediation_progress") * 100).round(1).alias(t("rem.col.progress")),
        pl.col("held_median").round(1).alias(t("rem.col.held_median")),
        pl.when(pl.col("reason") == "no_ledger")
        .then(pl.lit(t("rem.reason.no_ledger")))
        .otherwise(pl.lit(t("rem.reason.lagging")))
        .alias(t("rem.col.lagging_reason")),
    )


def progress_title(by_region: pl.DataFrame) -> str:
    if by_region.height == 1:
        return t("rem.progress_title_one", value=i18n.fmt_pct(by_region["remediation_progress"][0], 0))
    worst = by_region.sort(["remediation_progress", "region_code"]).row(0, named=True)
    return t("rem.progress_title", worst=worst["label"], value=i18n.fmt_pct(worst["remediation_progress"], 0))


SOURCES = ("self_check", "inspection", "assessment")


def sources_table(by_region: pl.DataFrame) -> pl.DataFrame:
    """Cases per child region by where they came from and by the assessment's recommendation (评估建议)."""
    return by_region.sort("region_code").select(
        *labels.region_columns(),
        pl.col("cases_total").alias(t("rem.col.cases")),
        *[pl.col(f"from_{source}").alias(t(f"ledger.source.{source}")) for source in SOURCES],
        *[pl.col(f"recommended_{key}").alias(t(f"ledger.rec.{key}")) for key in RECOMMENDATION_KEYS.values()],
    )


def assessed_table(cases: pl.DataFrame) -> pl.DataFrame:
    """The apps an assessment covered (source assessment), each with its recommendation and where its case stands."""
    assessed = cases.filter(pl.col("source") == "assessment").sort(["recommendation", "app_id"])
    return pl.DataFrame(
        {
            t("rem.col.case"): assessed["case_id"],
            t("rem.col.app"): _app(assessed),
            t("rem.col.scope"): _scope(assessed),
            t("ledger.col.recommendation"): [
                t(f"ledger.rec.{RECOMMENDATION_KEYS[r]}") if r in RECOMMENDATION_KEYS else "–"
                for r in assessed["recommendation"]
            ],
            t("rem.col.action"): [t(f"rem.action.{a}") for a in assessed["action"]],
            t("rem.col.status"): [t(f"rem.stage.{s}") for s in assessed["status_at_end"]],
            t("rem.col.due_on"): _day(assessed["due_on"]),
            t("rem.col.done_on"): _day(assessed["done_on"]),
        },
        schema_overrides={t("rem.col.case"): pl.String},
    )
