"""The derived tables built by Apache Spark in one process (local[2]) through `python -m burden rollup --engine
spark` equal DuckDB's, row for row: sorted, exact for integers, text and dates, 1e-9 relative for floats. The command
reads the logs and accounts from the lake's files, runs the rollups' one SQL source as translated by sqlglot, and
swaps Spark's tables into the database as a load does. The same build on a standalone cluster:
tests/test_spark_cluster.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from burden import rollups
from tests.sparks import assert_same_table, spark_rollup

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_built(small_db, tmp_path_factory) -> Path:
    return spark_rollup(small_db, tmp_path_factory.mktemp("spark-local"), "local[2]")


@pytest.mark.parametrize("table", rollups.TABLES)
def test_spark_builds_the_table_duckdb_builds(small_db, spark_built, table):
    assert_same_table(small_db, spark_built, table)


def test_spark_tables_are_recorded_as_todays_definitions(spark_built):
    with duckdb.connect(str(spark_built), read_only=True) as con:
        assert rollups.stale(con) == []
