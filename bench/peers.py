"""Peer baselines for the three headline metrics by county-month.

apps_used: apps used per cadre (sum over the county's cadres of the apps each used that month / cadres);
duplicate_rate: repeating submits / submits (the rollup's definition: same cadre, subject and fact type in a
different app within the window); fingertip_hours: sum of duration_s / 3600 / cadre-weeks.

rollup: one SELECT on region_month (level county) — what the dashboard does;
duckdb_raw: DuckDB over the raw app_events and cadres tables of the same database, no derived table;
polars_lazy: Polars lazy over the raw Parquet files the database was loaded from.
Each is timed warm (p50 of `runs`); ratio = peer / rollup. The results are compared (max abs difference).
"""

from __future__ import annotations

import io
import multiprocessing
import sys
import time
import types
from pathlib import Path

import polars as pl

from bench.stats import say, summary
from burden.db import open_duckdb

METRICS = ("apps_used", "duplicate_rate", "fingertip_hours")

ROLLUP = {
    "apps_used": "apps_used / cadres",
    "duplicate_rate": "duplicate_submits / nullif(submits, 0)",
    "fingertip_hours": "duration_s / 3600.0 / cadre_weeks",
}

_COUNTY = """
    county_cadres as (
        select substr(region_code, 1, 6) as county, count(*) as cadres from cadres group by 1
    ),
    cadre_county as (select cadre_id, substr(region_code, 1, 6) as county from cadres)
"""

RAW = {
    "apps_used": f"""
        with {_COUNTY},
        used as (
            select cast(date_trunc('month', ts) as date) as month, cadre_id, count(distinct app_id) as apps
            from app_events group by 1, 2
        )
        select used.month, cc.county, sum(used.apps) / any_value(n.cadres) as value
        from used join cadre_county as cc using (cadre_id) join county_cadres as n using (county)
        group by 1, 2
    """,
    "duplicate_rate": f"""
        with {_COUNTY},
        submits as (
            select event_id, ts, cadre_id, app_id, subject_key, fact_type,
                cast(floor(extract(epoch from ts) / ($window_days * 86400)) as bigint) as bucket
            from app_events
            where action = 'submit' and subject_key is not null and subject_key <> '' and fact_type is not null
        ),
        probes as (
            select *, bucket as probe from submits union all select *, bucket - 1 as probe from submits
        ),
        repeats as (
            select distinct r.event_id, r.ts, r.cadre_id
            from probes as r join submits as o
                on o.cadre_id = r.cadre_id and o.subject_key = r.subject_key and o.fact_type = r.fact_type
                and o.bucket = r.probe
            where o.app_id <> r.app_id and o.ts >= r.ts - $window_days * interval '1' day
                and (o.ts < r.ts or (o.ts = r.ts and o.event_id < r.event_id))
        ),
        dup as (
            select cast(date_trunc('month', ts) as date) as month, cc.county, count(*) as n
            from repeats join cadre_county as cc using (cadre_id) group by 1, 2
        ),
        sub as (
            select cast(date_trunc('month', ts) as date) as month, cc.county, count(*) as n
            from app_events join cadre_county as cc using (cadre_id) where action = 'submit' group by 1, 2
        )
        select sub.month, sub.county, coalesce(dup.n, 0) / sub.n as value
        from sub left join dup using (month, county)
    """,
    "fingertip_hours": f"""
        with {_COUNTY},
        spent as (
            select cast(date_trunc('month', ts) as date) as month, cc.county, sum(duration_s) as seconds
            from app_events join cadre_county as cc using (cadre_id) group by 1, 2
        )
        select spent.month, spent.county,
            spent.seconds / 3600.0 / (n.cadres * day(last_day(spent.month)) / 7.0) as value
        from spent join county_cadres as n using (county)
    """,
}


