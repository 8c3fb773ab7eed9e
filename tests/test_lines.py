"""条线: every app carries its line. A file without the line column (an older export) is placed by its owner
department's name where exactly one line claims it, else 'unknown'; a file with it gives the code or the Chinese
name; a database made before the column existed gains it on upgrade, filled the same way."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from burden import lines
from burden.ingest.pipeline import load, upgrade
from tests.test_ingest_basic import APPS_CSV, count, write

# Owner departments and the line each one is in: one line's part, another line's part, none, two lines' parts.
DEPTS = {
    "诸暨市民政局": "civil_affairs",
    "省消防救援总队": "fire_rescue",
    "绍兴市委政法委": "political_legal",
    "县司法局": "political_legal",
    "市文明办": "publicity",
    "县档案馆": lines.UNKNOWN,  # no line's part
    "县公安局民政科": lines.UNKNOWN,  # 公安 and 民政: two lines
    "": lines.UNKNOWN,
}


def test_an_owner_department_is_placed_in_the_one_line_that_claims_it():
    assert {dept: lines.of_dept(dept) for dept in DEPTS} == DEPTS
    assert lines.of_dept(None) == lines.UNKNOWN


def test_the_loader_places_departments_as_python_does():
    with duckdb.connect() as con:
        con.execute("create table d (dept varchar)")
        con.executemany("insert into d values (?)", [[d] for d in [*DEPTS, None]])
        placed = dict(con.execute(f"select dept, {lines.dept_sql('dept')} from d").fetchall())
    assert placed == {**DEPTS, None: lines.UNKNOWN}


def test_line_codes_are_unique_and_named_in_both_languages():
    all_lines = lines.all_lines()
    assert len({line.code for line in all_lines}) == len(all_lines) >= 11
    assert all(line.zh and line.en and line.depts for line in all_lines)
    assert lines.zh_names()["民政"] == "civil_affairs"


def test_an_older_apps_file_without_the_line_column_is_placed_by_owner_department(tmp_path):
    db = tmp_path / "burden.duckdb"
    report = load([write(tmp_path / "apps.csv", APPS_CSV)], db)  # 省大数据局, 市水利局: no line column
    assert report.ok and report.rows("apps") == 2
    with duckdb.connect(str(db), read_only=True) as con:
        placed = dict(con.execute("select app_id, line from apps").fetchall())
    assert placed == {"A1": "data_bureau", "A2": "water"}


def test_a_line_column_takes_codes_and_chinese_names_and_refuses_others(tmp_path):
    header, *rows = APPS_CSV.strip().split("\n")
    extra = (
        "A3,县档案应用,County archive,县档案馆,county,330681,standalone,统计报表,2020-01-01,false,false,false,false,"
        "false,false"
    )
    given = ["民政", " Public_Security ", "", "消防局"]  # a Chinese name, a code (case and spaces), empty, not a line
    body = [f"{row},{line}" for row, line in zip([*rows, extra, rows[0].replace("A1,", "A4,", 1)], given, strict=True)]
    db = tmp_path / "burden.duckdb"
    report = load([write(tmp_path / "apps.csv", "\n".join([header + ",条线", *body]) + "\n")], db)
    assert report.ok, report.messages
    with duckdb.connect(str(db), read_only=True) as con:
        placed = dict(con.execute("select app_id, line from apps").fetchall())
        reasons = con.execute("select reason from quarantine").fetchall()
    # an empty cell is placed by the department (县档案馆: no line); a value that is no line is quarantined
    assert placed == {"A1": "civil_affairs", "A2": "public_security", "A3": lines.UNKNOWN}
    assert reasons == [("line not one of " + "|".join(lines.codes()),)]


def test_a_database_made_before_lines_gains_the_column_on_upgrade(small_db, tmp_path):
    db = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("alter table apps drop column line")
        depts = dict(con.execute("select app_id, owner_dept from apps").fetchall())
    changed = upgrade(db, progress=lambda _: None)
    assert changed == ["apps.line"]
    with duckdb.connect(str(db), read_only=True) as con:
        placed = dict(con.execute("select app_id, line from apps").fetchall())
    assert placed == {app: lines.of_dept(dept) for app, dept in depts.items()}
    assert lines.UNKNOWN not in placed.values()  # every demo department is in a line
    assert upgrade(db, progress=lambda _: None) == []  # nothing left to do


def test_the_demo_writes_each_app_with_its_line(small_db: Path):
    assert count(small_db, "select count(*) from apps where line is null or line = 'unknown'") == 0
    assert count(small_db, "select count(distinct line) from apps") >= 11


BASELINE_MONTH = "2022-10-01"  # the demo's first month, before the campaign


def test_at_baseline_a_village_cadre_carries_apps_of_six_to_ten_lines_each_with_one_to_three(small_db):
    """The seed report's picture (千条线, 一根针): many lines reach one village cadre, each with only a few apps."""
    with duckdb.connect(str(small_db), read_only=True) as con:
        lines_per_cadre, most_per_line, cadres = con.execute(
            """
            with used as (
                select distinct e.cadre_id, e.app_id, a.line
                from app_events e join apps a using (app_id) join cadres c using (cadre_id)
                where date_trunc('month', e.ts) = cast(? as date) and length(c.region_code) = 12
            ),
            per_line as (select cadre_id, line, count(*) as apps from used group by all),
            per_cadre as (select cadre_id, count(*) as lines, max(apps) as most from per_line group by all)
            select median(lines), max(most), count(*) from per_cadre
            """,
            [BASELINE_MONTH],
        ).fetchone()
        in_range = con.execute(
            """
            with used as (
                select distinct e.cadre_id, a.line
                from app_events e join apps a using (app_id) join cadres c using (cadre_id)
                where date_trunc('month', e.ts) = cast(? as date) and length(c.region_code) = 12
            )
            select avg(case when n between 6 and 10 then 1 else 0 end)
            from (select cadre_id, count(*) as n from used group by all)
            """,
            [BASELINE_MONTH],
        ).fetchone()[0]
    assert cadres > 100
    assert 6 <= lines_per_cadre <= 10
    assert in_range >= 0.85, in_range
    assert most_per_line <= 3
