"""AppTest: the Data page shows each table's real row count, the sources, and the quarantined rows of a load."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from burden import i18n, lines
from burden.i18n import EN, ZH
from burden.ingest.pipeline import load
from burden.views import data
from tests.apptest_util import open_view
from tests.test_ingest_atomic import mixed_events_csv

PAGE = "app_pages/data.py"


def shown(at: AppTest, column: str):
    """The one dataframe on the page with a column of this header."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(frames) == 1, [list(d.value.columns) for d in at.dataframe]
    return frames[0]


@pytest.fixture(scope="module")
def loaded(small_db, tmp_path_factory):
    """A copy of the small demo, its own quarantine (the planted 未备案 apps' rows, tests/test_rules.py) emptied, then
    a load of one file with three bad rows."""
    tmp = tmp_path_factory.mktemp("data-page")
    path = tmp / "burden.duckdb"
    shutil.copyfile(small_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute("delete from quarantine")
    events = mixed_events_csv(path, tmp / "march-events.csv")
    report = load([events], path, progress=lambda message: None)
    assert report.ok
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BURDEN_DB", str(path))
        yield path, open_view(PAGE, {"lang": "en"})


def test_row_counts_are_each_tables_count(loaded):
    path, at = loaded
    tables = shown(at, EN["data.col.holds"])
    counts = dict(zip(tables[EN["data.col.table"]], tables[EN["data.col.rows"]], strict=True))
    with duckdb.connect(str(path), read_only=True) as con:
        for table, rows in counts.items():
            assert rows == con.execute(f"select count(*) from {table}").fetchone()[0], table
        base = {"apps", "cadres", "app_accounts", "app_events", "photo_uploads", "remediation_cases", "regions"}
        derived = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()} - {"load_meta"}
    assert base | {"quarantine", "region_month", "cadre_month"} <= counts.keys()
    assert derived <= counts.keys()  # every table in the database is listed
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[EN["data.as_of"]] == "2024-03-31"
    assert metrics[EN["data.source_count"]] == str(2 * 18 + 5 + 1)  # the demo's files and the March file
    assert EN["data.staff_only"] in [w.value for w in at.warning]


def test_apps_per_line_are_the_catalogues_and_unknown_lines_are_counted(loaded, tmp_path):
    path, at = loaded
    table = shown(at, EN["data.col.line_code"])
    per_line = dict(zip(table[EN["data.col.line_code"]], table[EN["data.col.apps"]], strict=True))
    with duckdb.connect(str(path), read_only=True) as con:
        stored = dict(con.execute("select line, count(*) from apps group by 1").fetchall())
    assert per_line == stored and lines.UNKNOWN not in per_line  # the staff user sees every app
    assert EN["data.lines_all_known"].format(total=sum(stored.values())) in [c.value for c in at.caption]

    # an older catalogue without lines, with departments no line claims: counted and shown as unknown
    older = tmp_path / "burden.duckdb"
    shutil.copyfile(path, older)
    with duckdb.connect(str(older)) as con:
        con.execute("update apps set line = 'unknown' where owner_dept like '%统计局'")
        unknown, total = con.execute("select count(*) filter (line = 'unknown'), count(*) from apps").fetchone()
    assert unknown > 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BURDEN_DB", str(older))
        at = open_view(PAGE, {"lang": "en"})
    warning = EN["data.lines_unknown"].format(n=unknown, total=f"{total:,}")
    assert warning in [w.value for w in at.warning]
    names = dict(
        zip(
            shown(at, EN["data.col.line_code"])[EN["data.col.line_code"]],
            shown(at, EN["data.col.line_code"])[EN["data.col.line_name"]],
            strict=True,
        )
    )
    assert names["unknown"] == EN["line.unknown"] and names["civil_affairs"] == "Civil affairs"


