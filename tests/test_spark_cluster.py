"""The derived tables built by Apache Spark on a standalone cluster on loopback (a master and two workers, started
and stopped here) equal DuckDB's, row for row, as tests/test_spark.py checks for local[2]."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from burden import rollups
from burden.engines.standalone import standalone
from tests.sparks import assert_same_table, spark_rollup

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def cluster_built(small_db, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("spark-cluster")
    # each worker offers what one executor asks (spark.executor.memory, BURDEN_SPARK_MEMORY: 2g); less, and the
    # application would wait for resources for ever
    with standalone(folder / "cluster", workers=2, cores=1, memory="2g") as master:
        assert master.startswith("spark://127.0.0.1:")
        return spark_rollup(small_db, folder, master)


@pytest.mark.parametrize("table", rollups.TABLES)
def test_the_cluster_builds_the_table_duckdb_builds(small_db, cluster_built, table):
    assert_same_table(small_db, cluster_built, table)


def test_the_cluster_is_stopped_with_its_workers(cluster_built, tmp_path_factory):
    logs = list(Path(tmp_path_factory.getbasetemp()).glob("**/cluster/worker-*.log"))
    assert len(logs) == 2 and all("Successfully registered with master" in p.read_text() for p in logs)
    java = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert "org.apache.spark.deploy.master.Master" not in java and "deploy.worker.Worker" not in java
