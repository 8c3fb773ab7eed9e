"""The app catalogue: provincial apps and platforms, one set per city and per county (invented names)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from burden import lines
from burden.demo.cadres import FACT_BITS
from burden.demo.rand import pyrand
from burden.demo.scenario import Scenario

FLAGS = ("has_checkin", "has_ranking", "tracks_online_time", "forced_install", "photo_required")

# Which fact types an app can take an entry for, from its functions.
_FUNCTION_BITS = {
    "走访登记": FACT_BITS["visit"],
    "巡查": FACT_BITS["patrol"] | FACT_BITS["inspection"],
    "拍照取证": FACT_BITS["inspection"],
    "问题上报": FACT_BITS["report"],
    "统计报表": FACT_BITS["statistics"],
}

COLUMNS = [
    *("app_id", "name_zh", "name_en", "owner_dept", "line", "level", "owner_region_code", "platform", "functions"),
    *("launched_on", "is_integrated", "has_checkin", "has_ranking", "tracks_online_time", "forced_install"),
    "photo_required",
]


def _mask(functions: str, platform_app: bool) -> int:
    if platform_app:
        return sum(FACT_BITS.values())
    return sum({b for f in functions.split(";") for b in [_FUNCTION_BITS.get(f, 0)]})


def _session_kind(app: dict) -> str:
    """How cadres touch the app outside entries: daily 浙政钉 use, check-ins, online-time apps, or now and then."""
    if app["app_id"] == "P33-01":
        return "daily"
    if app["app_id"] == "P33-02":
        return "frequent"
    if app["has_checkin"]:
        return "checkin"
    if app["has_ranking"] or app["tracks_online_time"]:
        return "online"
    return "plain"


def _app(seed: int, spec: dict, **fields) -> dict:
    app = {
        "platform": spec.get("platform", "standalone"),
        "functions": spec["functions"],
        "fate": spec.get("fate", "keep"),
        "target": spec.get("target"),
        "finding": spec.get("finding", "low_value"),
        "zombie": bool(spec.get("zombie", False)),
        "role": spec.get("role"),
        "done_on": date.fromisoformat(spec["done_on"]) if spec.get("done_on") else None,
        "is_rebound": False,
    }
    app.update({f: bool(spec.get(f, False)) for f in FLAGS})
    app.update(fields)
    app["line"] = spec.get("line") or lines.of_dept(app["owner_dept"])  # 条线, as the province's catalogue gives it
    if "launched_on" not in app:
        app["launched_on"] = date(2017, 1, 1) + timedelta(days=int(pyrand(seed, "launch", app["app_id"]) * 1800))
    if "is_integrated" not in app:
        share = 0.5 if app["fate"] == "keep" else 0.15
        app["is_integrated"] = app["platform"] in ("浙政钉", "浙里办") or pyrand(seed, "sso", app["app_id"]) < share
    return app


def build_apps(con, sc: Scenario, seed: int) -> pl.DataFrame:
    """Table apps_all: the published columns plus the scenario's internal ones (fate, target, mask, ...)."""
    cities = con.execute(
        "select c.code, c.name, e.name_en from div_city c left join div_name_en e on e.region_code = c.code "
        "order by c.code"
    ).fetchall()
    counties = con.execute(
        "select c.code, c.name, e.name_en from div_county c left join div_name_en e on e.region_code = c.code "
        "order by c.code"
    ).fetchall()
    apps = []
    for spec in sc["province_apps"]:
        apps.append(
            _app(
                seed,
                spec,
                app_id=spec["app_id"],
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                owner_dept=spec["owner_dept"],
                level="province",
                owner_region_code="33",
                launched_on=date.fromisoformat(spec["launched_on"]),
                is_integrated=bool(spec.get("is_integrated", False)),
            )
        )
    for code, name, name_en in cities:
        for i, spec in enumerate(sc["city_apps"], start=1):
            dept = name + spec["owner_dept"].removeprefix("市")
            apps.append(
                _app(
                    seed,
                    spec,
                    app_id=f"C{code}-{i:02d}",
                    name_zh=name + spec["suffix_zh"],
                    name_en=f"{name_en} {spec['suffix_en']}",
                    owner_dept=dept,
                    level="city",
                    owner_region_code=code,
                )
            )
    patrol = sc["city_patrol"]
    apps.append(
        _app(
            seed,
            {**patrol, "fate": "merge", "finding": "duplicate_function", "role": "patrol"},
            app_id=patrol["app_id"],
            name_zh=patrol["name_zh"],
            name_en=patrol["name_en"],
            owner_dept=patrol["owner_dept"],
            level="city",
            owner_region_code=patrol["city"],
        )
    )
    counts = sc["county_app_counts"]
    xiaoshan = sc["seed_places"]["xiaoshan_county"]
    for code, name, name_en in counties:
        span = counts["max"] - counts["min"] + 1
        n = counts["xiaoshan"] if code == xiaoshan else counts["min"] + int(pyrand(seed, "county_apps", code) * span)
        for i, spec in enumerate(sc["county_apps"][:n], start=1):
            apps.append(
                _app(
                    seed,
                    spec,
                    app_id=f"K{code}-{i:02d}",
                    name_zh=name + spec["suffix_zh"],
                    name_en=f"{name_en} {spec['suffix_en']}",
                    owner_dept=name + spec["owner_dept"].removeprefix("县"),
                    level="county",
                    owner_region_code=code,
                )
            )
    rebound = sc["alerts"]["rebound_county"]
    for spec in sc["rebound_apps"]:
        apps.append(
            _app(
                seed,
                {**spec, "fate": "keep"},
                app_id=spec["app_id"],
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                owner_dept=spec["owner_dept"],
                level="county",
                owner_region_code=rebound,
                launched_on=date.fromisoformat(spec["launched_on"]),
                is_integrated=False,
                is_rebound=True,
            )
        )
    for num, app in enumerate(apps):
        app["app_num"] = num
        app["mask"] = _mask(app["functions"], app["fate"] == "platform")
        app["session_kind"] = _session_kind(app)
    if len(apps) >= 2048:
        raise ValueError("event ids give apps 11 bits")
    frame = pl.DataFrame(apps, infer_schema_length=None)
    con.register("apps_src", frame.to_arrow())
    con.execute("create or replace table apps_all as select * from apps_src order by app_id")
    con.unregister("apps_src")
    return frame
