"""Overhead of the app path over bare DuckDB on the same SQL.

bare: the recorded statements of a view run straight on one read-only DuckDB connection (execute, results
materialised as Arrow tables: the cheapest complete fetch).
query: the same statements through burden.db.query (cursor, parameter check, Polars frame, cache bookkeeping;
result cache emptied each run) — the warm figures of the queries section.
page: the whole page run (AppTest: the frame, the view-model functions, charts and tables built), result
cache emptied each run. Ratios are of p50s, per set and over all sets (sum of p50s).
"""

from __future__ import annotations

import time

from bench.queries import decode, run_page
from bench.stats import say, summary


def bare(sets: dict, runs: int) -> dict:
    from burden import access, db, settings

    con = db.open_duckdb(settings.db_path(), read_only=True)
    try:
        out = {}
        for key, spec in sets.items():
            statements = []
            for name, params in spec["queries"]:
                sql = db.sql_text(name)
                wanted = db.param_names(sql)
                bound = db.bind(name, decode(params), access.local_scope())  # the same $scope the app binds
                db.define_macros(con, sql)  # the macros it calls, once: this one connection keeps them
                statements.append((sql, {k: v for k, v in bound.items() if k in wanted}))
            for sql, bound in statements:  # warm-up
                con.sql(sql, params=bound).to_arrow_table()
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                for sql, bound in statements:
                    con.sql(sql, params=bound).to_arrow_table()
                times.append(time.perf_counter() - started)
            out[key] = summary(times)
        return out
    finally:
        con.close()


def pages(sets: dict, runs: int) -> dict:
    from burden import db

    out = {}
    for key, spec in sets.items():
        times = []
        for _ in range(runs):
            db._results.clear()
            started = time.perf_counter()
            run_page(spec["page"], spec["url"])
            times.append(time.perf_counter() - started)
        out[key] = summary(times)
        say(f"page {key}: p50 {out[key]['p50_s'] * 1000:.0f} ms")
    return out


def measure(sets: dict, warm: dict, runs: int, page_runs: int) -> dict:
    bare_t = bare(sets, runs)
    page_t = pages(sets, page_runs)
    per_set = {}
    for key in sets:
        b = bare_t[key]["p50_s"] or 1e-9
        per_set[key] = {
            "bare_p50_s": bare_t[key]["p50_s"],
            "query_p50_s": warm[key]["p50_s"],
            "page_p50_s": page_t[key]["p50_s"],
            "ratio_query": round(warm[key]["p50_s"] / b, 3),
            "ratio_page": round(page_t[key]["p50_s"] / b, 3),
        }
    total_bare = sum(v["bare_p50_s"] for v in per_set.values()) or 1e-9
    ratio_query = sum(v["query_p50_s"] for v in per_set.values()) / total_bare
    ratio_page = sum(v["page_p50_s"] for v in per_set.values()) / total_bare
    say(f"overhead: db.query/bare {ratio_query:.2f}x, page/bare {ratio_page:.2f}x")
    return {"ratio_query": round(ratio_query, 3), "ratio_page": round(ratio_page, 3), "sets": per_set}
