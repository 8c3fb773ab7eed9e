"""The benchmark: `python -m bench [--quick] [--scale S] [--out bench/results]` (see bench/__main__.py).

Sections: data (generate / load / rollup rates and a daily incremental load), queries (each view's query set
for a default and a drilled-in URL, recorded by running the page code, p50/p95 warm and cold), overhead
(app path over bare DuckDB), peers (headline metrics by Polars lazy and raw DuckDB against the rollups),
and the report (table + JSON with the machine in the header). Targets are printed, never asserted.
"""
