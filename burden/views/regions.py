"""Regions view model: the drill-down trail, the per-cadre distribution, the apps driving the load,
the child-region table and the pseudonymous cadre list, for one view state (no streamlit here)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from burden import access, db, i18n, labels, metrics, pseudonyms, settings, summary
from burden.filters import ViewState, month_start
from burden.i18n import CATALOGUES, fmt_pct, t

# NBS code lengths, top down: a region's ancestors are the prefixes of its code
CODE_LENGTHS = (2, 4, 6, 9, 12)
# Villages are named after their committee ("湖田村委会"); a cadre label uses the place ("湖田村")
_COMMITTEE_SUFFIXES = (
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("村村民委员会", "村"),
    ("村民委员会", "村"),
    ("村村委会", "村"),
    ("村委会", "村"),
    ("居民委员会", "社区"),
    ("居委会", "社区"),
)
TOP_APPS = 10


@dataclass(frozen=True)
class RegionsData:
    region: dict
    trail: list[dict]  # the scope root (the province for a leader) down to the region itself
    latest: dict  # apps_per_cadre + burden_rates of the region in the period's last month ({} without cadres)
    hist: pl.DataFrame  # cadres_by_app_count
    apps: pl.DataFrame  # apps_driving_load
    children: pl.DataFrame  # child regions, last month, with the mean held at the period's start
    cadres: pl.DataFrame | None  # cadres_in_region with a pseudonym instead of cadre_id; None when not shown


def load(state: ViewState, cadre_rows: bool) -> RegionsData:
    region = db.query("region_info", region=state.region).row(0, named=True)
    month = month_start(state.end)
    latest = {"region": state.region, "from": month, "to": month, "by_month": False}
    apps = db.query("apps_per_cadre", **latest, children=False, target=settings.APPS_TARGET)
    rates = db.query("burden_rates", **latest, children=False)
    figures = {**apps.row(0, named=True), **rates.row(0, named=True)} if apps.height and rates.height else {}
    # Cadre-level rows are only read when they may be shown (never in meeting mode)
    show_cadres = cadre_rows and region["level"] in ("town", "village")
    return RegionsData(
        region=region,
        trail=trail(state.region),
        latest=figures,
        hist=db.query("cadres_by_app_count", region=state.region, month=month),
        apps=db.query("apps_driving_load", region=state.region, month=month),
        children=_children(state),
        cadres=pseudonymous(db.query("cadres_in_region", region=state.region, month=month)) if show_cadres else None,
    )


def pseudonymous(cadres: pl.DataFrame) -> pl.DataFrame:
    """The cadre rows with `pseudonym` in place of `cadre_id`: the raw id stops here, before any page or export."""
    names = [pseudonyms.pseudonym(cadre_id) for cadre_id in cadres["cadre_id"]]
    return cadres.with_columns(pseudonym=pl.Series(names, dtype=pl.String)).drop("cadre_id")


def trail(code: str) -> list[dict]:
    """The regions from the viewer's scope root (the province for a leader) down to `code` (breadcrumbs)."""
    root = access.current().region or code
    prefixes = [code[:n] for n in CODE_LENGTHS if len(root) <= n <= len(code)]
    return [db.query("region_info", region=prefix).row(0, named=True) for prefix in prefixes]


def _children(state: ViewState) -> pl.DataFrame:
    """Child regions in the period's last month, most apps held first, with the mean held at the period's start."""
    end, start = month_start(state.end), month_start(state.start)
    common = {"region": state.region, "children": True, "by_month": False}
    children = summary.child_figures(state.region, end)
    if children.height == 0:
        return children
    first = db.query("apps_per_cadre", **common, **{"from": start, "to": start}, target=settings.APPS_TARGET)
    start_means = first.select("region_code", pl.col("held_mean").alias("held_mean_start"))
    joined = children.join(start_means, on="region_code", how="left", maintain_order="left")  # most held first
    names = [region_label(row) for row in joined.select("name_zh", "name_en", "level").iter_rows(named=True)]
    return joined.with_columns(label=pl.Series(names, dtype=pl.String))


# --- labels and titles --------------------------------------------------------------------------------------


def place_name(name_zh: str) -> str:
    """A village's place name from its committee's name: 湖田村委会 -> 湖田村, 牛皋社区居委会 -> 牛皋社区."""
    for suffix, place in _COMMITTEE_SUFFIXES:
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix):
            return name_zh[: -len(suffix)] + place
    return name_zh