def test_quarantine_lists_the_rejected_rows_of_the_load(loaded):
    path, at = loaded
    rows = shown(at, EN["data.col.raw"])
    assert len(rows) == 3
    assert set(rows[EN["data.col.file"]]) == {"march-events.csv"}
    by_line = dict(zip(rows[EN["data.col.line"]], rows[EN["data.col.reason"]], strict=True))
    assert by_line == {
        6: "app_id unknown",
        7: "ts not a timestamp",
        8: "action not one of open|submit|photo|checkin|view",
    }
    assert any('"ts":"not a time"' in raw for raw in rows[EN["data.col.raw"]])
    reasons = shown(at, EN["data.col.files"])
    assert reasons[EN["data.col.rows"]].sum() == 3 and set(reasons[EN["data.col.files"]]) == {1}
    assert [b.label for b in at.get("download_button")].count(EN["export.csv"]) >= 3  # tables, reasons, rows


@dataclass
class Upload:
    name: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    def getvalue(self) -> bytes:
        return self.content


def test_uploads_are_type_checked_and_dry_run_before_loading(loaded, tmp_path):
    path, _ = loaded
    csv = Path(path.parent / "march-events.csv").read_bytes()
    assert data.check_upload("x.txt", 10, b"a,b") is not None
    assert data.check_upload("x.csv", 201 * 1024 * 1024, b"a,b") is not None
    assert data.check_upload("x.parquet", 10, b"not parquet") is not None
    assert data.check_upload("x.csv", 10, b"\x00\x01binary") is not None
    assert data.check_upload("x.csv", len(csv), csv[:4096]) is None

    folder, problems = data.save_uploads([Upload("events.csv", csv), Upload("notes.docx", b"PK")])
    assert folder is None and len(problems) == 1 and "notes.docx" in problems[0]

    before = path.read_bytes()
    folder, problems = data.save_uploads([Upload("events.csv", csv)])
    i18n.set_lang("en")
    try:
        report = data.dry_run(folder)
        table = data.report_table(report)
    finally:
        i18n.set_lang("zh")
    assert path.read_bytes() == before  # a dry run never writes
    totals = data.totals(report)
    assert (totals.read, totals.loaded, totals.duplicates, totals.quarantined) == (7, 0, 7 - 3, 3)
    assert table.row(0) == ("events.csv", "app event log", 7, 0, 4, 3, table.row(0)[6], "", "")
    data.discard(folder)
    assert not folder.exists()


@pytest.mark.parametrize("meeting", [False, True])
def test_staff_see_the_rejected_rows_they_must_correct_except_on_a_projector(loaded, meeting):
    """Staff (import role, no cadre rows elsewhere) get the quarantined lines of their own files; meeting
    mode hides them for every role."""
    from tests.test_auth_gate import AUTH

    path, _ = loaded
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BURDEN_DB", str(path))
        at = AppTest.from_file("../dashboard.py", default_timeout=120)
        at.secrets = {"auth": AUTH}
        at.user = {"is_logged_in": True, "sub": "demo-staff"}
        at.query_params["lang"] = "en"
        if meeting:
            at.query_params["mode"] = "meeting"
        at.switch_page(PAGE)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    raw = [d.value for d in at.dataframe if EN["data.col.raw"] in d.value.columns]
    assert [len(frame) for frame in raw] == ([] if meeting else [3])
    assert (EN["data.quarantine_meeting"] in [c.value for c in at.caption]) is meeting


def test_quarantine_reasons_are_shown_in_the_pages_language(loaded):
    at = open_view(PAGE, {"lang": "zh"})
    rows = shown(at, ZH["data.col.raw"])
    by_line = dict(zip(rows[ZH["data.col.line"]], rows[ZH["data.col.reason"]], strict=True))
    assert by_line == {
        6: "app_id 未知（库中没有）",
        7: "ts 不是时间",
        8: "action 不是允许的取值（open|submit|photo|checkin|view）",
    }
    reasons = shown(at, ZH["data.col.files"])
    assert set(reasons[ZH["data.col.reason"]]) == set(by_line.values())
