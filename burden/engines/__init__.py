"""The rollups on another engine: queries/rollups/*.sql, the one source, translated from DuckDB's dialect by sqlglot
(`translate`). Needs requirements-spark.txt (sqlglot), which `make test` installs and `make run` does not."""
