"""County shapes for the Overview's map, and the county figures drawn on it.

The shapes (data/geo/zhejiang_counties.geojson, built by tools/simplify_geo.py)
are about 2017 boundaries keyed by 2023 county codes: three current counties
have no shape (see data/PROVENANCE.md). The figures come from the same
queries as the ranking (apps_per_cadre, burden_rates), one call per city, so
the map and the tables always agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import polars as pl

from burden import access, db, settings
from burden.filters import ViewState

GEOJSON = settings.DATA_DIR / "geo" / "zhejiang_counties.geojson"

# metric id -> (query, column)
MAP_METRICS = {
    "held_median": ("apps_per_cadre", "held_median"),
    "duplicate_entry_rate": ("burden_rates", "duplicate_entry_rate"),
}


@cache
def shapes() -> dict:
    return json.loads(GEOJSON.read_text(encoding="utf-8"))


def drawable() -> frozenset[str]:
    return frozenset(feature["id"] for feature in shapes()["features"])


def shapes_for(codes: set[str]) -> dict:
    """A FeatureCollection with only the given counties (a city map sends the browser a fraction of the file)."""
    return {"type": "FeatureCollection", "features": [f for f in shapes()["features"] if f["id"] in codes]}


@dataclass(frozen=True)
class CountyMap:
    counties: pl.DataFrame  # region_code, name_zh, name_en, value, drawable
    metric: str
    month: str  # YYYY-MM, the period's last month
    highlight: str | None  # the chosen county, when a county or below is chosen

    @property
    def drawn(self) -> pl.DataFrame:
        return self.counties.filter(pl.col("drawable"))

    @property
    def not_drawn(self) -> pl.DataFrame:
        return self.counties.filter(~pl.col("drawable"))


def map_scope(region: str) -> tuple[str, str | None]:
    """(region whose counties are drawn, county to highlight): province and city as chosen; below, the county's city.

    Never wider than the viewer's scope: a county inspector's map holds their county alone.
    """
    root = access.current().region or region
    if len(region) <= 4:
        return (root if len(root) > len(region) else region), None
    drawn = region[:4]
    return (root if len(root) > len(drawn) else drawn), region[:6]


def county_map(state: ViewState, metric: str) -> CountyMap:
    """Every county under the map's scope with the metric for the period's last month (drawable or not)."""
    scope, highlight = map_scope(state.region)
    query, column = MAP_METRICS[metric]
    last = state.query_params()["to"]
    counties = db.query("region_options").filter(
        (pl.col("level") == "county") & pl.col("region_code").str.starts_with("" if scope == "33" else scope)
    )
    frames = []
    for city in sorted({code[:4] for code in counties["region_code"]}):
        params = {"region": city, "children": True, "from": last, "to": last, "by_month": False}
        if query == "apps_per_cadre":
            params["target"] = settings.APPS_TARGET
        frames.append(db.query(query, **params).select("region_code", pl.col(column).cast(pl.Float64).alias("value")))
    values = pl.concat(frames) if frames else pl.DataFrame(schema={"region_code": pl.Utf8, "value": pl.Float64})
    counties = (
        counties.select("region_code", "name_zh", "name_en")
        .join(values, on="region_code", how="left")
        .with_columns(drawable=pl.col("region_code").is_in(list(drawable())))
        .sort("region_code")
    )
    return CountyMap(counties, metric, state.end, highlight)