def _polars(files: Path, metric: str, window_days: int) -> pl.LazyFrame:
    events = pl.scan_parquet(str(files / "app_events" / "*.parquet"))
    cadres = pl.scan_parquet(str(files / "cadres.parquet")).select(
        "cadre_id", pl.col("region_code").str.slice(0, 6).alias("county")
    )
    county_cadres = cadres.group_by("county").agg(pl.len().alias("cadres"))
    month = pl.col("ts").dt.truncate("1mo").cast(pl.Date).alias("month")
    if metric == "apps_used":
        used = events.group_by(month, "cadre_id").agg(pl.col("app_id").n_unique().alias("apps"))
        return (
            used.join(cadres, on="cadre_id")
            .group_by("month", "county")
            .agg(pl.col("apps").sum())
            .join(county_cadres, on="county")
            .select("month", "county", (pl.col("apps") / pl.col("cadres")).alias("value"))
        )
    if metric == "fingertip_hours":
        days = pl.col("month").dt.month_end().dt.day()
        return (
            events.join(cadres, on="cadre_id")
            .group_by(month, "county")
            .agg(pl.col("duration_s").sum().alias("seconds"))
            .join(county_cadres, on="county")
            .select("month", "county", (pl.col("seconds") / 3600 / (pl.col("cadres") * days / 7)).alias("value"))
        )
    window = window_days * 86400
    submits = events.filter(pl.col("action") == "submit")
    keyed = submits.filter(
        pl.col("subject_key").is_not_null() & (pl.col("subject_key") != "") & pl.col("fact_type").is_not_null()
    ).select(
        "event_id",
        "ts",
        "cadre_id",
        "app_id",
        "subject_key",
        "fact_type",
        (pl.col("ts").dt.epoch("s") // window).alias("bucket"),
    )
    probes = pl.concat([keyed.with_columns(probe=pl.col("bucket")), keyed.with_columns(probe=pl.col("bucket") - 1)])
    originals = keyed.select(
        "cadre_id",
        "subject_key",
        "fact_type",
        "bucket",
        pl.col("event_id").alias("o_id"),
        pl.col("ts").alias("o_ts"),
        pl.col("app_id").alias("o_app"),
    )
    repeats = (
        probes.join(
            originals,
            left_on=["cadre_id", "subject_key", "fact_type", "probe"],
            right_on=["cadre_id", "subject_key", "fact_type", "bucket"],
        )
        .filter(
            (pl.col("o_app") != pl.col("app_id"))
            & (pl.col("o_ts") >= pl.col("ts") - pl.duration(days=window_days))
            & (
                (pl.col("o_ts") < pl.col("ts"))
                | ((pl.col("o_ts") == pl.col("ts")) & (pl.col("o_id") < pl.col("event_id")))
            )
        )
        .select("event_id", "ts", "cadre_id")
        .unique("event_id")
    )
    dup = repeats.join(cadres, on="cadre_id").group_by(month, "county").agg(pl.len().alias("dup"))
    sub = submits.join(cadres, on="cadre_id").group_by(month, "county").agg(pl.len().alias("sub"))
    return sub.join(dup, on=["month", "county"], how="left").select(
        "month", "county", (pl.col("dup").fill_null(0) / pl.col("sub")).alias("value")
    )


def _diff(a: pl.DataFrame, b: pl.DataFrame) -> float | None:
    joined = a.join(b, on=["month", "county"], how="inner", suffix="_b")
    if joined.height == 0:
        return None
    return float((joined["value"] - joined["value_b"]).abs().fill_nan(0).fill_null(0).max())


def _time(fn, runs: int) -> tuple[dict, pl.DataFrame]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return summary(times), result


def _peer(kind: str, metric: str, db_path: str, files: str, window: int) -> pl.DataFrame:
    """One peer computation of one metric, from scratch (its own connection: nothing cached between runs)."""
    if kind == "polars_lazy":
        return _polars(Path(files), metric, window).collect(engine="streaming")
    con = open_duckdb(db_path, read_only=True)
    try:
        sql = RAW[metric]
        return con.sql(sql, params={"window_days": window} if "$window_days" in sql else {}).pl()
    finally:
        con.close()


def _child(conn, kind, metric, db_path, files, window, runs) -> None:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        try:
            result = _peer(kind, metric, db_path, files, window)
        except Exception as exc:  # e.g. out of disk for its temp spill: say why, and after how long
            conn.send(("error", (f"{type(exc).__name__}: {exc}"[:300], time.perf_counter() - started)))
            return
        times.append(time.perf_counter() - started)
        conn.send(("time", times[-1]))
    conn.send(("done", result.write_ipc(None).getvalue()))


def _capped(kind, metric, db_path, files, window, runs, cap_s) -> tuple[dict, pl.DataFrame | None]:
    """Run a peer in a separate process, stopped after cap_s: at province scale a raw-events peer can take
    many minutes (or exhaust memory); a stopped peer still bounds its ratio from below."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(child, kind, metric, str(db_path), str(files), window, runs))
    # AppTest (the queries section records the pages with it) leaves the page script as __main__, and a spawned
    # child runs __main__ again before its target: start it with a bare __main__ instead.
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        proc.start()
    finally:
        sys.modules["__main__"] = main
    started = time.perf_counter()
    times, result, failed, deadline = [], None, None, started + cap_s
    try:
        while (remaining := deadline - time.perf_counter()) > 0:
            if not parent.poll(min(1.0, remaining)):
                if not proc.is_alive():
                    break  # died without a word: e.g. killed for memory
                continue
            tag, value = parent.recv()
            if tag == "time":
                times.append(value)
            elif tag == "error":
                failed = value
                break
            else:
                result = pl.read_ipc(io.BytesIO(value))
                break
    except EOFError:
        pass
    finally:
        proc.terminate()
        proc.join()
    if times:
        return summary(times), result
    if failed:  # it had not finished when it failed: the time until then bounds its run from below
        message, seconds = failed
        return {"runs": 0, "p50_s": None, "cap_s": cap_s, "lower_bound_s": seconds, "unfinished": message}, None
    stopped = proc.exitcode == -15  # terminated at the cap; otherwise it died on its own (e.g. killed for memory)
    reason = f"stopped after {cap_s:g} s" if stopped else f"exit code {proc.exitcode}"
    bound = cap_s if stopped else min(cap_s, time.perf_counter() - started)
    return {"runs": 0, "p50_s": None, "cap_s": cap_s, "lower_bound_s": bound, "unfinished": reason}, None


def measure(db_path: Path, files: Path, runs: int, cap_s: float | None = None) -> dict:
    """cap_s None: peers run in this process; otherwise each in a child process stopped after cap_s seconds."""
    from burden import settings

    window = settings.DUPLICATE_WINDOW_DAYS
    con = open_duckdb(db_path, read_only=True)
    out = {}
    try:
        for metric in METRICS:
            rollup_sql = (
                f"select month, region_code as county, {ROLLUP[metric]} as value "
                "from region_month where level = 'county'"
            )
            rollup_t, rollup_df = _time(lambda sql=rollup_sql: con.sql(sql).pl(), max(runs, 5))
            rollup_df = rollup_df.with_columns(pl.col("month").cast(pl.Date))
            base = rollup_t["p50_s"] or 1e-9
            out[metric] = {"rollup": rollup_t, "rows": rollup_df.height}
            for kind in ("duckdb_raw", "polars_lazy"):
                if cap_s is None:
                    peer_t, peer_df = _time(
                        lambda k=kind, m=metric: _peer(k, m, str(db_path), str(files), window), runs
                    )
                else:
                    peer_t, peer_df = _capped(kind, metric, db_path, files, window, runs, cap_s)
                # an unfinished peer took longer than the cap: its ratio is at least cap / rollup
                seconds = peer_t["p50_s"] if peer_t["p50_s"] is not None else peer_t.get("lower_bound_s", cap_s)
                out[metric][kind] = peer_t
                out[metric][f"ratio_{kind}"] = round(seconds / base, 1)
                out[metric][f"ratio_{kind}_is_lower_bound"] = peer_t["p50_s"] is None
                out[metric][f"max_abs_diff_{kind}"] = (
                    None if peer_df is None else _diff(rollup_df, peer_df.with_columns(pl.col("month").cast(pl.Date)))
                )
            say(
                f"peers {metric}: rollup {base * 1000:.1f} ms, duckdb raw ×{out[metric]['ratio_duckdb_raw']}, "
                f"polars lazy ×{out[metric]['ratio_polars_lazy']}"
            )
    finally:
        con.close()
    return out
