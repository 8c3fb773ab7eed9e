"""The rollups' one SQL source, translated by sqlglot (burden/engines/translate.py): its DuckDB-only forms
(COLUMNS(<star>), extract(epoch ...)) rewritten, the rewritten SQL builds on DuckDB exactly the tables the loader
built, and what goes to Spark keeps none of those forms."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import sqlglot
from sqlglot import exp

from burden import db as burden_db
from burden import rollups
from burden.engines.translate import translate
from tests.test_demo_build import table_sums


def test_rewritten_rollups_build_the_same_tables_on_duckdb(small_db, tmp_path):
    path = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, path)
    con = burden_db.connect(path, read_only=False)
    try:
        stored = table_sums(con, rollups.TABLES), _columns(con)
        params = rollups.full_params(con)
        rewritten = translate(params, dialect="duckdb")
        assert list(rewritten) == list(rollups.TABLES)
        expanded = [table for table in rollups.TABLES if "columns(" in burden_db.sql_text(f"rollups/{table}")]
        assert expanded and not any(
            sqlglot.parse_one(sql, read="duckdb").find(exp.Columns) for sql in rewritten.values()
        )
        con.execute("begin transaction")
        for table, sql in rewritten.items():
            con.execute(f"create or replace table {table} as {sql}", burden_db.params_for(sql, params))
        rebuilt = table_sums(con, rollups.TABLES), _columns(con)
        con.execute("rollback")
    finally:
        con.close()
    assert rebuilt == stored  # the same rows, and the same column names and types
    assert all(stored[0][table][0] > 0 for table in rollups.TABLES)


def _columns(con) -> dict[str, list]:
    return {t: con.execute(f"describe {t}").fetchall() for t in rollups.TABLES}


def test_spark_sql_has_no_duckdb_only_forms(small_db):
    con = burden_db.connect(small_db)
    try:
        params = rollups.full_params(con)
    finally:
        con.close()
    spark = translate(params, dialect="spark")
    for table, sql in spark.items():
        tree = sqlglot.parse_one(sql, read="spark")
        assert not tree.find(exp.Columns), table
        assert not any(e.this.name.lower() == "epoch" for e in tree.find_all(exp.Extract)), table
        assert "$" not in sql, table  # parameters are Spark's :name markers
    assert "UNIX_MICROS(ts) / CAST(1000000 AS DOUBLE)" in spark["duplicate_submits"]
    assert "CAST(SUM(`checkins`) AS BIGINT) AS `checkins`" in spark["cadre_month"]  # a count from app_cadre_month


def test_spark_engine_without_java_says_what_to_install(small_db):
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"} | {
        "PATH": "/nonexistent",
        "BURDEN_DB": str(small_db),
    }
    done = subprocess.run(
        [sys.executable, "-m", "burden", "rollup", "--engine", "spark"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "--engine spark needs a Java runtime (e.g. apt-get install openjdk-17-jre-headless)"
