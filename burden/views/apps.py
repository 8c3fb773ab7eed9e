"""Apps view model: the region's app catalogue with flags, and one app's trend, counties and overlap."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import polars as pl

from burden import db, labels, lines, settings
from burden.filters import ViewState, month_start
from burden.i18n import t

# Catalogue filters, in the order the page offers them.
FILTERS = ("all", "flagged", "zombie", "island", "prohibited")
# Prohibited features (national rules), in the order the flags read; photo_required is shown apart.
PROHIBITED = (
    ("has_checkin", "apps.flag.checkin"),
    ("has_ranking", "apps.flag.ranking"),
    ("tracks_online_time", "apps.flag.online_time"),
    ("forced_install", "apps.flag.forced_install"),
)
PLATFORMS = {
    "standalone": "apps.platform.standalone",
    "浙政钉": "apps.platform.zzd",
    "浙里办": "apps.platform.zlb",
    "mini-program": "apps.platform.mini",
}
OVERLAP_CHART_ROWS = 10
SHORT_CHARS = 16  # an other app's name in the overlap chart and its title, to fit a phone


@dataclass(frozen=True)
class Catalogue:
    region: dict
    as_of: date
    flags: pl.DataFrame


@dataclass(frozen=True)
class AppDetail:
    info: dict
    trend: pl.DataFrame
    counties: pl.DataFrame
    overlap: pl.DataFrame
    last_month: date  # the period's last month: counties are counted here
    overlap_month: date | None  # shared users are counted here: the last month the app was used, if any


def as_of_for(state: ViewState, data_as_of: str) -> date:
    """Flags are judged at the end of the period's last month, or the last day of data if that is earlier.

    Only such days: app_flags reads cadres by last day used up to a month's end (app_recency_month), so it
    refuses a day before an event of its own month."""
    last = month_start(state.end)
    month_end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    return min(month_end, date.fromisoformat(data_as_of))


def load_catalogue(state: ViewState, data_as_of: str) -> Catalogue:
    region = db.query("region_info", region=state.region).row(0, named=True)
    as_of = as_of_for(state, data_as_of)
    return Catalogue(region, as_of, _flags(state, as_of))


def _flags(state: ViewState, as_of: date) -> pl.DataFrame:
    return db.query(
        "app_flags",
        region=state.region,
        as_of=as_of,
        zombie_share=settings.ZOMBIE_ACTIVE_SHARE,
        zombie_active_days=settings.ZOMBIE_ACTIVE_DAYS,
        zombie_silent_days=settings.ZOMBIE_SILENT_DAYS,
    )


def counts(flags: pl.DataFrame) -> dict[str, int]:
    """Headline counts over the apps still held or used at the as-of date; retired apps are counted apart."""
    current = flags.filter(pl.col("is_current"))
    return {
        "current": current.height,
        "zombie": current.filter(pl.col("is_zombie")).height,
        "island": current.filter(pl.col("is_island")).height,
        "prohibited": current.filter(pl.col("has_prohibited_feature")).height,
        "retired": flags.height - current.height,
    }


def filter_catalogue(flags: pl.DataFrame, which: str) -> pl.DataFrame:
    conditions = {
        "all": pl.lit(True),
        "flagged": pl.col("is_zombie") | pl.col("is_island") | pl.col("has_prohibited_feature"),
        "zombie": pl.col("is_zombie"),
        "island": pl.col("is_island"),
        "prohibited": pl.col("has_prohibited_feature"),
    }
    return flags.filter(conditions[which])


def flag_text(row: dict) -> str:
    """Zombie, island and prohibited features as one short line of words."""
    words = [t("apps.flag.zombie")] if row["is_zombie"] else []
    words += [t("apps.flag.island")] if row["is_island"] else []
    words += [t(key) for column, key in PROHIBITED if row[column]]
    return " · ".join(words)


def catalogue_table(flags: pl.DataFrame) -> pl.DataFrame:
    """The catalogue as shown and exported: most accounts first, figures as displayed.

    The columns that carry the finding come first, so a phone shows them without scrolling sideways.
    """
    rows = list(flags.iter_rows(named=True))
    return pl.DataFrame(
        {
            t("apps.col.app"): [labels.app_name(r["name_zh"], r["name_en"], r["app_id"]) for r in rows],
            t("apps.col.accounts_active"): [f"{r['accounts_held']:,} / {r['active_users_90d']:,}" for r in rows],
            # text, so an app without holders reads "–" rather than a blank number
            t("apps.col.share_active"): [
                "–" if r["share_active"] is None else f"{r['share_active'] * 100:.1f}" for r in rows
            ],
            t("apps.col.flags"): [flag_text(r) for r in rows],
            t("apps.col.photo"): [t("apps.yes") if r["photo_required"] else "" for r in rows],
            t("apps.col.status"): [
                t("apps.status.current" if r["is_current"] else "apps.status.retired") for r in rows
            ],
            t("apps.col.id"): [r["app_id"] for r in rows],
            t("apps.col.level"): [t(f"level.{r['level']}") for r in rows],
            t("apps.col.owner"): [r["owner_dept"] for r in rows],
            t("apps.col.platform"): [t(PLATFORMS.get(r["platform"], "apps.platform.other")) for r in rows],
            t("apps.col.last_event"): [r["last_event_on"].isoformat() if r["last_event_on"] else "" for r in rows],
        }
    )


def picker_options(flags: pl.DataFrame, current: str | None) -> tuple[list[str | None], dict]:
    """App ids for the picker (catalogue order, plus the URL's app if it is not in the region) and labels."""
    shown = {app: labels.with_code(labels.app_name(zh, en, app), app) for zh, en, app in _names(flags).rows()}
    ids: list[str | None] = [None, *shown]
    if current and current not in shown:
        info = db.query("app_info", app=current)
        if info.height:
            zh, en, app = _names(info).row(0)
            shown[current] = labels.with_code(labels.app_name(zh, en, app), app)
            ids.append(current)
    shown[None] = t("apps.pick_none")
    return ids, shown


def _names(apps: pl.DataFrame) -> pl.DataFrame:
    return apps.select("name_zh", "name_en", "app_id")


def load_detail(state: ViewState) -> AppDetail | None:
    if not state.app:
        return None
    info = db.query("app_info", app=state.app)
    if info.height == 0:
        return None
    params = {**state.query_params(), "app": state.app}
    trend = db.query("app_usage_by_month", **params)
    last_month = params["to"]
    counties = db.query("app_counties", app=state.app, region=state.region, month=last_month)
    # Shared users are counted in the period's last month; an app already gone by then is shown
    # in the last month it still had users, so the overlap says who used it alongside what.
    used = trend.filter(pl.col("active_users") > 0)
    overlap_month = (
        None if used.height == 0 else (last_month if used["month"].max() == last_month else used["month"].max())
    )
    overlap = db.query("app_overlap", **params, month=overlap_month or last_month)
    return AppDetail(info.row(0, named=True), trend, counties, overlap, last_month, overlap_month)


def detail_facts(info: dict, flags: pl.DataFrame) -> str:
    """One line about the app: level, owner, platform, status and flags at the as-of date (from the catalogue)."""
    judged = flags.filter(pl.col("app_id") == info["app_id"])
    status = [] if judged.height == 0 else [judged.row(0, named=True)]
    parts = [
        t(f"level.{info['level']}"),
        f"{info['owner_dept']} ({lines.name(info.get('line'))})",  # 县民政局 (民政): the department and its line
        t(PLATFORMS.get(info["platform"], "apps.platform.other")),
        t("apps.integrated" if info["is_integrated"] else "apps.flag.island"),
    ]
    parts += [t("apps.status.current" if row["is_current"] else "apps.status.retired") for row in status]
    parts += [t("apps.flag.zombie") for row in status if row["is_zombie"]]
    parts += [t(key) for column, key in PROHIBITED if info[column]]
    if info["photo_required"]:
        parts.append(t("apps.col.photo"))
    return " · ".join(parts)


def counties_table(counties: pl.DataFrame) -> pl.DataFrame:
    return counties.select(
        labels.with_region_label(counties)["label"].alias(t("table.region")),
        pl.col("county_code").alias(t("table.code")),
        pl.col("accounts_held").alias(t("apps.col.accounts_held")),
        pl.col("active_users").alias(t("apps.col.active_users")),
        pl.col("events").alias(t("apps.col.events")),
        pl.col("duplicate_submits").alias(t("apps.col.duplicates")),
    )


def overlap_labels(overlap: pl.DataFrame, region: dict | None = None) -> pl.DataFrame:
    """Full names (label) and short ones for chart bars (short): without the region's own name in front
    ("萧山区食品安全巡查" in 萧山区 reads "食品安全巡查") and without a bracketed gloss, at most 16 characters."""
    names = [labels.app_name(*row) for row in overlap.select("name_zh", "name_en", "other_app_id").rows()]
    region = region or {}
    prefixes = [p for p in (region.get("name_zh"), region.get("name_en")) if p]
    short = [labels.short_app_name(name, SHORT_CHARS, SHORT_CHARS, prefixes) for name in names]
    return overlap.with_columns(label=pl.Series(names, dtype=pl.String), short=pl.Series(short, dtype=pl.String))


def overlap_table(overlap: pl.DataFrame) -> pl.DataFrame:
    """Other apps ranked by duplicate entries with this app, then by users shared."""
    labelled = overlap_labels(overlap)
    return labelled.select(
        pl.col("label").alias(t("apps.col.other_app")),
        pl.col("other_app_id").alias(t("apps.col.id")),
        pl.col("duplicate_entries").alias(t("apps.col.pair_duplicates")),
        pl.col("repeated_in_other").alias(t("apps.col.repeated_in_other")),
        pl.col("repeated_in_app").alias(t("apps.col.repeated_in_app")),
        pl.col("shared_users").alias(t("apps.col.shared_users")),
        (pl.col("shared_users") * 100.0 / pl.when(pl.col("app_users") > 0).then(pl.col("app_users")))
        .round(1)
        .alias(t("apps.col.shared_share")),
    )


def trend_title(trend: pl.DataFrame) -> str:
    if trend.height == 0:
        return t("apps.chart.users_axis")
    first, last = trend.row(0, named=True), trend.row(-1, named=True)
    return t("apps.chart.users_title", start=f"{first['accounts_held']:,}", end=f"{last['accounts_held']:,}")


def events_title(trend: pl.DataFrame) -> str:
    if trend.height == 0:
        return t("apps.chart.events_axis")
    first, last = trend.row(0, named=True), trend.row(-1, named=True)
    return t("apps.chart.events_title", start=f"{first['events']:,}", end=f"{last['events']:,}")


def overlap_title(overlap: pl.DataFrame, region: dict) -> str:
    top = overlap_labels(overlap, region).row(0, named=True)
    if top["duplicate_entries"] > 0:
        return t("apps.chart.overlap_title_dup", other=top["short"], value=f"{top['duplicate_entries']:,}")
    return t("apps.chart.overlap_title_shared", other=top["short"], value=f"{top['shared_users']:,}")
