"""The derived tables built by Apache Spark: the rollups' SQL as translated (engines/translate.py), run in dependency
order over the base tables as Parquet (the logs and accounts straight from the lake's files), each derived table
written as Parquet and read back by the next. DuckDB then takes the tables in (`take_in`), cast to the types its own
build gives them.

Spark runs in DuckDB's terms: the session's time zone is the product's (months and days are Asia/Shanghai's), and
ANSI mode is off, as in the SQL the rollups were written for (an integer division is a fraction, a bad cast null).
Needs PySpark and a Java runtime (requirements-spark.txt; Debian's openjdk-17-jre-headless).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from burden import rollups, settings
from burden.engines import translate as tr
from burden.ingest import lake
from burden.ingest.kinds import schema_files

SHUFFLE_PARTITIONS = 8  # the derived tables are small: Spark's default 200 partitions would be 200 tiny tasks each


def java_options() -> str:
    """BURDEN_SPARK_JAVA_OPTS: extra JVM options for the driver, the executors and (engines/standalone.py) a loopback
    cluster's daemons; none by default. The tests set `-XX:TieredStopAtLevel=1 -XX:+UseSerialGC`: their JVMs live a
    minute over a small demo, and HotSpot's optimising compiler and parallel collector cost them more CPU than they
    save (tests/conftest.py)."""
    return os.environ.get("BURDEN_SPARK_JAVA_OPTS", "").strip()


def conf(shuffle_partitions: int = SHUFFLE_PARTITIONS) -> dict[str, str]:
    memory = os.environ.get("BURDEN_SPARK_MEMORY", "2g")  # the driver's (all of local[N]) and each executor's
    jvm = java_options()
    return ({"spark.driver.extraJavaOptions": jvm, "spark.executor.extraJavaOptions": jvm} if jvm else {}) | {
        "spark.driver.memory": memory,
        "spark.executor.memory": memory,
        "spark.sql.session.timeZone": settings.TIMEZONE,
        "spark.sql.ansi.enabled": "false",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.ui.enabled": "false",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    }


def session(master: str = "local[2]", app_name: str = "burden-rollups", extra: dict | None = None):
    """A SparkSession on `master` (local[N], or spark://host:port for a standalone cluster)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in (conf() | (extra or {})).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def base_tables(sqls: dict[str, str]) -> list[str]:
    """The base tables (queries/schema) the rollups name. A CTE may bear a base table's name and read that table
    (`cadres as (select ... from cadres)`), so a name counts whatever it also names."""
    names = {t.name for sql in sqls.values() for t in sqlglot.parse_one(sql, read="spark").find_all(exp.Table)}
    return sorted(names & {path.stem for path in schema_files()})


def inputs(con: duckdb.DuckDBPyConnection, tables: list[str], folder: Path) -> dict[str, list[str]]:
    """The Parquet files Spark reads each base table from: a log's files in the lake, as this version of the database
    lists them; the small tables the served file holds (regions, catalogues, the ledger), exported to folder."""
    folder.mkdir(parents=True, exist_ok=True)
    found = {}
    for table in tables:
        found[table] = lake.files(con, table) if table in lake.TABLES else []
        if not found[table]:  # a served table, or a raw table with no rows yet
            path = folder / f"{table}.parquet"
            con.execute(f"copy (select * from {table}) to {_path_literal(path)} (format parquet)")
            found[table] = [str(path)]
    return found


def build(
    spark,
    sources: dict[str, list[str]],
    out: Path,
    sqls: dict[str, str],
    params: dict,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Path]:
    """Run every rollup on `spark` over the base tables' Parquet files (sources: table -> files); returns each derived
    table's Parquet folder."""
    for table in base_tables(sqls):
        spark.read.parquet(*sources[table]).createOrReplaceTempView(table)
    written = {}
    for table, sql in sqls.items():
        args = {k: v for k, v in params.items() if f":{k}" in sql}
        folder = out / table
        spark.sql(sql, args=args).write.mode("overwrite").parquet(str(folder))
        spark.read.parquet(str(folder)).createOrReplaceTempView(table)
        written[table] = folder
        progress(f"{table}: built by Spark")
    return written


def select_as_duckdb(folder: Path, columns: list[tuple[str, str]]) -> str:
    """A SELECT over a Spark-written Parquet folder giving DuckDB's columns, in DuckDB's order and types."""
    cast = ", ".join(f'cast("{name}" as {kind}) as "{name}"' for name, kind in columns)
    return f"select {cast} from read_parquet({_path_literal(Path(folder) / '*.parquet')})"


def _path_literal(path: Path) -> str:
    """A file path as an SQL string literal, quotes doubled (COPY and read_parquet take no bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def take_in(con: duckdb.DuckDBPyConnection, written: dict[str, Path], types: dict[str, list[tuple[str, str]]]) -> None:
    """Replace each derived table by Spark's, on an open read-write connection (a staging copy), and record the
    definitions they were built from."""
    for table, folder in written.items():
        con.execute(f"create or replace table {table} as {select_as_duckdb(folder, types[table])}")
    rollups.record_versions(con, list(written))


def column_types(con: duckdb.DuckDBPyConnection, tables) -> dict[str, list[tuple[str, str]]]:
    return {t: [(row[0], row[1]) for row in con.execute(f"describe {t}").fetchall()] for t in tables}


def translated(db_con: duckdb.DuckDBPyConnection) -> tuple[dict, dict[str, str], dict[str, list[tuple[str, str]]]]:
    """(params, Spark SQL per derived table, DuckDB's column types per derived table) for the database on db_con."""
    params = rollups.full_params(db_con)
    schema = tr.schema_connection()
    try:
        sqls = tr.translate(params, dialect="spark", con=schema)
        types = column_types(schema, sqls)
    finally:
        schema.close()
    return params, sqls, types


def rollup(db_path: Path, master: str, progress: Callable[[str], None], wait_s: float = 60.0) -> list[str]:
    """`python -m burden rollup --engine spark`: the logs and accounts read from the lake and the other base tables
    exported as Parquet, every derived table built by Spark on `master`, then taken in on a staging copy of the
    database swapped in whole (as a load does: readers keep the old file meanwhile). Returns the tables replaced."""
    import shutil
    import tempfile

    from burden import db
    from burden.ingest.pipeline import on_staging

    db_path = Path(db_path)
    work = Path(tempfile.mkdtemp(prefix=f".{db_path.name}.spark-", dir=db_path.parent))
    try:
        with db.connect(db_path) as con:
            params, sqls, types = translated(con)
            tables = base_tables(sqls)
            sources = inputs(con, tables, work / "in")
            raw = sum(len(files) for table, files in sources.items() if table in lake.TABLES)
            progress(
                f"Spark reads {', '.join(tables)}: the logs and accounts from {raw} lake files, "
                "the rest exported to Parquet"
            )
        progress(f"starting Spark on {master}")
        spark = session(master)
        try:
            written = build(spark, sources, work / "out", sqls, params, progress)
        finally:
            spark.stop()
        on_staging(db_path, wait_s, progress, lambda con: take_in(con, written, types) or True)
        progress(f"{len(written)} derived tables built by Spark and swapped in")
        return list(written)
    finally:
        shutil.rmtree(work, ignore_errors=True)
