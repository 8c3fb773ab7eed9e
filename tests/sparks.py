"""Helpers of the Spark tests (tests/test_spark.py: local[2]; tests/test_spark_cluster.py: a standalone cluster):
two modules, so that pytest-xdist builds on both engines' setups at once, one per worker."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from burden import rollups

ROOT = Path(__file__).resolve().parent.parent


def rows_equal(a: list[tuple], b: list[tuple]) -> bool:
    """Exact, but floats to 1e-9 relative (Spark and DuckDB sum doubles in different orders)."""

    def same(u, v) -> bool:
        if isinstance(u, float) and isinstance(v, float):
            return math.isclose(u, v, rel_tol=1e-9, abs_tol=0.0) or (math.isnan(u) and math.isnan(v))
        return u == v

    return len(a) == len(b) and all(len(x) == len(y) and all(map(same, x, y)) for x, y in zip(a, b, strict=True))


def spark_rollup(source: Path, folder: Path, master: str) -> Path:
    """A copy of the database `source` whose derived tables the command rebuilt on Spark at `master`."""
    db = folder / "burden.duckdb"
    shutil.copyfile(source, db)
    env = {**os.environ, "BURDEN_DB": str(db)}
    done = subprocess.run(
        [sys.executable, "-m", "burden", "rollup", "--engine", "spark", "--master", master],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    with duckdb.connect(str(source), read_only=True) as con:
        files = con.execute("select count(*) from lake_files").fetchone()[0]
    assert f"the logs and accounts from {files} lake files" in done.stderr  # read where they are, not exported
    assert f"{len(rollups.TABLES)} derived tables built by Spark and swapped in" in done.stderr
    return db


def assert_same_table(duck_db: Path, spark_db: Path, table: str) -> None:
    """`table` has the same columns and, sorted, the same rows in both databases."""
    with (
        duckdb.connect(str(duck_db), read_only=True) as duck,
        duckdb.connect(str(spark_db), read_only=True) as sp,
    ):
        assert duck.execute(f"describe {table}").fetchall() == sp.execute(f"describe {table}").fetchall()
        expected = duck.execute(f"select * from {table} order by all").fetchall()
        got = sp.execute(f"select * from {table} order by all").fetchall()
    assert expected, table  # the demo fills every derived table
    assert rows_equal(expected, got), table
