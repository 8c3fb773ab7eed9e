"""Build data/geo/zhejiang_counties.geojson from the ~2017 county shapes in shared/data.

    python3 -m venv /tmp/geo-venv && /tmp/geo-venv/bin/pip install shapely
    /tmp/geo-venv/bin/python tools/simplify_geo.py [--src /work/shared/data/zhejiang_geo_2017]

shapely is a one-off tool dependency (not a project dependency): the dashboard
only reads the committed output. Each feature is keyed by its 2023 county code
(`id` and `properties.code`), matched by name against
data/zhejiang_divisions/counties.csv after the renames below; shapes of
counties that no longer exist are dropped, and the script prints every
current county without a shape.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from shapely.geometry import MultiPolygon, Polygon, mapping, shape

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "geo" / "zhejiang_counties.geojson"
COUNTIES = ROOT / "data" / "zhejiang_divisions" / "counties.csv"

# 2017 name -> 2023 name (same shape)
RENAMED = {"临安市": "临安区", "玉环县": "玉环市"}
# 2017 shapes of counties abolished since (Hangzhou's 2021 re-districting)
GONE = {"下城区", "江干区"}

TOLERANCE = 0.004  # degrees, about 400 m: invisible on a province or city map
MIN_ISLAND = 2e-5  # square degrees (about 0.2 km²): smaller islets vanish at this scale anyway
DIGITS = 4  # about 10 m


def _round(coords):
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], DIGITS), round(coords[1], DIGITS)]
    return [_round(c) for c in coords]


def _simplify(geometry) -> Polygon | MultiPolygon:
    geom = shape(geometry).buffer(0)  # repairs self-intersections in the source rings
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    largest = max(part.area for part in parts)
    kept = [p.simplify(TOLERANCE, preserve_topology=True) for p in parts if p.area >= MIN_ISLAND or p.area == largest]
    kept = [p for p in kept if not p.is_empty]
    return kept[0] if len(kept) == 1 else MultiPolygon(kept)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", default="/work/shared/data/zhejiang_geo_2017")
    args = parser.parse_args()
    with COUNTIES.open(encoding="utf-8") as handle:
        codes = {row["name"]: row["code"] for row in csv.DictReader(handle)}

    features = []
    for path in sorted(Path(args.src).glob("*.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            old_name = feature["properties"]["name"]
            if old_name in GONE:
                continue
            name = RENAMED.get(old_name, old_name)
            code = codes[name]  # a KeyError here means an unmapped rename: add it to RENAMED
            geometry = mapping(_simplify(feature["geometry"]))
            features.append(
                {
                    "type": "Feature",
                    "id": code,
                    "properties": {"code": code, "name": name, "name_2017": old_name},
                    "geometry": {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])},
                }
            )
    features.sort(key=lambda f: f["id"])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    collection = {"type": "FeatureCollection", "features": features}
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    drawn = {f["id"] for f in features}
    missing = sorted((code, name) for name, code in codes.items() if code not in drawn)
    print(f"{OUT.relative_to(ROOT)}: {len(features)} shapes, {OUT.stat().st_size / 1024:.0f} KB")
    print("current counties without a shape:", missing)


if __name__ == "__main__":
    main()
