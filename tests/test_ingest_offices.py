"""Files as offices send them (tests/data/offices/): the exact outcome of loading each one with the dimension files
of tests/data/bad/dims/: rows read / loaded, and the lines quarantined with their reasons, or the one-line refusal.
docs/data-format.md describes each rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from burden.ingest import encoding, quarantine
from burden.ingest.kinds import ALIASES, VALUE_ALIASES
from burden.ingest.pipeline import load
from tests.office_files import ENDINGS, LEDGER, LEDGER_HEADER, OFFICES, files

TOO_FEW = "line has too few fields (truncated?)"


@pytest.fixture
def loaded(tmp_path, with_dims):
    """Load one fixture into a copy of the dims database: (report of the file, quarantine [(line, reason)], db)."""

    def run(name: str):
        db = tmp_path / "o.duckdb"
        shutil.copyfile(with_dims, db)
        report = load([OFFICES / name], db, progress=lambda _: None)
        assert report.ok, report.messages
        with duckdb.connect(str(db), read_only=True) as con:
            quarantined = con.execute("select line, reason from quarantine order by line").fetchall()
        return report.files[-1], quarantined, db

    return run


def test_committed_files_are_the_templates():
    for name, data in files().items():
        assert (OFFICES / name).read_bytes() == data, name


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_damaged_lines_same_outcome_for_every_line_ending(loaded, ending):
    fr, quarantined, db = loaded(f"events_damaged_{ending}.csv")

    assert (fr.rows_read, fr.rows_loaded) == (10, 6)
    assert quarantined == [(4, TOO_FEW), (7, TOO_FEW), (9, "line has too many fields"), (12, TOO_FEW)]
    with duckdb.connect(str(db), read_only=True) as con:
        ids = con.execute("select list(event_id order by event_id) from app_events").fetchone()[0]
        extra = con.execute("select raw::json ->> '_extra_1' from quarantine where line = 9").fetchone()[0]
    assert ids == [1, 2, 4, 6, 8, 9]
    assert extra == "extra"


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_unbalanced_quote_same_outcome_for_every_line_ending(loaded, ending):
    fr, quarantined, db = loaded(f"events_unbalanced_quote_{ending}.csv")

    # The open quote runs to the next quote (line 6): lines 4-6 are one quarantined line; the rest loads.
    assert (fr.rows_read, fr.rows_loaded) == (5, 3)
    assert quarantined == [(4, "line has a stray quote"), (8, "app_id unknown")]
    with duckdb.connect(str(db), read_only=True) as con:
        cell = con.execute("select raw::json ->> 'subject_key' from quarantine where line = 4").fetchone()[0]
        ids = con.execute("select list(event_id order by event_id) from app_events").fetchone()[0]
    assert cell.split("\n")[0] == "湖田村3组,visit,T3" and cell.count("\n") == 2 and "\r" not in cell
    assert ids == [1, 2, 7]


def test_every_zone_form_is_stored_as_shanghai_time(loaded):
    fr, quarantined, db = loaded("events_zones.csv")

    assert (fr.rows_read, fr.rows_loaded) == (21, 19)
    assert quarantined == [(19, "ts has an unknown time zone"), (20, "ts not a timestamp")]  # CST; +25 is no offset
    with duckdb.connect(str(db), read_only=True) as con:
        stored = dict(con.execute("select event_id, strftime(ts, '%Y-%m-%d %H:%M:%S.%f') from app_events").fetchall())
    fractions = {7: "250000", 11: "123456", 21: "123456"}  # nanoseconds (21) are cut to microseconds
    # Every row is 05:42:53 UTC written another way: 13:42:53 in Shanghai.
    assert stored == {i: "2023-10-02 13:42:53." + fractions.get(i, "000000") for i in [*range(1, 18), 20, 21]}


STATUS_NOT = "status not one of identified|planned|in_progress|done|verified"
LEDGER_STORED = [
    ("ZC1", "A1", "330681", "zombie", "delete", None, "done", "self_check", "2023-03-01", "2023-06-30", "2023-05-10")
    + (None, "加快整改"),
    ("ZC2", "A2", "330681", "duplicate_function", "merge", "A1", "verified", "inspection", "2023-03-02", "2023-06-30")
    + ("2023-05-20", "2023-06-01", "整合优化"),
    ("ZC3", "A2", "3306", "excessive_trace", "iterate", None, "in_progress", "assessment", "2023-03-05", "2023-09-30")
    + (None, None, "提升完善"),
    ("ZC4", "A1", "33", "island", "iterate", None, "planned", "inspection", "2023-03-06", None, None, None, None),
    (
        "ZC5",
        "A1",
        "330681",
        "low_value",
        "delete",
        None,
        "identified",
        "self_check",
        "2023-03-07",
        None,
        None,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "line", "notes"),
    [
        ("cases_chinese_gbk.csv", 7, ["GBK/GB18030, read as UTF-8"]),
        ("cases_chinese.xlsx", 8, ["skipped 1 line above the header (title: 诸暨市经信局 应用整治台账（2023年）)"]),
    ],
)
def test_chinese_ledger_loads_with_chinese_headers_and_values(loaded, name, line, notes):
    fr, quarantined, db = loaded(name)

    assert (fr.kind, fr.rows_read, fr.rows_loaded) == ("cases", 6, 5)
    assert quarantined == [(line, STATUS_NOT)]  # 待定 is no status of the ledger
    assert fr.warnings == notes
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute(
            "select case_id, app_id, scope_region_code, finding, action, target_app_id, status, source, "
            "identified_on::varchar, due_on::varchar, done_on::varchar, verified_on::varchar, recommendation "
            "from remediation_cases order by case_id"
        ).fetchall()
    assert stored == LEDGER_STORED


def test_chinese_event_headers_and_actions(loaded):
    fr, quarantined, db = loaded("events_chinese.csv")

    assert (fr.kind, fr.rows_read, fr.rows_loaded) == ("events", 6, 5)
    assert quarantined == [(7, "action not one of open|submit|photo|checkin|view")]
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("select list(action || duration_s order by event_id) from app_events").fetchone()[0]
    assert stored == ["open30", "submit120", "photo10", "checkin5", "view60"]


def test_ledger_rules(loaded):
    fr, quarantined, db = loaded("cases_ledger_rules.csv")

    assert (fr.rows_read, fr.rows_loaded) == (11, 2)
    assert quarantined == [
        (3, "done_on missing on a done or verified case"),
        (4, "done_on missing on a done or verified case"),
        (5, "verified_on missing on a verified case"),
        (6, "target_app_id missing on a merge"),
        (7, "target_app_id equal to app_id"),
        (8, "done_on before identified_on"),
        (9, "verified_on before done_on or identified_on"),
        (10, "app_id unknown"),
        (11, "scope_region_code unknown"),
    ]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select list(case_id order by case_id) from remediation_cases").fetchone()[0] == [
            "L1",
            "L11",
        ]


def test_title_rows_and_a_repeated_header_are_skipped_with_a_note(loaded):
    fr, quarantined, db = loaded("events_title_and_repeated_header.csv")

    assert (fr.rows_read, fr.rows_loaded) == (5, 4)
    assert quarantined == [(11, "app_id unknown")]  # line numbers count the titles, the blank line and the headers
    assert fr.warnings == [
        "skipped 2 lines above the header (title: 诸暨市 2023年10月 应用日志导出 / 导出时间：2023-11-01)",
        "skipped the header repeated at line 9",
        "skipped the title above it at line 8",  # a second export pasted below the first, with its own title
    ]


@pytest.mark.parametrize("name", ["events_utf16le.csv", "events_utf16be.csv"])
def test_utf16_tab_separated_as_excel_writes_it(loaded, name):
    fr, quarantined, db = loaded(name)

    assert (fr.kind, fr.rows_read, fr.rows_loaded) == ("events", 6, 5)
    assert quarantined == [(7, "action not one of open|submit|photo|checkin|view")]
    assert fr.warnings == ["UTF-16, read as UTF-8", "tab-separated"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select subject_key from app_events where event_id = 2").fetchone()[0] == "湖田村3组12号"


def test_a_reader_error_is_told_in_words_not_passed_through(tmp_path, with_dims):
    # A Parquet file whose pages were overwritten (the footer is intact, so the schema reads): the reader fails
    # mid-file; the message names the file and what to do, and the load is refused whole.
    db = tmp_path / "o.duckdb"
    shutil.copyfile(with_dims, db)
    report = load([OFFICES / "events_damaged.parquet"], db, progress=lambda _: None)

    assert not report.ok
    assert report.messages == [
        "refused, nothing loaded: events_damaged.parquet: cannot be read as a Parquet file: the file is damaged "
        "or not a Parquet file; export it again"
    ]
    assert db.read_bytes() == with_dims.read_bytes()


def _doc_table(heading: str) -> list[list[str]]:
    """The rows of the first table under a heading of docs/data-format.md, as lists of cells."""
    text = (Path(__file__).parent.parent / "docs" / "data-format.md").read_text(encoding="utf-8")
    section = text.split(heading + "\n", 1)[1].split("\n#", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows[2:]]  # after the header and the |---| line


def test_docs_list_exactly_the_chinese_names_and_values():
    documented = {
        (kind, alias, column)
        for kind, column, aliases in _doc_table("### Column names")
        for alias in aliases.split(", ")
    }
    built = {(kind, alias, column) for kind, table in ALIASES.items() for alias, column in table.items()}
    assert documented == built
    documented_values = {
        (table, column, zh, stored)
        for table, column, stored, values in _doc_table("### Values")
        for zh in values.split(", ")
    }
    built_values = {
        (table, column, zh, stored)
        for table, columns in VALUE_ALIASES.items()
        for column, values in columns.items()
        for zh, stored in values.items()
    }
    assert documented_values == built_values


@pytest.mark.parametrize("chunk", [1 << 20, 7, 8])  # small chunks split CRLF pairs and blank lines between reads
def test_only_files_duckdb_cannot_read_as_they_are_are_copied(monkeypatch, chunk):
    monkeypatch.setattr(encoding, "CHUNK", chunk)
    copied = {}
    for name in ("events_damaged_lf.csv", "events_damaged_crlf.csv", "events_damaged_cr.csv", "events_utf16le.csv"):
        text = encoding.inspect(OFFICES / name)
        copied[name] = text.tmpdir is not None
        assert text.blank_lines == ([6] if "damaged" in name else []), name
        text.cleanup()
    # LF and CRLF are read in place (a CRLF export costs no copy); CR endings and UTF-16 are transcoded.
    assert copied == {
        "events_damaged_lf.csv": False,
        "events_damaged_crlf.csv": False,
        "events_damaged_cr.csv": True,
        "events_utf16le.csv": True,
    }


def test_a_chinese_ledger_row_corrected_in_its_own_words_resolves_its_quarantine(loaded, tmp_path):
    _, quarantined, db = loaded("cases_chinese_gbk.csv")
    assert quarantined == [(7, STATUS_NOT)]
    fix = tmp_path / "fix.csv"
    fix.write_text(LEDGER_HEADER + "\n" + LEDGER[-1].replace("待定", "已发现") + "\n", encoding="utf-8")

    assert load([fix], db, progress=lambda _: None).ok
    with duckdb.connect(str(db), read_only=True) as con:
        rows = list(quarantine.rows(con, include_resolved=True))
        status = con.execute("select status from remediation_cases where case_id = 'ZC6'").fetchone()[0]
    assert status == "identified"
    assert [(r["line"], r["resolved"]) for r in rows] == [(7, True)]  # its key read from the Chinese 案件编号
