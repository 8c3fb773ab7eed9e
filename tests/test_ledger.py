"""整改台账 The ledger's events through both real stores (SQLite in WAL mode, and PostgreSQL on loopback): the allowed
and refused transitions, two people saving one case, scope, an inspector's verdict with its evidence, a ledger file
becoming events, and history that cannot be changed."""

from __future__ import annotations

import csv
import itertools
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from burden import access
from burden.ledger import store as ledger_store
from burden.ledger.cases import Ledger, OutOfScope, Refused

ZHUJI, YUYAO = "330681", "330281"
STAFF = access.Scope("staff", ZHUJI, "zhuji.staff@example.gov.cn")
OTHER_STAFF = access.Scope("staff", ZHUJI, "zhuji.clerk@example.gov.cn")
YUYAO_STAFF = access.Scope("staff", YUYAO, "yuyao.staff@example.gov.cn")
INSPECTOR = access.Scope("inspector", ZHUJI, "zhuji.inspector@example.gov.cn")
CASE = {
    "app_id": "K330681-03",
    "scope_region_code": ZHUJI,
    "finding": "duplicate_function",
    "action": "delete",
    "source": "self_check",
    "identified_on": "2023-02-01",
    "due_on": "2023-06-30",
}


def clock():
    """A clock that moves one minute per event written, so times are distinct and known."""
    ticks = itertools.count()
    return lambda: datetime(2023, 7, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).replace(minute=next(ticks) % 60)


def test_a_case_moves_only_through_the_allowed_transitions(store):
    ledger = Ledger(store, now=clock())
    case = ledger.open(STAFF, "RC-1", CASE, note="found in the self-check")
    assert case.status == "identified" and case.version == len(CASE) + 5  # one event per field of the case
    refused = [
        ({"status": "done", "done_on": "2023-05-01"}, "status identified -> done is not allowed"),  # a skipped step
        ({"status": "verified"}, "verified by an inspector's verdict"),
        ({"app_id": "K330681-04"}, "not editable: app_id"),
    ]
    for changes, message in refused:
        with pytest.raises(Refused, match=message):
            ledger.edit(STAFF, "RC-1", case.version, changes)
    assert ledger.case(STAFF, "RC-1").version == case.version  # a refused save writes nothing

    case = ledger.edit(STAFF, "RC-1", case.version, {"status": "planned"})
    with pytest.raises(Refused, match="planned -> identified is not allowed"):  # never backwards
        ledger.edit(STAFF, "RC-1", case.version, {"status": "identified"})
    case = ledger.edit(
        STAFF, "RC-1", case.version, {"status": "in_progress", "action": "merge", "target_app_id": "P33-01"}
    )
    with pytest.raises(Refused, match="done_on missing on a done or verified case"):
        ledger.edit(STAFF, "RC-1", case.version, {"status": "done"})
    with pytest.raises(Refused, match="done_on before identified_on"):
        ledger.edit(STAFF, "RC-1", case.version, {"status": "done", "done_on": "2023-01-15"})
    with pytest.raises(Refused, match="target_app_id missing on a merge"):
        ledger.edit(STAFF, "RC-1", case.version, {"target_app_id": None})
    case = ledger.edit(STAFF, "RC-1", case.version, {"status": "done", "done_on": date(2023, 6, 20)}, note="merged")
    assert case.fields | {} == {**case.fields, "status": "done", "done_on": "2023-06-20", "action": "merge"}
    with pytest.raises(Refused, match="done -> in_progress is not allowed"):  # reopened only by a verdict
        ledger.edit(STAFF, "RC-1", case.version, {"status": "in_progress"})

    # the history: who, when, which field, old -> new, the note
    moves = [(e.kind, e.field, e.old, e.new) for e in case.history if e.kind in ("status", "set")]
    assert moves == [
        ("status", "status", "identified", "planned"),
        ("set", "action", "delete", "merge"),
        ("set", "target_app_id", None, "P33-01"),
        ("status", "status", "planned", "in_progress"),
        ("set", "done_on", None, "2023-06-20"),
        ("status", "status", "in_progress", "done"),
    ]
    last = case.history[-1]
    assert (last.who, last.role, last.note, last.source) == (STAFF.who, "staff", "merged", "dashboard")
    assert [e.version for e in case.history] == list(range(1, case.version + 1))


