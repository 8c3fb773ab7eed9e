"""Errors leave a trace: a failed query is logged with its name and parameters; a failed load keeps its traceback
in <db>.load.log while the command line and the Data page show one line."""

from __future__ import annotations

import logging
import shutil

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from burden import __main__ as cli
from burden import access, db
from burden.filters import markdown_literal
from burden.i18n import EN
from burden.ingest import pipeline
from burden.views import data
from tests.test_ingest_basic import APPS_CSV

ZHUJI = access.Scope("county_inspector", "330681")


def _no_rollups(tmp_path):
    path = tmp_path / "bare.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table regions (region_code varchar, name_zh varchar, name_en varchar, level varchar)")
    return path


def test_a_failed_query_is_logged_with_its_name_and_parameters(tmp_path, caplog):
    path = _no_rollups(tmp_path)
    failing = pytest.raises(db.QueryError, match="county_figures")  # the frame's notices catch a QueryError
    with db.connect(path) as con, caplog.at_level(logging.WARNING, logger="burden.db"), failing:
        db.run(con, "county_figures", region="3306", month="2024-03-01")
    [record] = [r for r in caplog.records if r.name == "burden.db"]
    text = record.getMessage()
    assert text.startswith("query county_figures failed (scope 33, ")
    assert "'region': '3306'" in text and "'month': '2024-03-01'" in text
    assert "apps_hist" in text  # the missing table


def test_a_database_without_derived_tables_is_a_query_error(tmp_path):
    """What the frame turns into its "no data yet" notice, and a shared link's late-rows check into nothing."""
    with db.connect(_no_rollups(tmp_path)) as con:
        for name, params in (("data_period", {}), ("late_arrivals", {"asof": "2024-01-01", "to": "2024-01-01"})):
            with pytest.raises(db.QueryError, match=name):
                db.run(con, name, **params)


def test_a_refused_query_is_logged_too(small_db, use_db, caplog):
    use_db(small_db)
    with access.using(ZHUJI), caplog.at_level(logging.WARNING, logger="burden.db"), pytest.raises(db.ScopeError):
        db.query("region_info", region="3302")
    [record] = [r for r in caplog.records if r.name == "burden.db"]
    assert "query region_info failed (scope 330681, parameters {'region': '3302'})" in record.getMessage()


def _crash(*args, **kwargs):
    raise RuntimeError("disk on fire\nand a second line the user never needs")


def test_a_failed_cli_load_prints_one_line_and_keeps_the_traceback(tmp_path, monkeypatch, capsys):
    apps = tmp_path / "apps.csv"
    apps.write_text(APPS_CSV, encoding="utf-8")
    target = tmp_path / "burden.duckdb"
    monkeypatch.setenv("BURDEN_DB", str(target))
    monkeypatch.setattr(pipeline, "_run_plan", _crash)

    assert cli.main(["load", str(apps)]) == 1

    log = pipeline.load_log_path(target)
    assert log == tmp_path / "burden.duckdb.load.log"
    err = capsys.readouterr().err
    failed = [line for line in err.splitlines() if line.startswith("load failed")]
    assert failed == [f"load failed, database unchanged: RuntimeError: disk on fire (details: {log})"]
    assert "Traceback" not in err and "second line" not in err
    kept = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in kept
    assert "in _crash" in kept and "RuntimeError: disk on fire" in kept and "second line" in kept
    assert not target.exists()  # nothing was written: the load failed before the swap

    assert cli.main(["load", str(apps)]) == 1  # a second failure is appended, the first kept
    assert log.read_text(encoding="utf-8").count("Traceback (most recent call last)") == 2


def test_a_failed_upload_shows_one_line_on_the_data_page(small_db, use_db, tmp_path, monkeypatch):
    live = use_db(shutil.copyfile(small_db, tmp_path / "burden.duckdb"))
    before = live.read_bytes()
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "apps.csv").write_text(APPS_CSV, encoding="utf-8")
    monkeypatch.setattr(pipeline, "_run_plan", _crash)

    progress: list[str] = []
    report = data.commit(upload, progress.append)  # what the page's commit button runs

    assert not report.ok and live.read_bytes() == before
    log = pipeline.load_log_path(live)
    assert report.messages == [f"load failed, database unchanged: RuntimeError: disk on fire (details: {log})"]
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")

    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    at.query_params["lang"] = "en"
    at.session_state["data_last_load"] = report  # the page shows the last commit's report after its rerun
    at.switch_page("app_pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    [error] = [e.value for e in at.error]
    assert error == EN["data.load_failed"] + ": " + markdown_literal(report.messages[0])
    assert "\n" not in error and "Traceback" not in error
