"""A load that only appends log rows rebuilds just the months those rows can change, and the result equals a
full rebuild of every derived table, row for row."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from burden import rollups
from burden.ingest.pipeline import load
from burden.rollups import months_to_refresh
from tests.test_demo_build import checksums

NEW_IDS = 20_000_000_000  # added to copied ids: copies are new rows, not duplicates


def derived(sums: dict) -> dict:
    return {t: v for t, v in sums.items() if t in rollups.TABLES}


def copy_events(con, out: Path, where: str, shift: str, other_app: bool) -> int:
    """Stored events matching `where` again under new ids, moved by `shift`; with other_app, in another app, so
    each copy repeats (or becomes the original of) an entry in a different app: the duplicate window matters."""
    apps = [a for (a,) in con.execute("select app_id from apps order by app_id limit 2").fetchall()]
    app = f"case when app_id = '{apps[0]}' then '{apps[1]}' else '{apps[0]}' end" if other_app else "app_id"
    con.execute(
        f"copy (select * replace (event_id + {NEW_IDS} as event_id, ts + {shift} as ts, {app} as app_id) "
        f"from app_events where {where} order by ts, cadre_id) to '{out}' (format parquet)"
    )
    return con.execute(f"select count(*) from '{out}'").fetchone()[0]


@pytest.fixture(scope="module")
def loaded(small_db, tmp_path_factory):
    """small_db plus, in one load: late events for an old month, events at a month's end whose window reaches
    into the next month, two new days in a month the data did not have yet, and photos on one of them."""
    tmp = tmp_path_factory.mktemp("incremental")
    db = tmp / "burden.duckdb"
    shutil.copyfile(small_db, db)
    files = tmp / "files"
    files.mkdir()
    with duckdb.connect(str(db), read_only=True) as con:
        rows = copy_events(
            con, files / "late.parquet", "ts >= '2022-11-15' and ts < '2022-11-16'", "interval 0 hour", True
        )
        rows += copy_events(
            con, files / "june_end.parquet", "ts >= '2023-06-30'  and ts < '2023-07-01'", "-interval 2 hour", True
        )
        rows += copy_events(con, files / "new_days.parquet", "ts >= '2024-03-30'", "interval 2 day", False)
        con.execute(
            f"copy (select * replace (photo_id + {NEW_IDS} as photo_id, ts + interval 2 day as ts) from photo_uploads "
            f"where ts >= '2024-03-31' order by ts, cadre_id) to '{files / 'photos.parquet'}' (format parquet)"
        )
    before = checksums(db)
    lines: list[str] = []
    report = load([files], db, progress=lines.append)
    assert report.ok, report.messages
    assert sum(f.rows_loaded for f in report.files if f.table == "app_events") == rows > 10_000
    return db, before, lines


def meta(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute("select key, value from load_meta where key in ('as_of', 'first_event_on')").fetchall())


def test_only_the_months_the_new_rows_reach_are_rebuilt(loaded):
    db, _, lines = loaded
    assert any("rollups built for 2022-11, 2023-06..2023-07, 2024-04 only" in line for line in lines), lines
    assert meta(db) == {"as_of": "2024-04-02", "first_event_on": "2022-10-01"}


def test_events_before_the_first_month_rebuild_everything(loaded, tmp_path):
    db, _, _ = loaded
    target = tmp_path / "burden.duckdb"
    shutil.copyfile(db, target)
    early = tmp_path / "early.parquet"
    with duckdb.connect(str(target), read_only=True) as con:  # the first day again, 40 days earlier
        copy_events(con, early, "ts < '2022-10-02'", "-interval 40 day", False)
    lines: list[str] = []

    assert load([early], target, progress=lines.append).ok

    assert any(line.startswith("rollups built in") for line in lines), lines  # the baseline moved: all of it
    assert meta(target) == {"as_of": "2024-04-02", "first_event_on": "2022-08-22"}
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select min(month), count(*) filter (where is_baseline) from months").fetchone() == (
            date(2022, 8, 1),
            3,
        )


def test_incremental_rollups_equal_a_full_rebuild(loaded):
    db, before, _ = loaded
    after_load = checksums(db)

    rollups.rebuild(db)
    rebuilt = checksums(db)

    assert derived(after_load) == derived(rebuilt)
    assert set(derived(rebuilt)) == set(rollups.TABLES)
    changed = {t for t in rollups.TABLES if derived(before)[t] != derived(rebuilt)[t]}
    # the load moved every month-ranged table, and the calendar gained April 2024
    assert {"months", "duplicate_submits", "app_cadre_month", "cadre_month", "region_month"} <= changed, changed
    assert after_load["months"][0] == before["months"][0] + 1
    with duckdb.connect(str(db), read_only=True) as con:
        per_month = "select count(*) from region_month where month = ?"
        march = con.execute(per_month, [date(2024, 3, 1)]).fetchone()[0]
        assert con.execute(per_month, [date(2024, 4, 1)]).fetchone()[0] == march > 200  # every region with cadres


def test_reaching_months_include_the_window_and_calendar_gaps():
    old = {date(2024, m, 1) for m in (1, 2, 3)}
    # a late day in January; a day on 27 February whose 7-day window reaches March
    assert months_to_refresh({date(2024, 1, 10), date(2024, 2, 27)}, old, old) == {
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2024, 3, 1),
    }
    # a day in June after data that ended in March: April and May join the calendar (empty months) too
    new = old | {date(2024, m, 1) for m in (4, 5, 6)}
    assert months_to_refresh({date(2024, 6, 2)}, old, new) == {date(2024, 4, 1), date(2024, 5, 1), date(2024, 6, 1)}
    # the window of the last day reaches past the calendar's end: nothing to build there
    assert months_to_refresh({date(2024, 3, 30)}, old, old) == {date(2024, 3, 1)}


def test_a_load_that_changes_a_dimension_rebuilds_everything(loaded, tmp_path):
    db, _, _ = loaded
    target = tmp_path / "burden.duckdb"
    shutil.copyfile(db, target)
    cadres = tmp_path / "cadres.csv"
    with duckdb.connect(str(target), read_only=True) as con:
        cadre, region = con.execute("select cadre_id, region_code from cadres order by cadre_id limit 1").fetchone()
    cadres.write_text(f"cadre_id,region_code,roles,age_band\n{cadre}-new,{region},网格员,30-39\n", encoding="utf-8")
    lines: list[str] = []

    assert load([cadres], target, progress=lines.append).ok

    assert any(line.startswith("rollups built in") for line in lines), lines
    with duckdb.connect(str(target), read_only=True) as con:
        months = con.execute("select count(*) from months").fetchone()[0]
        assert (
            con.execute("select count(*) from cadre_month where cadre_id = ?", [f"{cadre}-new"]).fetchone()[0] == months
        )


def test_a_database_without_a_newer_rollup_gets_it_built_by_the_next_load(loaded, tmp_path):
    db, _, _ = loaded
    target = tmp_path / "burden.duckdb"
    shutil.copyfile(db, target)
    with duckdb.connect(str(target)) as con:  # as if made before fact_type_month existed
        con.execute("drop table fact_type_month")
        day = tmp_path / "day.parquet"
        copy_events(con, day, "ts >= '2024-04-02'", "interval 1 day", False)
    lines: list[str] = []

    assert load([day], target, progress=lines.append).ok

    assert "rebuilding 1 derived table changed since this database was built: fact_type_month" in lines
    assert any(line.startswith("rollups built for 2024-04 only") for line in lines), lines
    after_load = derived(checksums(target))
    assert after_load["fact_type_month"][0] > 0
    rollups.rebuild(target)
    assert derived(checksums(target)) == after_load
