"""Formats and whole-file behaviour: notes in the report, Parquet with zones, a huge CSV streamed,
the CLI's closing line and exit codes, and the quarantine list -> export -> correct -> re-load path."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import time
import tracemalloc
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from burden.__main__ import main
from burden.ingest.pipeline import load

BAD = Path(__file__).parent / "data" / "bad"
C1 = "C330681120219-01"
EH = "event_id,ts,cadre_id,app_id,action,duration_s,subject_key,fact_type,task_id\n"


@pytest.fixture
def db(tmp_path, with_dims) -> Path:
    path = tmp_path / "b.duckdb"
    shutil.copyfile(with_dims, path)
    return path


def one(db: Path, sql: str, params=None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchone()[0]


@pytest.mark.parametrize(
    "name, notes",
    [
        ("events_gbk.csv", ["GBK/GB18030, read as UTF-8"]),
        ("events_bom.csv", ["UTF-8 with BOM"]),
        ("events_semicolon.csv", ["semicolon-separated"]),
        ("events_tab.csv", ["tab-separated"]),
        ("events_extra_column.csv", ["ignored extra columns remark, 导出时间"]),
        ("events_header_only.csv", ["no data rows"]),
        ("events_reordered.csv", []),
    ],
)
def test_notes_in_the_report(db, name, notes):
    lines = []
    report = load([BAD / name], db, progress=lines.append)
    assert report.ok
    assert report.files[-1].warnings == notes
    assert all(f"note: {n}" in "\n".join(lines) for n in notes)


def test_parquet_zoned_and_text_columns(db, tmp_path):
    utc = pa.array([dt.datetime(2023, 1, 5, 0, 30)], type=pa.timestamp("us", tz="UTC"))
    pq.write_table(
        pa.table(
            {
                "event_id": pa.array([7], type=pa.int64()),
                "ts": utc,
                "cadre_id": [C1],
                "app_id": ["A1"],
                "action": ["SUBMIT"],
                "duration_s": ["１２"],  # text in a Parquet file: normalised like CSV text
                "subject_key": ["hh"],
                "fact_type": ["visit"],
            }
        ),
        tmp_path / "events.parquet",
    )
    report = load([tmp_path / "events.parquet"], db, progress=lambda _: None)
    assert report.ok and report.files[-1].rows_loaded == 1
    assert one(db, "select ts from app_events") == dt.datetime(2023, 1, 5, 8, 30)  # UTC -> Asia/Shanghai wall clock
    assert one(db, "select action || duration_s from app_events") == "submit12"


def test_cli_exit_codes_and_one_closing_line(db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BURDEN_DB", str(db))
    assert main(["load", str(BAD / "events_unknown_ids.csv")]) == 0  # completed, with rows quarantined
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"loaded into {db}: 1 files, 6 rows read, 3 loaded")
    assert "3 rejected to quarantine" in last

    assert main(["load", str(BAD / "binary.csv")]) == 1  # refused whole
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-2] == "refused, nothing loaded: binary.csv: not a text CSV file: looks like a binary file (NUL bytes)"
    assert err[-1].startswith("REFUSED, unchanged:")


def test_quarantine_list_export_correct_reload(db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BURDEN_DB", str(db))
    bad = tmp_path / "events.csv"
    bad.write_text(
        EH
        + f"1,2023-01-03 09:00:00,{C1},A1,view,5,,,\n"
        + f"2,2099-01-03 09:00:00,{C1},A1,view,5,,,\n"  # future
        + "3,2023-01-03 09:00:00,C330681120219-77,A1,view,5,,,\n"  # unknown cadre
        + f"4,2023-01-03 09:00:00,{C1},A1,submit,5,,visit,T4\n"  # subject missing
        + f"5,2023-01-03 09:00:00,{C1},A1,view,5\n",  # truncated
        encoding="utf-8",
    )
    assert load([bad], db, progress=lambda _: None).files[-1].rows_rejected == 4

    assert main(["quarantine", "list", "--rows", "2"]) == 0
    out = capsys.readouterr().out
    assert "4 rows, 4 not yet re-loaded" in out and "ts in the future" in out

    export = tmp_path / "fix.csv"
    assert main(["quarantine", "export", str(export)]) == 0
    with open(export, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["event_id"] for r in rows] == ["2", "3", "4", "5"]
    assert rows[0]["quarantine_reason"] == "ts in the future" and rows[3]["quarantine_line"] == "6"

    # Correct them as a user would, and load the corrected file.
    fixes = {"2": {"ts": "2023-01-03 10:00:00"}, "3": {"cadre_id": C1}, "4": {"subject_key": "hh4"}}
    fixes["5"] = {"subject_key": "", "fact_type": "", "task_id": ""}
    for r in rows:
        r.update(fixes[r["event_id"]])
    with open(export, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    report = load([export], db, progress=lambda _: None)
    assert report.ok
    fr = report.files[-1]
    assert (fr.rows_read, fr.rows_loaded, fr.rows_rejected, fr.warnings) == (
        4,
        4,
        0,
        ["UTF-8 with BOM"],
    )  # quarantine_* columns: no note
    assert one(db, "select string_agg(event_id::varchar, ',' order by event_id) from app_events") == "1,2,3,4,5"

    assert main(["quarantine", "list"]) == 0
    assert "4 rows, 0 not yet re-loaded" in capsys.readouterr().out
    assert main(["quarantine", "export", str(tmp_path / "again")]) == 0
    assert "exported 0 quarantined rows" in capsys.readouterr().out


def test_huge_csv_is_streamed(db, tmp_path):
    """~50 MB of events (generated here, not committed): loads without holding the file in Python memory."""
    path = tmp_path / "huge.csv"
    row = "{},2023-{:02d}-{:02d} {:02d}:{:02d}:00,{},A{},{},{},湖田村{}组,{},T{}\n"
    cadres = [C1, "C330681104-01"]
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(EH)
        while f.tell() < 50_000_000:
            lines = []
            for i in range(n, n + 10_000):
                action, fact = ("submit", "visit") if i % 3 == 0 else ("view", "")
                lines.append(
                    row.format(
                        i,
                        i % 12 + 1,
                        i % 28 + 1,
                        i % 24,
                        i % 60,
                        cadres[i % 2],
                        i % 2 + 1,
                        action,
                        i % 300,
                        i % 9,
                        fact,
                        i,
                    )
                )
            f.write("".join(lines))
            n += 10_000
        f.write(f"{n},2099-01-01 00:00:00,{C1},A1,view,5,,,\n")  # one bad row at the end
    tracemalloc.start()
    t0 = time.perf_counter()
    report = load([path], db, progress=lambda _: None)
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    fr = report.files[-1]
    assert report.ok
    assert (fr.rows_read, fr.rows_loaded, fr.rejected) == (n + 1, n, {"ts in the future": 1})
    assert peak < 16_000_000  # Python memory: 1 MB chunks, not the 50 MB file
    rate = (n + 1) / seconds
    print(f"huge CSV: {path.stat().st_size / 1e6:.0f} MB, {n + 1:,} rows, {seconds:.1f} s, {rate:,.0f} rows/s")


def test_documented_examples_load_cleanly(tmp_path):
    examples = Path(__file__).parent.parent / "docs" / "examples"
    report = load([examples], tmp_path / "b.duckdb", progress=lambda _: None)
    assert report.ok
    assert {Path(f.path).name: (f.kind, f.rows_read, f.rows_loaded, f.rows_rejected) for f in report.files} == {
        "apps.csv": ("apps", 2, 2, 0),
        "cadres.csv": ("cadres", 2, 2, 0),
        "app_accounts.csv": ("accounts", 3, 3, 0),
        "app_events.csv": ("events", 4, 4, 0),
        "photo_uploads.csv": ("photos", 2, 2, 0),
        "remediation_cases.csv": ("cases", 1, 1, 0),
    }
