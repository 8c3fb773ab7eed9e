"""The basic loader: kind detection, refusals, rejected ids, dedupe, atomic replace."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from burden.ingest import merge
from burden.ingest.kinds import detect
from burden.ingest.pipeline import load

HUTIAN = "330681120219"  # 湖田村, a real village code
DIANKOU = "330681104"  # 店口镇, a town

APPS_CSV = (
    "app_id,name_zh,name_en,owner_dept,level,owner_region_code,platform,functions,launched_on,is_integrated,"
    "has_checkin,has_ranking,tracks_online_time,forced_install,photo_required\n"
    "A1,浙政钉,Zhezhengding,省大数据局,province,33,浙政钉,走访登记,2019-01-01,true,false,false,false,false,false\n"
    "A2,河长制,River chief,市水利局,city,3306,standalone,巡查;打卡,2018-05-01,false,true,false,false,false,true\n"
)
CADRES_CSV = (
    "cadre_id,region_code,roles,age_band\n"
    f"{HUTIAN}-01,{HUTIAN},村委委员,50-59\n"
    f"{DIANKOU}-01,{DIANKOU},镇水利员,40-49\n"
    "999999999999-01,999999999999,网格员,30-39\n"  # unknown region: rejected
)
EVENTS_HEADER = "event_id,ts,cadre_id,app_id,action,duration_s,subject_key,fact_type,task_id\n"
EVENTS_CSV = EVENTS_HEADER + (
    f"1,2023-01-03 09:00:00,{HUTIAN}-01,A1,submit,120,hh1,visit,t1\n"
    f"2,2023-01-03 09:05:00,{HUTIAN}-01,A2,submit,90,hh1,visit,t2\n"
    f"3,2023-02-01 10:00:00,{DIANKOU}-01,A2,open,30,,,\n"
    f"4,2023-02-01 10:00:00,{HUTIAN}-99,A1,open,30,,,\n"  # unknown cadre
    f"5,2023-02-01 10:00:00,{HUTIAN}-01,A9,open,30,,,\n"  # unknown app
    f"6,not a time,{HUTIAN}-01,A1,open,30,,,\n"  # bad timestamp
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def count(db: Path, sql: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def dims(tmp_path) -> list[Path]:
    return [write(tmp_path / "in" / "apps.csv", APPS_CSV), write(tmp_path / "in" / "cadres.csv", CADRES_CSV)]


def test_detect_kind_from_header():
    assert detect(["cadre_id", "region_code", "roles"]) == "cadres"
    assert detect(["cadre_id", "app_id", "opened_on", "closed_on"]) == "accounts"
    assert detect(EVENTS_HEADER.strip().split(",")) == "events"
    assert detect(["Event_ID", "ts", "cadre_id", "app_id", "duration_s"]) == "events"  # case, missing columns
    assert detect(["photo_id", "ts", "cadre_id", "app_id", "purpose", "bytes", "is_required"]) == "photos"
    assert detect(["case_id", "app_id", "scope_region_code", "finding", "action", "status"]) == "cases"
    assert detect(["foo", "bar"]) is None


def test_loads_csv_parquet_xlsx_with_kinds_detected(tmp_path, dims):
    db = tmp_path / "b.duckdb"
    write(tmp_path / "in" / "logs" / "events.csv", EVENTS_CSV)
    accounts = pa.table(
        {
            "cadre_id": [f"{HUTIAN}-01", f"{HUTIAN}-01", f"{DIANKOU}-01"],
            "app_id": ["A1", "A2", "A2"],
            "opened_on": pa.array([19000, 19000, 19100], type=pa.date32()),
        }
    )
    pq.write_table(accounts, tmp_path / "in" / "accounts.parquet")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["case_id", "app_id", "scope_region_code", "finding", "action", "status", "source", "identified_on"])
    sheet["I1"] = "done_on"
    sheet.append(["C1", "A2", "330109", "zombie", "delete", "done", "assessment", "2023-03-01", "2023-04-01"])
    sheet.append(["C2", "A1", "330681", "island", "iterate", "planned", "self_check", None])  # no date: rejected
    book.save(tmp_path / "in" / "cases.xlsx")

    report = load([tmp_path / "in"], db)  # a folder, searched recursively

    assert report.ok
    kinds = {Path(f.path).name: f.kind for f in report.files}
    assert kinds == {
        "apps.csv": "apps",
        "cadres.csv": "cadres",
        "events.csv": "events",
        "accounts.parquet": "accounts",
        "cases.xlsx": "cases",
    }
    assert count(db, "select count(*) from apps") == 2
    assert count(db, "select count(*) from cadres") == 2
    assert count(db, "select count(*) from app_accounts") == 3
    assert count(db, "select count(*) from app_events") == 3
    assert count(db, "select count(*) from remediation_cases") == 1
    assert count(db, "select count(*) from regions") == 1 + 11 + 90 + 1387 + 25547
    assert count(db, "select name_en from regions where region_code = '330681'") == "Zhuji"
    assert count(db, "select value from load_meta where key = 'as_of'") == "2023-02-01"
    # events sorted by month, then cadre
    assert count(db, "select string_agg(event_id::varchar, ',' order by event_id) from app_events") == "1,2,3"


def test_unknown_ids_and_bad_values_are_rejected_and_counted(tmp_path, dims):
    db = tmp_path / "b.duckdb"
    events = write(tmp_path / "events.csv", EVENTS_CSV)
    report = load([*dims, events], db)

    assert report.ok
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["cadres.csv"].rejected == {"region_code not a known village or town": 1}
    ev = by_name["events.csv"]
    assert (ev.rows_read, ev.rows_loaded) == (6, 3)
    assert ev.rejected == {"cadre_id unknown": 1, "app_id unknown": 1, "ts not a timestamp": 1}
    assert count(db, "select count(*) from quarantine") == 4
    assert count(db, "select line from quarantine where reason = 'app_id unknown'") == 6  # CSV line
    raw = count(db, "select raw from quarantine where reason = 'ts not a timestamp'")
    assert '"ts":"not a time"' in raw and "_line" not in raw


def test_missing_column_refuses_file_naming_it(tmp_path, dims):
    db = tmp_path / "b.duckdb"
    bad = write(tmp_path / "events.csv", EVENTS_CSV.replace(",action,", ",what,", 1))
    report = load([*dims, bad], db)

    assert not report.ok
    assert "missing column action" in report.messages[0]
    assert "events.csv" in report.messages[0]
    assert not db.exists()  # refused: nothing is written, not even the dimensions


def test_loading_twice_does_not_double(tmp_path, dims):
    db = tmp_path / "b.duckdb"
    events = write(tmp_path / "events.csv", EVENTS_CSV)
    pq.write_table(
        pa.table({"cadre_id": [f"{HUTIAN}-01"], "app_id": ["A1"], "opened_on": pa.array([19000], type=pa.date32())}),
        tmp_path / "accounts.parquet",
    )
    files = [*dims, events, tmp_path / "accounts.parquet"]
    assert load(files, db).ok
    second = load(files, db)

    assert second.ok
    assert count(db, "select count(*) from app_events") == 3
    assert count(db, "select count(*) from cadres") == 2
    assert count(db, "select count(*) from app_accounts") == 1
    by_name = {Path(f.path).name: f for f in second.files}
    assert (by_name["events.csv"].rows_loaded, by_name["events.csv"].rows_duplicate) == (0, 3)
    assert by_name["cadres.csv"].rows_duplicate == 2

    # A changed ledger row replaces the stored one (same key), a new log row is appended.
    more = write(tmp_path / "more.csv", EVENTS_HEADER + f"7,2023-03-01 08:00:00,{HUTIAN}-01,A1,view,5,,,\n")
    apps = write(tmp_path / "apps2.csv", APPS_CSV.replace("河长制,River chief", "河长制,River chiefs"))
    third = load([apps, more, events], db)
    assert count(db, "select count(*) from app_events") == 4
    assert count(db, "select name_en from apps where app_id = 'A2'") == "River chiefs"
    assert count(db, "select count(*) from apps") == 2
    assert {Path(f.path).name: f.rows_updated for f in third.files}["apps2.csv"] == 1

    # Within one call: the same file named twice, and two files repeating a row, still load each row once.
    overlap = write(tmp_path / "overlap.csv", EVENTS_HEADER + f"8,2023-03-02 08:00:00,{HUTIAN}-01,A1,view,5,,,\n" * 2)
    fourth = load([overlap, overlap, tmp_path / "." / "overlap.csv", more], db)
    assert count(db, "select count(*) from app_events") == 5
    assert [(f.rows_loaded, f.rows_duplicate) for f in fourth.files] == [(1, 1), (0, 1)]


def test_refused_load_leaves_old_database_untouched(tmp_path, dims):
    db = tmp_path / "b.duckdb"
    assert load(dims, db).ok
    before = digest(db)

    report = load([write(tmp_path / "x.csv", "foo,bar\n1,2\n")], db)

    assert not report.ok
    assert "cannot tell what it holds" in report.messages[0]
    assert digest(db) == before
    assert [p.name for p in tmp_path.glob("b.duckdb.*")] == ["b.duckdb.ledger.sqlite"]  # the store; no staging file


def test_crash_midway_leaves_old_database_untouched(tmp_path, dims, monkeypatch):
    db = tmp_path / "b.duckdb"
    assert load(dims, db).ok
    before = digest(db)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("burden.ingest.pipeline.merge", boom)
    report = load([write(tmp_path / "events.csv", EVENTS_CSV)], db)

    assert not report.ok
    assert "disk on fire" in report.messages[0]
    assert digest(db) == before
    log = tmp_path / "b.duckdb.load.log"  # the crash's traceback is kept (tests/test_error_traces.py)
    # no staging file left behind: only the log and the ledger's store (the first load made it)
    assert sorted(p.name for p in tmp_path.glob("b.duckdb.*") if p != log) == ["b.duckdb.ledger.sqlite"]
    assert "RuntimeError: disk on fire" in log.read_text(encoding="utf-8")
    assert merge.merge is not boom
