"""The ledger's forms on the Remediation page, in AppTest as signed-in people (st.user seeded): a county's staff
moves a case on (a refused save says why and writes nothing), a second person's save is refused with a clear
message and nothing is lost, an inspector's verdict keeps the evidence shown, and the Apps page opens a case for an
app. Each save reaches the served database: the page's own queries show it on the next run."""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from burden import access
from burden.ingest.pipeline import sync_ledger
from burden.ledger import audit
from burden.ledger.cases import Ledger
from burden.ledger.store import open_store
from burden.views import ledger as ledger_view
from burden.web import trail
from tests.apptest_util import open_view
from tests.test_auth_gate import AUTH

ZHUJI = "330681"
STAFF = {"is_logged_in": True, "email": "zhuji.staff@example.gov.cn", "sub": "demo-zhuji-staff"}
INSPECTOR = {"is_logged_in": True, "email": "zhuji.inspector@example.gov.cn", "sub": "demo-zhuji-inspector"}
PARAMS = {"lang": "en", "region": ZHUJI}
# a 绍兴 city app that no 诸暨 case names (the demo's 诸暨 apps all have one)
FREE_APP = """select {first}(app_id) from apps where owner_region_code = '3306'
    and app_id not in (select app_id from remediation_cases where scope_region_code = ?)"""


@pytest.fixture
def served(small_db, tmp_path, monkeypatch):
    """A copy of the small demo and its ledger store, served to this test alone."""
    path = tmp_path / "burden.duckdb"
    shutil.copyfile(small_db, path)
    shutil.copyfile(f"{small_db}.ledger.sqlite", f"{path}.ledger.sqlite")
    monkeypatch.setenv("BURDEN_DB", str(path))
    monkeypatch.delenv("BURDEN_LEDGER_URL", raising=False)
    monkeypatch.setattr(trail, "_SEEN", set())
    return path


def _open(user: dict, page: str = "app_pages/remediation.py", params: dict = PARAMS) -> AppTest:
    return open_view(page, params, {**user, "iat": int(time.time())}, {"auth": AUTH})


def _row(path, case_id: str) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select status, done_on from remediation_cases where case_id = ?", [case_id]).fetchall()[0]


def _store(path):
    return open_store(f"sqlite:///{path}.ledger.sqlite")


def _case_in(path, status: str) -> str:
    """A delete case of an app 诸暨 has none for, opened by the county's staff and moved on to `status` (done on
    2023-12-01), then served: 诸暨's own cases in the demo are all closed."""
    with duckdb.connect(str(path), read_only=True) as con:
        app_id = con.execute(FREE_APP.format(first="min"), [ZHUJI]).fetchall()[0][0]
    ledger, staff = Ledger(_store(path)), access.Scope("staff", ZHUJI, STAFF["email"])
    fields = {"app_id": app_id, "scope_region_code": ZHUJI, "finding": "zombie", "action": "delete"}
    fields |= {"source": "self_check", "identified_on": "2023-09-01", "due_on": "2024-01-31"}
    case = ledger.open(staff, f"RC-{ZHUJI}-{app_id}", fields)
    for step in ("planned", "in_progress", "done")[: ("planned", "in_progress", "done").index(status) + 1]:
        changes = {"status": step} | ({"done_on": "2023-12-01"} if step == "done" else {})
        case = ledger.edit(staff, case.case_id, case.version, changes)
    assert sync_ledger(path, lambda _: None)
    return case.case_id


