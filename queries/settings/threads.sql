-- purpose: cap the threads of a DuckDB connection's database (BURDEN_DUCKDB_THREADS; burden.db.open_duckdb runs it on every connection it opens when that is set)
-- grain: a setting, no rows
-- parameters: $threads (integer, at least 1)
set threads = $threads
