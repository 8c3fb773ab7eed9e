"""The derived tables built by Apache Spark on a standalone cluster on loopback (a master and two workers, started
and stopped here) equal DuckDB's, row for row, as tests/test_spark.py checks for local[2] on the whole small demo.
The cluster builds the small demo's last quarter: every derived table still has rows, carried months included, and
the cluster's six JVMs on two cores take a minute over it rather than three over the whole demo."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from burden import rollups
from burden.engines.spark import java_options
from burden.engines.standalone import standalone
from tests.lakes import delete_logs
from tests.sparks import assert_same_table, spark_rollup

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def last_quarter(small_db, tmp_path_factory) -> Path:
    """A copy of the small demo keeping its logs of the last three months, derived tables rebuilt by DuckDB."""
    path = tmp_path_factory.mktemp("last-quarter") / "burden.duckdb"
    shutil.copyfile(small_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute("set TimeZone = 'Asia/Shanghai'")
        [first] = con.execute("select max(month) - interval 2 month from months").fetchone()
        for table in ("app_events", "photo_uploads"):
            delete_logs(con, path, table, f"ts < timestamptz '{first:%Y-%m-%d} 00:00:00+08'")
        rollups.build(con)
        assert con.execute("select count(distinct month) from months").fetchone() == (3,)
    return path


@pytest.fixture(scope="module")
def cluster_built(last_quarter, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("spark-cluster")
    # each worker offers what one executor asks (spark.executor.memory, BURDEN_SPARK_MEMORY: 2g); less, and the
    # application would wait for resources for ever
    with standalone(folder / "cluster", workers=2, cores=1, memory="2g") as master:
        assert master.startswith("spark://127.0.0.1:")
        return spark_rollup(last_quarter, folder, master)


@pytest.mark.parametrize("table", rollups.TABLES)
def test_the_cluster_builds_the_table_duckdb_builds(last_quarter, cluster_built, table):
    assert_same_table(last_quarter, cluster_built, table)


def test_the_cluster_is_stopped_with_its_workers(cluster_built, tmp_path_factory):
    logs = list(Path(tmp_path_factory.getbasetemp()).glob("**/cluster/worker-*.log"))
    assert len(logs) == 2 and all("Successfully registered with master" in p.read_text() for p in logs)
    java = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert "org.apache.spark.deploy.master.Master" not in java and "deploy.worker.Worker" not in java


def test_the_executors_ran_with_the_java_options(cluster_built, tmp_path_factory):
    """BURDEN_SPARK_JAVA_OPTS (set for the tests in tests/conftest.py) reaches the JVMs the workers started: each
    executor's log opens with its launch command."""
    options = java_options()
    assert options
    logs = list(Path(tmp_path_factory.getbasetemp()).glob("**/cluster/work-*/app-*/*/stderr"))
    commands = [line for log in logs for line in log.read_text().splitlines() if "Executor Command:" in line]
    assert len(commands) == 2 and all(f'"{option}"' in command for command in commands for option in options.split())