def _submit(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _messages(at: AppTest) -> list[str]:
    return [e.value for e in at.error] + [s.value for s in at.success] + [w.value for w in at.warning]


def test_staff_move_a_case_on_and_a_refused_save_writes_nothing(served):
    case_id = _case_in(served, "in_progress")
    at = _open(STAFF)
    at.selectbox(key="ledger_case").set_value(case_id).run()
    versions = Ledger(_store(served)).case(access.local_scope(), case_id).version

    at.selectbox(key=f"ledger_edit_status_{case_id}").set_value("done")
    _submit(at, "Save changes")
    assert "Not saved: a done or verified case needs its done date." in _messages(at)
    assert Ledger(_store(served)).case(access.local_scope(), case_id).version == versions  # nothing written

    at.date_input(key=f"ledger_edit_done_{case_id}").set_value(date(2024, 3, 5))
    at.text_area(key=f"ledger_edit_note_{case_id}").input("closed after the county's review")
    _submit(at, "Save changes")
    assert f"{case_id} saved." in _messages(at)
    assert _row(served, case_id) == ("done", date(2024, 3, 5))  # in the served database: every query reads it
    history = next(d.value for d in at.dataframe if "Change" in d.value.columns)  # the History tab's table
    assert list(history["Change"][:2]) == ["Status: In progress → Done", "Done on: – → 2024-03-05"]
    assert set(history["By"][:2]) == {"zhuji.staff@example.gov.cn (Data staff)"}
    assert history["Note"][0] == "closed after the county's review"
    records = audit.AuditLog(_store(served)).search(action="ledger_change")
    assert [(r.who, r.target, r.detail["change"]) for r in records] == [(STAFF["email"], case_id, "edit")]


def test_a_second_save_of_one_case_is_refused_and_nothing_is_lost(served):
    case_id = _case_in(served, "planned")
    at = _open(STAFF)
    at.selectbox(key="ledger_case").set_value(case_id).run()
    store = Ledger(_store(served))
    colleague = access.Scope("staff", ZHUJI, "zhuji.clerk@example.gov.cn")
    seen = store.case(colleague, case_id)
    store.edit(colleague, case_id, seen.version, {"due_on": "2025-06-30"}, note="the clerk's change")

    at.date_input(key=f"ledger_edit_due_{case_id}").set_value(date(2025, 9, 30))
    _submit(at, "Save changes")
    shown = _messages(at)
    assert any(m.startswith(f"Not saved: case {case_id} was changed by someone else") for m in shown), shown
    assert any("Someone else changed this case since you opened it" in m for m in shown), shown
    assert store.case(colleague, case_id).fields["due_on"] == "2025-06-30"  # theirs kept, ours not written

    _submit(at, "Reload this case")
    at.date_input(key=f"ledger_edit_due_{case_id}").set_value(date(2025, 9, 30))
    _submit(at, "Save changes")
    assert f"{case_id} saved." in _messages(at)
    history = store.case(colleague, case_id).history
    assert [(e.who, e.new) for e in history if e.field == "due_on"][-2:] == [
        ("zhuji.clerk@example.gov.cn", "2025-06-30"),
        ("zhuji.staff@example.gov.cn", "2025-09-30"),
    ]


def test_an_inspectors_verdict_keeps_the_evidence_shown_and_not_thorough_reopens(served):
    case_id = _case_in(served, "done")
    at = _open(INSPECTOR)
    at.selectbox(key="ledger_case").set_value(case_id).run()
    evidence = next(d.value for d in at.dataframe if "Evidence" in d.value.columns)  # the Verify tab's table
    shown = dict(zip(evidence["Evidence"], evidence["Value"], strict=True))
    at.radio(key=f"ledger_verdict_{case_id}").set_value("not_thorough")
    _submit(at, "Record the verdict")
    assert "Write what you checked (the note) before giving a verdict." in _messages(at)
    at.text_area(key=f"ledger_verify_note_{case_id}").input("village cadres still report in the old app")
    _submit(at, "Record the verdict")
    assert f"{case_id} found not thorough, and reopened (in progress)." in _messages(at)

    case = Ledger(_store(served)).case(access.local_scope(), case_id)
    assert (case.status, case.fields["done_on"], case.verdict) == ("in_progress", None, "not_thorough")
    kept = case.evidence
    assert str(kept["users_after_grace"]) == shown["Still using it after the grace"]
    assert str(kept["users"]) == shown["Scope cadres who used the app"]
    assert kept["checked_through"] == shown["Logs through"] == "2024-03-31"
    assert _row(served, case_id) == ("in_progress", None)
    verdict = next(e for e in case.history if e.kind == "verdict")
    assert (verdict.who, verdict.role) == (INSPECTOR["email"], "inspector")


def test_the_apps_page_opens_a_case_for_its_app(served):
    with duckdb.connect(str(served), read_only=True) as con:
        app_id = con.execute(FREE_APP.format(first="max"), [ZHUJI]).fetchall()[0][0]
    at = _open(STAFF, "app_pages/apps.py", {**PARAMS, "app": app_id})
    _submit(at, "Open a case for this app")
    assert at.selectbox(key="ledger_open_app").value == app_id  # on the Remediation page, the app picked
    at.switch_page("app_pages/remediation.py")  # where the browser now is (AppTest reruns the page it was given)
    at.selectbox(key="ledger_open_finding").set_value("zombie")
    at.selectbox(key="ledger_open_action").set_value("delete")
    at.date_input(key="ledger_open_due").set_value(date(2025, 6, 30))
    _submit(at, "Open the case")
    case_id = f"RC-{ZHUJI}-{app_id}"
    assert any(m.startswith(f"Case {case_id}") for m in _messages(at)), _messages(at)
    assert _row(served, case_id) == ("identified", None)
    case = Ledger(_store(served)).case(access.local_scope(), case_id)
    assert (case.fields["source"], case.fields["due_on"], case.history[0].who) == (
        "self_check",
        "2025-06-30",
        STAFF["email"],
    )


def test_meeting_mode_shows_no_ledger_forms(served):
    at = _open(STAFF, params={**PARAMS, "mode": "meeting"})
    assert "The ledger: record and verify" not in [h.value for h in at.subheader]
    assert not [b for b in at.button if b.label in ("Save changes", "Open the case")]
    at = _open(STAFF)
    assert "The ledger: record and verify" in [h.value for h in at.subheader]


def test_a_database_moved_without_its_ledger_says_so_and_draws_the_rest(served):
    Path(f"{served}.ledger.sqlite").unlink()  # the served table has cases; this server's store has none
    at = _open(STAFF)
    [warning] = [w.value for w in at.warning]
    assert warning.startswith(f"Case {at.selectbox(key='ledger_case').value} is in the database but not in the ledger")
    assert "What-if: delete or merge apps" in [h.value for h in at.subheader]  # the page goes on below the ledger


def test_a_failed_sync_keeps_the_save_says_the_charts_lag_and_logs_why(served, monkeypatch, caplog):
    case_id = _case_in(served, "planned")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ledger_view, "sync_ledger", full_disk)
    at = _open(STAFF)
    at.selectbox(key="ledger_case").set_value(case_id).run()
    at.date_input(key=f"ledger_edit_due_{case_id}").set_value(date(2025, 9, 30))
    _submit(at, "Save changes")
    lag = "The change is saved but not yet in the dashboard's data (a load is running, or the sync failed: see the log)"
    assert any(m.startswith(f"{case_id} saved. {lag}") for m in _messages(at)), _messages(at)
    assert Ledger(_store(served)).case(access.local_scope(), case_id).fields["due_on"] == "2025-09-30"
    assert [r.exc_info[1].strerror for r in caplog.records if r.name == "burden.views.ledger"] == [
        "No space left on device"
    ]


def test_saving_a_merge_keeps_a_target_the_person_cannot_see(served):
    staff = access.Scope("staff", ZHUJI, STAFF["email"])
    ledger = Ledger(_store(served))
    hidden = "K330109-01"  # a 萧山区 app: not among 诸暨 staff's apps
    fields = {"app_id": "C3306-01", "scope_region_code": ZHUJI, "finding": "duplicate_function", "action": "merge"}
    fields |= {"target_app_id": hidden, "source": "inspection", "identified_on": "2023-09-01"}
    ledger.open(staff, "RC-T-MERGE", fields)
    assert sync_ledger(served, lambda _: None)
    at = _open(STAFF)
    at.selectbox(key="ledger_case").set_value("RC-T-MERGE").run()
    assert at.selectbox(key="ledger_edit_target_RC-T-MERGE").value == hidden
    at.date_input(key="ledger_edit_due_RC-T-MERGE").set_value(date(2025, 6, 30))
    _submit(at, "Save changes")
    assert "RC-T-MERGE saved." in _messages(at)
    case = ledger.case(staff, "RC-T-MERGE")
    assert (case.fields["target_app_id"], case.fields["due_on"]) == (hidden, "2025-06-30")
