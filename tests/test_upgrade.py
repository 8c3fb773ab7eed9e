"""Upgrades that rebuild themselves.

A database built with older rollup definitions (two changed here: cadre_month doubled every duration,
region_month had no cases_done column) is brought up to date by the entry points `make run` (python -m
burden demo) and a load use; every page then shows exactly what a fresh build shows. Until it is, a page
shows a notice in the page's language, never a raw DuckDB error.
"""

from __future__ import annotations

import shutil
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import pytest

from burden import db, i18n, rollups
from burden.__main__ import main
from burden.ingest.pipeline import load
from burden.web.frame import PAGES
from tests.apptest_util import open_view, page_figures
from tests.lakes import delete_logs
from tests.test_demo_build import checksums

OLD = {
    "rollups/cadre_month": "select * replace (duration_s * 2 as duration_s) from (\n{sql}\n)",
    "rollups/region_month": "select * exclude (cases_done) from (\n{sql}\n)",
}
STALE = ["cadre_month", "apps_hist", "region_month"]  # the two changed, and apps_hist, built from cadre_month
PROGRESS = "rebuilding 3 derived tables changed since this database was built: cadre_month, apps_hist, region_month"
LAST_DAY = "2024-03-31"
LINK = {"from": "2023-10", "to": "2024-03"}
PERIOD = {"from": date(2023, 10, 1), "to": date(2024, 3, 1)}


def _build_old(path: Path, without_last_day: Path | None = None) -> None:
    """Rebuild the derived tables of `path` with the old definitions (first moving the last day's logs out)."""
    real = db.sql_text
    with pytest.MonkeyPatch.context() as patch, duckdb.connect(str(path)) as con:
        if without_last_day is not None:
            for table in ("app_events", "photo_uploads"):
                con.execute(f"copy (from {table} where ts >= '{LAST_DAY}') to '{without_last_day / table}.parquet'")
                delete_logs(con, path, table, f"ts >= '{LAST_DAY}'")
            con.execute("update load_meta set value = '2024-03-30' where key = 'as_of'")
        old = cache(lambda name: OLD[name].format(sql=real(name)) if name in OLD else real(name))
        patch.setattr(db, "sql_text", old)
        rollups.definition_versions.cache_clear()
        rollups.build(con)
        assert rollups.stale(con) == []  # as that version saw it
        con.execute("checkpoint")
    rollups.definition_versions.cache_clear()


@pytest.fixture(scope="module")
def old_db(small_db, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("old") / "old.duckdb"
    shutil.copyfile(small_db, path)
    shutil.copyfile(f"{small_db}.ledger.sqlite", f"{path}.ledger.sqlite")  # the ledger's store stays beside it
    _build_old(path)
    return path


@pytest.fixture(scope="module")
def fresh_figures(small_db) -> dict[str, tuple]:
    """Every page as a fresh build shows it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BURDEN_DB", str(small_db))
        return {page: page_figures(open_view(page, LINK)) for page, *_ in PAGES}


def _text(lang: str, key: str, **values) -> str:
    i18n.set_lang(lang)
    try:
        return i18n.t(key, **values)
    finally:
        i18n.set_lang(i18n.DEFAULT_LANG)


def _stale(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return rollups.stale(con)


def test_every_page_of_a_stale_database_shows_a_notice_not_an_error(old_db, use_db, caplog):
    use_db(old_db)
    assert _stale(old_db) == STALE
    with pytest.raises(db.QueryError, match="cases_done"):  # what a page would have shown (a missing column)
        db.query("burden_rates", region=None, children=False, by_month=False, **PERIOD)
    for no, (page, *_) in enumerate(PAGES):
        lang = ("zh", "en")[no % 2]
        at = open_view(page, {**LINK, "lang": lang})  # fails on any exception
        assert [e.value for e in at.error] == [_text(lang, "notice.stale_db", tables=", ".join(STALE))], page
        assert not at.metric and not at.dataframe, page  # the page stopped before any figure
    logged = [r.getMessage() for r in caplog.records if r.name == "burden.web.frame"]
    assert logged == [f"database {old_db} has stale derived tables: {', '.join(STALE)}"] * len(PAGES)


def test_make_run_rebuilds_what_changed_and_every_page_equals_a_fresh_build(
    old_db, small_db, fresh_figures, use_db, tmp_path, capsys
):
    live = use_db(tmp_path / "burden.duckdb")
    shutil.copyfile(old_db, live)
    shutil.copyfile(f"{old_db}.ledger.sqlite", f"{live}.ledger.sqlite")
    assert main(["demo"]) == 0  # what `make run` runs before serving
    err = capsys.readouterr().err
    assert PROGRESS in err
    assert _stale(live) == []
    assert checksums(live) == checksums(small_db)  # every table, derived ones included, as a fresh build
    for page, *_ in PAGES:
        assert page_figures(open_view(page, LINK)) == fresh_figures[page], page
    assert main(["demo"]) == 0  # a second start finds nothing to rebuild
    assert "rebuilding" not in capsys.readouterr().err


def test_a_load_into_a_stale_database_rebuilds_what_changed_then_adds_its_rows(
    small_db, fresh_figures, use_db, tmp_path
):
    live = use_db(tmp_path / "burden.duckdb")
    day = tmp_path / "day"
    day.mkdir()
    shutil.copyfile(small_db, live)
    shutil.copyfile(f"{small_db}.ledger.sqlite", f"{live}.ledger.sqlite")
    _build_old(live, without_last_day=day)
    assert _stale(live) == STALE
    said: list[str] = []
    report = load([day], live, progress=said.append)
    assert report.ok, report.messages
    assert PROGRESS in said
    assert _stale(live) == []
    derived = {table: sums for table, sums in checksums(live).items() if table in rollups.TABLES}
    assert derived == {table: sums for table, sums in checksums(small_db).items() if table in rollups.TABLES}
    for page, *_ in PAGES:
        at = open_view(page, LINK)
        if page != "app_pages/data.py":  # the Data page shows this load's own time and files
            assert page_figures(at) == fresh_figures[page], page
        assert not at.error, page
