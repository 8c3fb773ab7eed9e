"""County shapes for the Overview's map, and the shape of the county figures drawn on it.

The shapes (data/geo/zhejiang_counties.geojson, built by tools/simplify_geo.py)
are about 2017 boundaries keyed by 2023 county codes: three current counties
have no shape (see data/PROVENANCE.md). The figures themselves come from one
county_figures query (burden/views/overview.county_map).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import polars as pl

from burden import access, settings

GEOJSON = settings.DATA_DIR / "geo" / "zhejiang_counties.geojson"


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
