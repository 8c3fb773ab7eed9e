"""rollups.build runs the month-ranged tables over ranges of months (as many as fit in rollups.CHUNK_ROWS log rows,
a month at least); the result equals one statement over all months."""

import shutil
from datetime import date

import duckdb

from burden import db, rollups

LOG_ROWS = """
    select month, sum(row_count) from lake_files where table_name in ('app_events', 'photo_uploads') group by month
"""


def test_month_chunks_cover_all_time_within_the_row_budget(small_db, monkeypatch):
    con = duckdb.connect(str(small_db), read_only=True)
    first, last = con.execute("select min(ts), max(ts) from app_events").fetchone()
    per_month = dict(con.execute(LOG_ROWS).fetchall())
    assert len(per_month) == 18

    assert rollups._month_chunks(con)[0] == [rollups.ALL_MONTHS]  # the small demo's 4.8M log rows: one statement

    monkeypatch.setattr(rollups, "CHUNK_ROWS", 1)  # a month each
    chunks, _ = rollups._month_chunks(con)
    assert chunks[0][0] == rollups.ALL_MONTHS[0] and chunks[-1][1] == rollups.ALL_MONTHS[1]
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:], strict=False))  # contiguous, no gap, no overlap
    inner = [c[0] for c in chunks[1:]]
    assert inner[0] == rollups.add_months(date(first.year, first.month, 1), 1)
    assert inner[-1] == date(last.year, last.month, 1)
    assert len(chunks) == (last.year - first.year) * 12 + last.month - first.month + 1

    budget = 3 * max(per_month.values())
    monkeypatch.setattr(rollups, "CHUNK_ROWS", budget)
    chunks, _ = rollups._month_chunks(con)
    con.close()
    assert chunks[0][0] == rollups.ALL_MONTHS[0] and chunks[-1][1] == rollups.ALL_MONTHS[1]
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:], strict=False))
    held = [sum(rows for month, rows in per_month.items() if a <= month < b) for a, b in chunks]
    assert 3 <= len(chunks) < 18 and sum(held) == sum(per_month.values())
    assert all(rows <= budget for rows in held)
    assert all(a + b > budget for a, b in zip(held, held[1:], strict=False))  # each range took what fitted


def test_chunked_build_equals_one_statement_over_all_months(small_db, tmp_path, monkeypatch):
    path = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, path)
    con = duckdb.connect(str(path))
    monkeypatch.setattr(rollups, "CHUNK_ROWS", 1)  # a month at a time, as at province
    rollups.build(con)
    params = rollups._params(con, None, rollups.data_last_on(con)) | {
        "month_from": rollups.ALL_MONTHS[0],
        "month_to": rollups.ALL_MONTHS[1],
    }
    ranged = [t for t in rollups.TABLES if rollups.month_ranged(t)]
    assert {"duplicate_submits", "app_cadre_month", "cadre_month", "photo_app_month"} <= set(ranged)
    for table in ranged:
        select = db.sql_text(f"rollups/{table}")
        wanted = {k: v for k, v in params.items() if k in db.param_names(select)}
        con.execute(f"create temp table whole as {select}", wanted)
        stored = con.execute(f"select count(*) from {table}").fetchone()[0]
        assert stored == con.execute("select count(*) from whole").fetchone()[0] > 0, table
        for a, b in ((table, "whole"), ("whole", table)):
            extra = con.execute(f"select count(*) from (from {a} except all from {b})").fetchone()[0]
            assert extra == 0, f"{table}: {extra} rows of {a} not in {b}"
        con.execute("drop table whole")
    con.close()


def test_carried_forward_tables_built_from_a_month_equal_the_whole_build_from_it(small_db):
    """A rollup that takes $month_from alone (its rows carry earlier months forward) built from a middle month gives
    the rows the whole build has for that month and after: the earlier months come in as one carried row each."""
    con = duckdb.connect(str(small_db), read_only=True)
    carried = [t for t in rollups.TABLES if rollups.month_scope(t) == "from"]
    assert {"app_recency_month", "fix_use_month"} <= set(carried)
    months = [m for (m,) in con.execute("select month from months order by month").fetchall()]
    middle = months[len(months) // 2]
    for table in carried:
        select = db.sql_text(f"rollups/{table}")
        db.define_macros(con, select)
        con.execute(f"create temp table part as {select}", {"month_from": middle})
        whole = f"(select * from {table} where month >= '{middle}')"
        count = con.execute(f"select count(*) from {whole}").fetchone()[0]
        assert con.execute("select count(*) from part").fetchone()[0] == count > 0, table
        assert con.execute("select min(month) from part").fetchone()[0] == middle, table
        for a, b in ((whole, "part"), ("part", whole)):
            extra = con.execute(f"select count(*) from (from {a} except all from {b})").fetchone()[0]
            assert extra == 0, f"{table}: {extra} rows of {a} not in {b}"
        con.execute("drop table part")
    con.close()


def test_logs_still_in_tables_are_built_a_month_at_a_time():
    """A served file from before the lake keeps its logs as tables until lake.adopt moves them: no lake_files lists
    their rows, so nothing says how big a month is, and each month is a range of its own."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'Asia/Shanghai'")
    con.execute("create table app_events (ts timestamptz); create table photo_uploads (ts timestamptz)")
    con.execute(
        "insert into app_events values ('2024-01-05'), ('2024-03-05'); insert into photo_uploads values ('2024-02-01')"
    )
    chunks, last = rollups._month_chunks(con)
    assert [c[1] for c in chunks] == [date(2024, 2, 1), date(2024, 3, 1), rollups.ALL_MONTHS[1]] and last == date(
        2024, 3, 5
    )
