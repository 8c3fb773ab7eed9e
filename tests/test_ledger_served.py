"""The ledger in the served database, through both real stores: the dashboard's changes reach the queries and derived
tables on the next sync, a ledger file load becomes events named by the file, and re-loading an older spreadsheet
does not undo what was changed in the dashboard since."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from burden import access, db
from burden.ingest.pipeline import load, sync_ledger
from burden.ledger import served
from burden.ledger.cases import Ledger
from burden.ledger.store import open_store

ADMIN = access.Scope("admin", "33", "ledger.admin@example.gov.cn")


def _served(small_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, path)
    return path


def _table(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select * from remediation_cases order by case_id").fetchall()


def _quiet(_: str) -> None:
    pass


def _open_case_with_later_use(path: Path) -> tuple[str, str]:
    """An in-progress delete case whose app a scope cadre used 30 days or more after the case was identified, and
    the day to mark it done on (its identification day)."""
    sql = """
        select c.case_id, c.identified_on
        from remediation_cases c
        inner join cadre_regions r on r.region_code = c.scope_region_code
        inner join app_cadre_month u on u.cadre_id = r.cadre_id and u.app_id = c.app_id and u.events > 0
        where c.status in ('identified', 'planned', 'in_progress') and c.action = 'delete'
        group by 1, 2
        having max(u.last_event_on) > c.identified_on + 30
        order by 1 limit 1
    """
    with duckdb.connect(str(path), read_only=True) as con:
        case_id, day = con.execute(sql).fetchall()[0]
    return case_id, day.isoformat()


def _fix(path: Path, case_id: str) -> dict | None:
    with pytest.MonkeyPatch.context() as patch, access.using(access.local_scope()):
        patch.setenv("BURDEN_DB", str(path))
        fixes = db.query("fix_checks", region=None, to=None, grace_days=14)
        done = db.query("burden_rates", region="33", children=False, by_month=False, **{"from": None, "to": None})
    found = fixes.filter(fixes["case_id"] == case_id)
    return (found.row(0, named=True) if found.height else None), int(done["cases_done"][0])


def test_a_case_closed_in_the_dashboard_is_checked_against_the_logs_after_the_sync(store, small_db, tmp_path):
    path = _served(small_db, tmp_path)
    before = _table(path)
    assert sync_ledger(path, _quiet, ledger_url=store.url)  # an empty store takes the table's rows first
    assert _table(path) == before
    assert {e.source for e in store.events()} == {served.BEFORE_STORE}
    assert not sync_ledger(path, _quiet, ledger_url=store.url)  # nothing new: the file is left alone

    case_id, day = _open_case_with_later_use(path)
    ledger = Ledger(store)
    case = ledger.case(ADMIN, case_id)
    steps = ("planned", "in_progress", "done")[("identified", "planned", "in_progress").index(case.status) :]
    for status in steps:
        changes = {"status": status} | ({"done_on": day} if status == "done" else {})
        case = ledger.edit(ADMIN, case_id, case.version, changes, note="closed in the dashboard")
    assert _fix(path, case_id)[0] is None  # not served until the sync
    done_before = _fix(path, case_id)[1]

    assert sync_ledger(path, _quiet, ledger_url=store.url)
    fix, done_after = _fix(path, case_id)
    assert fix is not None and fix["done_on"].isoformat() == day
    assert fix["users_after_grace"] > 0 and fix["is_superficial"]  # its app was used after the done day
    assert done_after == done_before + 1  # progress (region_month, rebuilt) counts it too


def test_a_ledger_file_load_becomes_events_and_an_older_file_does_not_undo_the_dashboard(store, small_db, tmp_path):
    path = _served(small_db, tmp_path)
    with (small_db.parent / "files" / "remediation_cases.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    original = tmp_path / "ledger-2024-03.csv"
    shutil.copyfile(small_db.parent / "files" / "remediation_cases.csv", original)
    assert load([original], path, progress=_quiet, ledger_url=store.url).ok
    assert store.head() > 0 and _table(path) == _table(small_db)

    kept, moved = rows[0]["case_id"], rows[1]["case_id"]
    ledger = Ledger(store)
    case = ledger.case(ADMIN, kept)
    ledger.edit(ADMIN, kept, case.version, {"due_on": "2025-01-31"}, note="new deadline agreed")

    changed = tmp_path / "ledger-2024-04.csv"
    rows[1] = {**rows[1], "due_on": "2025-02-28"}
    with changed.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert load([changed], path, progress=_quiet, ledger_url=store.url, who="zhuji.staff@example.gov.cn").ok

    kept_case, moved_case = ledger.case(ADMIN, kept), ledger.case(ADMIN, moved)
    assert kept_case.fields["due_on"] == "2025-01-31"  # the file said what it said before: not a change
    assert moved_case.fields["due_on"] == "2025-02-28"
    last = moved_case.history[-1]
    clerk = "zhuji.staff@example.gov.cn"
    assert (last.field, last.new, last.source, last.who) == ("due_on", "2025-02-28", changed.name, clerk)
    served_due = {row[0]: row[9] for row in _table(path)}
    assert (served_due[kept].isoformat(), served_due[moved].isoformat()) == ("2025-01-31", "2025-02-28")


def test_the_command_line_prints_a_cases_history(small_db, tmp_path):
    path = _served(small_db, tmp_path)
    store = open_store(f"sqlite:///{path}.ledger.sqlite")
    assert sync_ledger(path, _quiet)  # the store beside the copy takes its cases
    case_id = _open_case_with_later_use(path)[0]
    ledger = Ledger(store)
    case = ledger.case(ADMIN, case_id)
    ledger.edit(ADMIN, case_id, case.version, {"due_on": "2025-03-31"}, note="deadline moved by the county")
    env = {**os.environ, "BURDEN_DB": str(path)}
    env.pop("BURDEN_LEDGER_URL", None)
    run = subprocess.run([sys.executable, "-m", "burden", "ledger", "history", case_id], env=env, capture_output=True)
    lines = run.stdout.decode().splitlines()
    assert run.returncode == 0 and lines[0].startswith("v1 ") and f"app_id: {case_id.split('-', 2)[2]}" in lines[0]
    assert lines[1].strip() == f"source: {served.BEFORE_STORE}"
    assert lines[-2].endswith(
        f"ledger.admin@example.gov.cn (admin)  set     due_on: {case.fields['due_on']} -> 2025-03-31"
    )
    assert lines[-1].strip() == "note: deadline moved by the county"
    missing = subprocess.run(
        [sys.executable, "-m", "burden", "ledger", "history", "RC-nope"], env=env, capture_output=True
    )
    assert missing.returncode == 1 and missing.stderr.decode().strip() == "no case 'RC-nope' in the ledger"
