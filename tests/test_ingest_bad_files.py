"""One test per hand-made bad file in tests/data/bad/: the exact outcome of loading it (with the dimension
files of tests/data/bad/dims/): refused with that message, or rows read / loaded / duplicates and the
rows quarantined per reason. docs/data-format.md describes each rule."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from burden.ingest.pipeline import load

BAD = Path(__file__).parent / "data" / "bad"
H = "C330681120219-01"

REFUSED = {
    "empty.csv": "empty.csv: empty file",
    "blank_lines_only.csv": "blank_lines_only.csv: empty file",
    "binary.csv": "binary.csv: not a text CSV file: looks like a binary file (NUL bytes)",
    "parquet_named.csv": "parquet_named.csv: not a text CSV file: looks like a Parquet file",
    "events_not_text_encoding.csv": "events_not_text_encoding.csv: not UTF-8 or GBK/GB18030 text (undecodable bytes)",
    "events_missing_column.csv": "events_missing_column.csv (events): missing column action",
    "cadres_missing_column.csv": "cadres_missing_column.csv (cadres): missing column region_code",
    "unknown_columns.csv": "unknown_columns.csv: cannot tell what it holds from its columns (foo, bar)",
    "events_wrong_delimiter.csv": (
        "events_wrong_delimiter.csv: wrong delimiter: the header (line 1) has 9 comma-separated fields "
        "but most rows do not; the rows look semicolon-separated"
    ),
}

SCI = "in scientific notation, digits lost"
# file: (read, loaded, duplicates skipped, {reason: rows quarantined})
LOADED = {
    "events_gbk.csv": (3, 3, 0, {}),
    "events_gb18030.csv": (3, 3, 0, {}),
    "events_bom.csv": (3, 3, 0, {}),
    "events_sci_event_id.csv": (7, 5, 0, {f"event_id {SCI}": 2}),
    "cases_sci_region.csv": (3, 2, 0, {f"scope_region_code {SCI}": 1}),
    "cadres_sci_region.csv": (2, 1, 0, {f"region_code {SCI}": 1}),
    "cases_excel_numbers.xlsx": (3, 2, 0, {f"scope_region_code {SCI}": 1}),
    "events_lost_zeros.csv": (
        4,
        2,
        0,
        {"cadre_id lost its leading zeros and matches several ids": 1, "cadre_id unknown": 1},
    ),
    "events_serial_dates.csv": (3, 3, 0, {}),
    "accounts_serial_dates.csv": (3, 3, 0, {}),
    "events_fullwidth.csv": (2, 2, 0, {}),
    "events_extra_column.csv": (3, 3, 0, {}),
    "events_reordered.csv": (2, 2, 0, {}),
    "events_ts_formats.csv": (11, 11, 0, {}),
    "events_future_and_old.csv": (6, 4, 0, {"ts in the future": 1, "ts before 2015": 1}),
    "events_unknown_ids.csv": (6, 3, 0, {"cadre_id unknown": 1, "app_id unknown": 2}),
    "cadres_unknown_region.csv": (3, 1, 0, {"region_code not a known village or town": 2}),
    "cases_unknown_ids.csv": (
        4,
        1,
        0,
        {"app_id unknown": 1, "scope_region_code unknown": 1, "target_app_id unknown": 1},
    ),
    "events_negative_duration.csv": (5, 3, 0, {"duration_s negative": 2}),
    "events_empty_subject.csv": (5, 2, 0, {"subject_key empty on a visit/patrol/inspection submit": 3}),
    "events_bad_enum.csv": (3, 1, 0, {"action not one of open|submit|photo|checkin|view": 2}),
    "cases_bad_enum.csv": (
        4,
        1,
        0,
        {
            "status not one of identified|planned|in_progress|done|verified": 1,
            "action not one of delete|merge|iterate": 1,
            "recommendation not one of 提升完善|整合优化|加快整改": 1,
        },
    ),
    "photos_bad_values.csv": (
        5,
        2,
        0,
        {"purpose not one of proof|evidence": 1, "bytes negative": 1, "is_required not a boolean": 1},
    ),
    "events_bad_numbers.csv": (
        6,
        3,
        0,
        {"event_id not a bigint": 1, "duration_s not an integer": 1, "ts not a timestamp": 1},
    ),
    "events_header_only.csv": (0, 0, 0, {}),
    "events_truncated.csv": (4, 3, 0, {"line has too few fields (truncated?)": 1}),
    "events_quoted_ragged.csv": (5, 4, 0, {"line has too many fields": 1}),
    "events_semicolon.csv": (3, 3, 0, {}),
    "events_tab.csv": (3, 3, 0, {}),
    "events_blank_and_empty_rows.csv": (6, 3, 0, {"empty row": 2, "cadre_id unknown": 1}),
    "events_duplicates.csv": (5, 3, 2, {}),
}

# Per file, queries on the loaded database and their expected results: what the repairs produced.
CHECKS = {
    "events_gbk.csv": [("select distinct subject_key from app_events where subject_key is not null", "湖田村3组12号")],
    "events_gb18030.csv": [
        ("select distinct subject_key from app_events where subject_key is not null", "湖田村𠀀3组12号")
    ],
    "events_bom.csv": [("select min(event_id) from app_events", 1)],
    "events_sci_event_id.csv": [
        ("select string_agg(event_id::varchar, ',' order by event_id) from app_events", "1,2,3,15,16"),
        ("select string_agg(line::varchar, ',' order by line) from quarantine", "5,6"),
    ],
    "cases_sci_region.csv": [("select scope_region_code from remediation_cases where case_id = 'RC1'", "330681")],
    "cases_excel_numbers.xlsx": [
        ("select string_agg(scope_region_code, ',' order by case_id) from remediation_cases", "330681,330681120219"),
        ("select identified_on from remediation_cases where case_id = 'RC1'", dt.date(2023, 3, 1)),
        ("select line from quarantine", 4),
    ],
    "events_lost_zeros.csv": [
        ("select string_agg(distinct cadre_id, ',') from app_events", "0012345"),
        ("select string_agg(line::varchar, ',' order by line) from quarantine", "4,5"),
    ],
    "events_serial_dates.csv": [
        (
            "select string_agg(strftime(ts, '%Y-%m-%d %H:%M:%S'), ',' order by event_id) from app_events",
            "2023-07-16 12:00:00,2023-07-16 00:00:00,2023-01-01 08:30:00",
        )
    ],
    "accounts_serial_dates.csv": [
        ("select count(*) from app_accounts where opened_on = date '2023-01-01'", 3),
        ("select closed_on from app_accounts where app_id = 'A2' and cadre_id = '" + H + "'", dt.date(2023, 3, 15)),
    ],
    "events_fullwidth.csv": [
        ("select ts from app_events where event_id = 31", dt.datetime(2023, 1, 5, 8, 30)),
        (
            "select app_id || action || duration_s || subject_key || task_id from app_events where event_id = 31",
            "A1submit120湖田村3组T31",
        ),
        ("select cadre_id || '/' || duration_s from app_events where event_id = 32", H + "/3"),
    ],
    "events_reordered.csv": [("select cadre_id from app_events where event_id = 41", H)],
    "events_ts_formats.csv": [
        ("select string_agg(distinct ts::varchar, ',') from app_events", "2023-01-05 08:30:00"),
    ],
    "events_future_and_old.csv": [("select min(ts) from app_events", dt.datetime(2015, 1, 1))],
    "events_empty_subject.csv": [
        ("select string_agg(event_id::varchar, ',' order by event_id) from app_events", "94,95")
    ],
    "events_bad_enum.csv": [("select action from app_events", "submit")],
    "cases_bad_enum.csv": [
        ("select finding || action || status || source from remediation_cases", "zombiedeletedoneassessment")
    ],
    "photos_bad_values.csv": [
        ("select is_required and not task_voided_for_missing_photo from photo_uploads where photo_id = 5", True)
    ],
    "events_truncated.csv": [
        ("select line || ' ' || (raw::json ->> 'event_id') from quarantine", "5 121"),
    ],
    "events_quoted_ragged.csv": [("select subject_key from app_events where event_id = 142", "湖田村, 3组")],
    "events_blank_and_empty_rows.csv": [
        (
            "select string_agg(line || ':' || reason, ',' order by line) from quarantine",
            "5:empty row,6:cadre_id unknown,8:empty row",
        ),
    ],
    "events_semicolon.csv": [("select count(distinct cadre_id) from app_events", 2)],
    "events_tab.csv": [("select count(distinct cadre_id) from app_events", 2)],
}


def test_at_least_25_bad_files():
    files = [p for p in BAD.iterdir() if p.is_file()]
    assert len(files) >= 25
    assert {p.name for p in files} == set(REFUSED) | set(LOADED)  # every file has its expected outcome


@pytest.fixture
def _load(tmp_path, with_dims):
    def run(name):
        db = tmp_path / "b.duckdb"
        shutil.copyfile(with_dims, db)
        messages = []
        report = load([BAD / name], db, progress=messages.append)
        return db, report, messages

    return run


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused(_load, with_dims, name):
    db, report, messages = _load(name)

    assert not report.ok
    assert report.files[-1].error == REFUSED[name]
    assert report.messages == ["refused, nothing loaded: " + REFUSED[name]]
    assert messages[-1].startswith("REFUSED")  # one clear closing line
    assert db.read_bytes() == with_dims.read_bytes()  # unchanged


@pytest.mark.parametrize("name", sorted(LOADED))
def test_loaded(_load, name):
    db, report, _ = _load(name)

    assert report.ok, report.messages
    fr = report.files[-1]
    read, loaded, duplicates, rejected = LOADED[name]
    assert (fr.rows_read, fr.rows_loaded, fr.rows_duplicate, fr.rejected) == (read, loaded, duplicates, rejected)
    assert fr.rows_loaded + fr.rows_duplicate + fr.rows_rejected == fr.rows_read
    with duckdb.connect(str(db), read_only=True) as con:
        table = fr.table
        assert con.execute(f"select count(*) from {table}").fetchone()[0] >= loaded
        assert con.execute("select count(*) from quarantine where file = ?", [str(BAD / name)]).fetchone()[0] == sum(
            rejected.values()
        )
        for sql, expected in CHECKS.get(name, []):
            assert con.execute(sql).fetchone()[0] == expected, sql