def test_two_people_saving_one_case_the_second_is_refused_and_nothing_is_lost(store):
    ledger = Ledger(store, now=clock())
    seen = ledger.open(STAFF, "RC-2", CASE).version  # both open the case at this version
    ledger.edit(STAFF, "RC-2", seen, {"due_on": "2023-08-31"}, note="more time")
    with pytest.raises(
        Refused, match=rf"changed by someone else since you opened it \(version {seen}, now {seen + 1}\)"
    ):
        ledger.edit(OTHER_STAFF, "RC-2", seen, {"recommendation": "加快整改"})
    case = ledger.case(STAFF, "RC-2")
    assert case.fields["due_on"] == "2023-08-31" and case.fields["recommendation"] is None
    again = ledger.edit(OTHER_STAFF, "RC-2", case.version, {"recommendation": "加快整改"})  # after a reload
    assert (again.fields["due_on"], again.fields["recommendation"]) == ("2023-08-31", "加快整改")

    # the store itself refuses a version taken in between (a race past the check): the whole batch, not a part
    event = again.history[-1]
    late = [
        ledger_store.Event("RC-2", again.version + 1, event.at, "a", "staff", "note", note="first of two"),
        ledger_store.Event("RC-2", again.version, event.at, "a", "staff", "note", note="taken"),
    ]
    with pytest.raises(ledger_store.Conflict):
        store.append(late)
    assert ledger.case(STAFF, "RC-2").version == again.version


def test_a_case_outside_the_scope_is_refused_whatever_the_path(store):
    ledger = Ledger(store, now=clock())
    ledger.open(YUYAO_STAFF, "RC-Y", {**CASE, "app_id": "K330281-01", "scope_region_code": YUYAO})
    version = ledger.case(YUYAO_STAFF, "RC-Y").version
    with pytest.raises(OutOfScope):
        ledger.case(STAFF, "RC-Y")
    with pytest.raises(OutOfScope):
        ledger.edit(STAFF, "RC-Y", version, {"due_on": "2024-01-01"})
    with pytest.raises(OutOfScope):
        ledger.open(STAFF, "RC-Z", {**CASE, "scope_region_code": YUYAO})
    with pytest.raises(OutOfScope):
        ledger.import_rows(
            STAFF, [{**CASE, "case_id": "RC-Y", "scope_region_code": YUYAO, "due_on": "2024-01-01"}], "x.csv"
        )
    with pytest.raises(OutOfScope):
        ledger.verify(INSPECTOR, "RC-Y", version, "really_reduced", "", {}, date(2024, 1, 1))
    assert set(ledger.cases(STAFF)) == set() and set(ledger.cases(YUYAO_STAFF)) == {"RC-Y"}
    assert ledger.case(YUYAO_STAFF, "RC-Y").version == version  # nothing was written
    with pytest.raises(Refused, match="may not change"):  # an inspector reads and verifies, never edits
        ledger.edit(access.Scope("inspector", YUYAO, "y"), "RC-Y", version, {"due_on": "2024-01-01"})


