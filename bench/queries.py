"""Per-view query sets and their latency.

The query set of a view is recorded by running the real page (dashboard.py + app_pages/<view>.py, through
Streamlit's AppTest, which calls the frame and the view-model functions) with burden.db.run wrapped: every
query that reaches DuckDB is recorded with its parameters, in order. The bench therefore follows the code:
change a view model and its query set changes here too.

warm: this process, handle open, DuckDB and the OS cache warm, db.query's result cache emptied before
each run (so every query really runs; a result-cache hit is reported apart as warm_cached).
cold: a fresh subprocess per run (python -m bench.cold): no handle, no result cache; the figure is the
time from the first query (opening the file included) to the last, imports excluded and reported apart.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.stats import say, summary

ROOT = Path(__file__).resolve().parent.parent
DRILL_COUNTY = "330681"  # 诸暨市
DRILL_TOWN = "330681104"
DRILL_APP = "P33-05"


# --- parameters to and from JSON (dates are the only non-JSON type the views bind) ---------------------------


def encode(params: dict) -> dict:
    return {k: ({"__date__": v.isoformat()} if isinstance(v, dt.date) else v) for k, v in params.items()}


def decode(params: dict) -> dict:
    return {k: (dt.date.fromisoformat(v["__date__"]) if isinstance(v, dict) else v) for k, v in params.items()}


# --- which URLs --------------------------------------------------------------------------------------------------


def _exists(query, name: str, **params) -> bool:
    try:
        return query(name, **params).height > 0
    except Exception:  # noqa: BLE001 - a missing region or app just means: pick another
        return False


def drilled_urls() -> dict[str, dict]:
    """The drilled-in URL per view: a county (a town for Regions, an app for Apps), present in this database."""
    from burden import db

    county = DRILL_COUNTY
    town = DRILL_TOWN
    if not _exists(db.query, "region_info", region=town) or not _cadres_under(town):
        town = _first_town(county)
    app = DRILL_APP if _exists(db.query, "app_info", app=DRILL_APP) else None
    urls = {}
    from burden.web import frame

    for _file, view, _title, _icon in frame.PAGES:
        urls[view] = {"region": town} if view == "regions" else {"region": county}
        if view == "apps" and app:
            urls[view]["app"] = app
    return urls


def _con():
    from burden import db, settings

    return db.connect(settings.db_path(), read_only=True)


def _cadres_under(code: str) -> bool:
    con = _con()
    try:
        return con.execute("select count(*) from cadres where region_code like ? || '%'", [code]).fetchone()[0] > 0
    finally:
        con.close()


def _first_town(county: str) -> str:
    con = _con()
    try:
        row = con.execute(
            "select substr(region_code, 1, 9) from cadres where region_code like ? || '%' order by 1 limit 1", [county]
        ).fetchone()
    finally:
        con.close()
    return row[0] if row else county


# --- recording -----------------------------------------------------------------------------------------------


def run_page(page_file: str, url: dict):
    """Run dashboard.py on one page for one URL, as a browser opening the link would (AppTest)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    for key, value in url.items():
        at.query_params[key] = value
    at.switch_page(page_file)
    at.run()
    if at.exception:
        raise RuntimeError(f"{page_file} {url}: {[e.value for e in at.exception]}")
    return at


class Recorder:
    """Wraps burden.db.run to record (name, params, seconds) of every query that reaches DuckDB."""

    def __init__(self):
        self.calls: list[tuple[str, dict, float]] = []

    def __enter__(self):
        from burden import db

        self._db, self._orig = db, db.run

        def run(con, name, **params):
            started = time.perf_counter()
            result = self._orig(con, name, **params)
            self.calls.append((name, dict(params), time.perf_counter() - started))
            return result

        db.run = run
        return self

    def __exit__(self, *exc):
        self._db.run = self._orig


def record() -> dict[str, dict]:
    """{"<view>/<default|drilled>": {"view", "page", "url", "queries": [[name, params], ...], "page_s"}}."""
    from burden import access, db
    from burden.web import frame

    with access.using(access.local_scope()):  # picking the drilled URLs reads the database as the local user
        drilled = drilled_urls()
    sets = {}
    for page_file, view, _title, _icon in frame.PAGES:
        for which, url in (("default", {}), ("drilled", drilled[view])):
            db._results.clear()
            with Recorder() as rec:
                started = time.perf_counter()
                run_page(page_file, url)
                page_s = time.perf_counter() - started
            sets[f"{view}/{which}"] = {
                "view": view,
                "page": page_file,
                "url": url,
                "queries": [[name, encode(params)] for name, params, _s in rec.calls],
                "page_s_first": round(page_s, 4),
            }
            say(f"recorded {view}/{which} {url}: {len(rec.calls)} queries, page {page_s:.2f} s")
    return sets


# --- timing --------------------------------------------------------------------------------------------------


def run_set(queries: list) -> None:
    from burden import access, db

    with access.using(access.local_scope()):  # the recorded pages ran as the local single user
        for name, params in queries:
            db.query(name, **decode(params))


def warm(sets: dict, runs: int) -> dict:
    from burden import db

    out = {}
    for key, spec in sets.items():
        run_set(spec["queries"])  # warm-up: handle open, data read once
        times = []
        for _ in range(runs):
            db._results.clear()
            started = time.perf_counter()
            run_set(spec["queries"])
            times.append(time.perf_counter() - started)
        cached = []
        for _ in range(runs):
            started = time.perf_counter()
            run_set(spec["queries"])
            cached.append(time.perf_counter() - started)
        out[key] = {"queries": len(spec["queries"]), **summary(times), "cached": summary(cached)}
        say(f"warm {key}: p50 {out[key]['p50_s'] * 1000:.1f} ms, p95 {out[key]['p95_s'] * 1000:.1f} ms")
    return out


def cold(sets: dict, runs: int, workdir: Path) -> dict:
    """Each run a fresh `python -m bench.cold` process on one query set."""
    from burden import settings

    sets_file = Path(workdir) / "query_sets.json"
    sets_file.write_text(json.dumps({k: v["queries"] for k, v in sets.items()}))
    env = {**os.environ, "BURDEN_DB": str(settings.db_path())}
    out = {}
    for key in sets:
        times, imports, procs = [], [], []
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "bench.cold", str(sets_file), key],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            procs.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise RuntimeError(f"cold run {key} failed: {done.stderr[-2000:]}")
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            times.append(figures["seconds"])
            imports.append(figures["import_s"])
        out[key] = {**summary(times), "import_p50_s": summary(imports)["p50_s"], "process": summary(procs)}
        say(f"cold {key}: p50 {out[key]['p50_s'] * 1000:.1f} ms, p95 {out[key]['p95_s'] * 1000:.1f} ms")
    return out
