"""The derived tables built by Apache Spark through `python -m burden rollup --engine spark`, in one process
(local[2]) and on a standalone cluster on loopback (a master and two workers, started and stopped here), equal
DuckDB's, row for row: sorted, exact for integers, text and dates, 1e-9 relative for floats. The command reads the
logs from the lake's files, runs the rollups' one SQL source as translated by sqlglot, and swaps Spark's tables into
the database as a load does."""

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
from burden.engines.standalone import standalone

pytestmark = pytest.mark.spark
ROOT = Path(__file__).resolve().parent.parent


def rows_equal(a: list[tuple], b: list[tuple]) -> bool:
    """Exact, but floats to 1e-9 relative (Spark and DuckDB sum doubles in different orders)."""

    def same(u, v) -> bool:
        if isinstance(u, float) and isinstance(v, float):
            return math.isclose(u, v, rel_tol=1e-9, abs_tol=0.0) or (math.isnan(u) and math.isnan(v))
        return u == v

    return len(a) == len(b) and all(len(x) == len(y) and all(map(same, x, y)) for x, y in zip(a, b, strict=True))


def _spark_rollup(small_db: Path, folder: Path, master: str) -> Path:
    """A copy of the small demo whose derived tables the command rebuilt on Spark at `master`."""
    db = folder / "burden.duckdb"
    shutil.copyfile(small_db, db)
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
    with duckdb.connect(str(small_db), read_only=True) as con:
        files = con.execute("select count(*) from lake_files").fetchone()[0]
    assert f"the logs from {files} lake files" in done.stderr  # read where they are, not exported
    assert f"{len(rollups.TABLES)} derived tables built by Spark and swapped in" in done.stderr
    return db


@pytest.fixture(scope="module")
def spark_built(small_db, tmp_path_factory) -> dict[str, Path]:
    """{"local": built by Spark local[2], "cluster": built on a standalone cluster of two workers}."""
    built = {"local": _spark_rollup(small_db, tmp_path_factory.mktemp("spark-local"), "local[2]")}
    folder = tmp_path_factory.mktemp("spark-cluster")
    # each worker offers what one executor asks (spark.executor.memory, BURDEN_SPARK_MEMORY: 2g); less, and the
    # application would wait for resources for ever
    with standalone(folder / "cluster", workers=2, cores=1, memory="2g") as master:
        assert master.startswith("spark://127.0.0.1:")
        built["cluster"] = _spark_rollup(small_db, folder, master)
    return built


@pytest.mark.parametrize("where", ["local", "cluster"])
@pytest.mark.parametrize("table", rollups.TABLES)
def test_spark_builds_the_table_duckdb_builds(small_db, spark_built, table, where):
    with (
        duckdb.connect(str(small_db), read_only=True) as duck,
        duckdb.connect(str(spark_built[where]), read_only=True) as sp,
    ):
        assert duck.execute(f"describe {table}").fetchall() == sp.execute(f"describe {table}").fetchall()
        expected = duck.execute(f"select * from {table} order by all").fetchall()
        got = sp.execute(f"select * from {table} order by all").fetchall()
    assert expected, table  # the demo fills every derived table
    assert rows_equal(expected, got), table


def test_spark_tables_are_recorded_as_todays_definitions(spark_built):
    with duckdb.connect(str(spark_built["local"]), read_only=True) as con:
        assert rollups.stale(con) == []


def test_the_cluster_is_stopped_with_its_workers(spark_built, tmp_path_factory):
    logs = list(Path(tmp_path_factory.getbasetemp()).glob("**/cluster/worker-*.log"))
    assert len(logs) == 2 and all("Successfully registered with master" in p.read_text() for p in logs)
    java = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert "org.apache.spark.deploy.master.Master" not in java and "deploy.worker.Worker" not in java