def test_an_inspectors_verdict_keeps_its_evidence_and_not_thorough_reopens_the_case(store):
    ledger = Ledger(store, now=clock())
    for case_id in ("RC-3", "RC-4"):
        ledger.open(STAFF, case_id, {**CASE, "status": "in_progress"})
        ledger.edit(STAFF, case_id, ledger.case(STAFF, case_id).version, {"status": "done", "done_on": "2023-06-20"})
    evidence = {"users_after_grace": 7, "users_never_on_target": 3, "last_use": "2023-10-16", "grace_days": 14}
    with pytest.raises(Refused, match="may not verify"):
        ledger.verify(
            STAFF, "RC-3", ledger.case(STAFF, "RC-3").version, "really_reduced", "", evidence, date(2023, 7, 1)
        )
    version = ledger.case(INSPECTOR, "RC-3").version
    bad = ledger.verify(
        INSPECTOR, "RC-3", version, "not_thorough", "still in use in 湖田村", evidence, date(2023, 7, 1)
    )
    assert (bad.status, bad.fields["done_on"], bad.verdict, bad.evidence) == (
        "in_progress",
        None,
        "not_thorough",
        evidence,
    )
    with pytest.raises(Refused, match="only a done case is verified"):
        ledger.verify(INSPECTOR, "RC-3", bad.version, "really_reduced", "", {}, date(2023, 7, 2))

    good = ledger.verify(
        INSPECTOR,
        "RC-4",
        ledger.case(INSPECTOR, "RC-4").version,
        "really_reduced",
        "",
        {"users_after_grace": 0},
        date(2023, 7, 1),
    )
    assert (good.status, good.fields["verified_on"], good.verdict) == ("verified", "2023-07-01", "really_reduced")
    verdict = next(e for e in good.history if e.kind == "verdict")
    assert (verdict.who, verdict.role, verdict.evidence) == (INSPECTOR.who, "inspector", {"users_after_grace": 0})


def test_a_ledger_file_load_becomes_events_named_by_the_file(store, small_db):
    path = small_db.parent / "files" / "remediation_cases.csv"
    with path.open(encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f) if row["scope_region_code"].startswith(ZHUJI)]
    assert len(rows) >= 5
    ledger = Ledger(store, now=clock())
    assert ledger.import_rows(STAFF, rows, path.name) == {"opened": len(rows), "changed": 0, "unchanged": 0}
    cases = ledger.cases(STAFF)
    assert set(cases) == {r["case_id"] for r in rows}
    first = cases[rows[0]["case_id"]]
    assert {e.source for e in first.history} == {"remediation_cases.csv"}
    assert first.fields["status"] == rows[0]["status"] and first.fields["identified_on"] == rows[0]["identified_on"]

    assert ledger.import_rows(STAFF, rows, path.name) == {"opened": 0, "changed": 0, "unchanged": len(rows)}
    moved = {**rows[0], "due_on": "2024-12-31"}
    assert ledger.import_rows(STAFF, [moved], "ledger-2024-12.xlsx") == {"opened": 0, "changed": 1, "unchanged": 0}
    last = ledger.case(STAFF, rows[0]["case_id"]).history[-1]
    assert (last.field, last.old, last.new, last.source) == (
        "due_on",
        rows[0]["due_on"] or None,
        "2024-12-31",
        "ledger-2024-12.xlsx",
    )


def test_history_cannot_be_changed_or_deleted(store):
    Ledger(store, now=clock()).open(STAFF, "RC-5", CASE)
    for statement in ("update ledger_events set who = 'someone else'", "delete from ledger_events"):
        with pytest.raises(ledger_store.AppendOnly):
            store.execute(statement)
    if isinstance(store, ledger_store.PostgresStore):
        with pytest.raises(ledger_store.AppendOnly):
            store.execute("truncate ledger_events")
    assert len(store.events(["RC-5"])) == len(CASE) + 5


def test_the_default_store_is_sqlite_in_wal_mode_beside_the_database(tmp_path, monkeypatch):
    monkeypatch.delenv("BURDEN_LEDGER_URL", raising=False)
    monkeypatch.setenv("BURDEN_DB", str(tmp_path / "burden.duckdb"))
    from burden import settings

    found = ledger_store.open_store(settings.ledger_url())
    assert isinstance(found, ledger_store.SqliteStore) and found.path == Path(f"{tmp_path}/burden.duckdb.ledger.sqlite")
    import sqlite3

    with sqlite3.connect(found.path) as con:
        assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    with pytest.raises(ValueError, match="must start with sqlite:/// or postgresql://"):
        ledger_store.open_store("mysql://x")
