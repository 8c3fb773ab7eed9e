"""The derived tables built by Apache Spark (PySpark, local[2]) through `python -m burden rollup --engine spark`
equal DuckDB's, row for row: sorted, exact for integers, text and dates, 1e-9 relative for floats. The command
exports the base tables to Parquet, runs the rollups' one SQL source as translated by sqlglot, and swaps Spark's
tables into the database as a load does."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from burden import rollups

pytestmark = pytest.mark.spark
ROOT = Path(__file__).resolve().parent.parent


def rows_equal(a: list[tuple], b: list[tuple]) -> bool:
    """Exact, but floats to 1e-9 relative (Spark and DuckDB sum doubles in different orders)."""

    def same(u, v) -> bool:
        if isinstance(u, float) and isinstance(v, float):
            return math.isclose(u, v, rel_tol=1e-9, abs_tol=0.0) or (math.isnan(u) and math.isnan(v))
        return u == v

    return len(a) == len(b) and all(len(x) == len(y) and all(map(same, x, y)) for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def spark_built(small_db, tmp_path_factory) -> Path:
    """A copy of the small demo whose derived tables the command rebuilt on Spark."""
    db = tmp_path_factory.mktemp("spark") / "burden.duckdb"
    shutil.copyfile(small_db, db)
    env = {**os.environ, "BURDEN_DB": str(db)}
    done = subprocess.run(
        [sys.executable, "-m", "burden", "rollup", "--engine", "spark", "--master", "local[2]"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert f"{len(rollups.TABLES)} derived tables built by Spark and swapped in" in done.stderr
    return db


@pytest.mark.parametrize("table", rollups.TABLES)
def test_spark_builds_the_table_duckdb_builds(small_db, spark_built, table):
    with duckdb.connect(str(small_db), read_only=True) as duck, duckdb.connect(str(spark_built), read_only=True) as sp:
        assert duck.execute(f"describe {table}").fetchall() == sp.execute(f"describe {table}").fetchall()
        expected = duck.execute(f"select * from {table} order by all").fetchall()
        got = sp.execute(f"select * from {table} order by all").fetchall()
    assert expected, table  # the demo fills every derived table
    assert rows_equal(expected, got), table


def test_spark_tables_are_recorded_as_todays_definitions(spark_built):
    with duckdb.connect(str(spark_built), read_only=True) as con:
        assert rollups.stale(con) == []