def cadre_label(region_name_zh: str, roles: str, pseudonym: str) -> str:
    """The display label: place · first role · keyed pseudonym (never a name, an id or its sequence number)."""
    first_role = roles.split(";")[0].strip()
    return f"{place_name(region_name_zh)} · {first_role} · {pseudonym}"


def role_name(role: str) -> str:
    """A role in the current language; roles the catalogue does not know stay as recorded."""
    key = f"regions.role.{role}"
    return t(key) if key in CATALOGUES[i18n.lang()] else role


def region_label(row: dict) -> str:
    name = i18n.region_name(row["name_zh"], row["name_en"])
    return place_name(name) if row["level"] == "village" else name


def hist_title(latest: dict, target: int) -> str:
    share = latest.get("held_share_above")
    if share is None:
        return t("regions.hist_axis")
    if share == 0:
        return t("regions.hist_title_none", target=target)
    return t("regions.hist_title", share=fmt_pct(share, 0), target=target)


def apps_title(apps: pl.DataFrame) -> str:
    top = apps.row(0, named=True)
    name = labels.short_app_name(labels.app_name(top["name_zh"], top["name_en"], top["app_id"]), zh_chars=22)
    return t("regions.apps_title", app=name, hours=top["hours_per_cadre_week"] or 0)


def children_title(children: pl.DataFrame, target: int) -> str:
    above = children.filter(pl.col("held_mean") > target).height  # the chart's bars are means
    if above:
        return t("regions.children_title_above", n=above, total=children.height, target=target)
    return t("regions.children_title_ok", total=children.height, target=target)


# --- tables as shown on screen and exported ------------------------------------------------------------------


def children_table(children: pl.DataFrame, start: str, end: str) -> pl.DataFrame:
    return children.select(
        *labels.region_columns(),
        pl.col("cadres").alias(t("regions.col.cadres")),
        *(m.table_column() for m in metrics.on("ranking")),
        pl.col("held_mean_start").round(2).alias(t("regions.col.held_mean_at", month=start)),
        pl.col("used_mean").round(2).alias(t("regions.col.used_mean")),
    )


def apps_table(apps: pl.DataFrame) -> pl.DataFrame:
    names = [labels.app_name(*row) for row in apps.select("name_zh", "name_en", "app_id").rows()]
    levels = [t(f"level.{level}") for level in apps["level"]]
    return apps.select(
        pl.Series(t("regions.col.app"), names, dtype=pl.String),
        pl.col("app_id").alias(t("regions.col.app_id")),
        pl.Series(t("regions.col.level"), levels, dtype=pl.String),
        pl.col("owner_dept").alias(t("regions.col.owner")),
        pl.col("accounts_held").alias(t("regions.col.accounts")),
        pl.col("active_users").alias(t("regions.col.active")),
        pl.col("events").alias(t("regions.col.events")),
        (pl.col("duplicate_entry_rate") * 100).round(1).alias(t("table.duplicate_rate")),
        pl.col("hours").round(1).alias(t("regions.col.hours")),
        pl.col("hours_per_cadre_week").round(2).alias(t("regions.col.hours_week")),
    )


def cadre_table(cadres: pl.DataFrame) -> pl.DataFrame:
    rows = list(cadres.select("region_name_zh", "roles", "pseudonym").iter_rows())
    shown = [cadre_label(place, roles, pseudonym) for place, roles, pseudonym in rows]
    separator = ", " if i18n.lang() == "en" else "、"
    roles = [separator.join(role_name(role) for role in roles.split(";")) for _, roles, _ in rows]
    return cadres.select(
        pl.Series(t("regions.col.cadre"), shown, dtype=pl.String),
        pl.Series(t("regions.col.roles"), roles, dtype=pl.String),
        pl.col("age_band").alias(t("regions.col.age")),
        pl.col("apps_held").alias(t("regions.col.apps_held")),
        pl.col("apps_used").alias(t("regions.col.apps_used")),
        pl.col("fingertip_hours_per_week").round(1).alias(t("table.fingertip_hours")),
        (pl.col("duplicate_entry_rate") * 100).round(1).alias(t("table.duplicate_rate")),
    )
