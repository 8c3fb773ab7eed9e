"""整改台账 forms on the Remediation page: open a case, move it on, an inspector's verdict, its history.

A form remembers the version of the case it was drawn from (session state, per case), so a save made after someone
else's is refused with a clear message (burden.ledger.cases raise_conflict) rather than overwriting it. Every save
goes through burden.views.ledger with the person's scope: the query layer refuses what the scope does not allow,
whatever this form sends.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from burden import access
from burden.filters import ViewState
from burden.i18n import t
from burden.ledger.cases import CHOICES, VERDICTS, Case, OutOfScope, Refused
from burden.views import ledger
from burden.web import trail, ui

NEW_APP = "ledger_new_app"  # set by the Apps page's "open a case for this app"
_FLASH = "_ledger_flash"
_PICK = "_ledger_pick"


def _seen_key(case_id: str) -> str:
    return f"_ledger_seen_{case_id}"


def _flash(saved: ledger.Saved, message: str) -> None:
    st.session_state[_FLASH] = (message, saved.served)
    st.session_state[_seen_key(saved.case.case_id)] = saved.case.version
    st.session_state[_PICK] = saved.case.case_id  # shown next run (the picker is drawn already in this one)
    st.rerun()


def _choose_text() -> str:
    return t("ledger.choose")


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _choice(name: str, key: str, current: str | None = None, optional: bool = False):
    options = list(CHOICES[name])
    index = options.index(current) if current in options else (None if optional else 0)
    shown = {v: ledger.value_text(name, v) for v in options}  # a dict, not a lambda: AppTest formats values too
    return st.selectbox(
        t(f"ledger.field.{name}"),
        options,
        index=index,
        key=key,
        format_func=shown.__getitem__,
        placeholder=_choose_text(),
    )


def _app(name: str, key: str, apps: dict[str, str], current: str | None = None, help_key: str | None = None):
    """An app picker (apps: id -> label, those the person may see); the case's own app stays a choice, by its id,
    even if the person cannot see it, so saving another field never drops it."""
    shown = apps if current is None or current in apps else {**apps, current: current}
    options = list(shown)
    return st.selectbox(
        t(f"ledger.field.{name}"),
        options,
        index=options.index(current) if current in shown else None,
        key=key,
        format_func=shown.__getitem__,
        placeholder=_choose_text(),
        help=t(help_key) if help_key else None,
    )


def draw(state: ViewState, region: str, apps: dict[str, str], served: pl.DataFrame) -> None:
    """The ledger section for the region (code in state, name as shown): apps maps app id -> label (those the
    person may pick); served: the region's cases as the page read them (cases_at_end), for the picker. The picked
    case itself is read from the ledger's store (its events, its version), one case per run."""
    scope = access.current()
    if _FLASH in st.session_state:
        message, done = st.session_state.pop(_FLASH)
        st.success(message if done else f"{message} {t('ledger.not_served')}", icon=":material/check:")
    if ledger.may_edit(scope):
        _open_form(scope, state, region, apps)
    if served.height == 0:
        st.info(t("ledger.none"))
        return
    rows = served.sort("case_id").select("case_id", "app_id", "status").rows()
    shown = {
        case_id: f"{case_id} · {apps.get(app_id, app_id)} · {ledger.value_text('status', status)}"
        for case_id, app_id, status in rows
    }
    if st.session_state.get(_PICK) in shown:
        st.session_state["ledger_case"] = st.session_state.pop(_PICK)
    if st.session_state.get("ledger_case") not in shown:
        st.session_state.pop("ledger_case", None)
    picked = st.selectbox(t("ledger.pick"), list(shown), key="ledger_case", format_func=shown.__getitem__)
    try:
        case = ledger.case(scope, picked)
    except OutOfScope:  # served, yet not in the store this server reads (a database moved without its ledger)
        st.warning(t("ledger.not_in_store", case=picked), icon=":material/sync_problem:")
        return
    seen = st.session_state.setdefault(_seen_key(picked), case.version)
    if seen != case.version:
        st.warning(t("ledger.changed_since", seen=seen, now=case.version), icon=":material/sync_problem:")
        if st.button(t("ledger.reload"), key="ledger_reload"):
            st.session_state[_seen_key(picked)] = case.version
            st.rerun()
    st.markdown(
        t("ledger.case_head", status=ledger.value_text("status", case.status), version=case.version)
        + (f" · {t('ledger.last_verdict', verdict=t(f'ledger.verdict.{case.verdict}'))}" if case.verdict else "")
    )
    names = [t("ledger.tab.fields"), t("ledger.tab.history")]
    if ledger.may_edit(scope):
        names.insert(1, t("ledger.tab.edit"))
    if ledger.may_verify(scope):
        names.insert(len(names) - 1, t("ledger.tab.verify"))
    tabs = dict(zip(names, st.tabs(names), strict=True))
    with tabs[t("ledger.tab.fields")]:
        st.dataframe(ledger.fields_table(case, apps).to_arrow(), hide_index=True, width="stretch")
    if t("ledger.tab.edit") in tabs:
        with tabs[t("ledger.tab.edit")]:
            _edit_form(scope, case, seen, apps)
    if t("ledger.tab.verify") in tabs:
        with tabs[t("ledger.tab.verify")]:
            _verify_form(scope, case, seen)
    with tabs[t("ledger.tab.history")]:
        history = ledger.history_table(case)
        st.caption(t("ledger.history_caption", n=history.height))
        ui.table(history, f"case_history_{picked}", key="ledger_history", height=360)


def _refused(exc: Refused) -> None:
    st.error(ledger.refusal_text(exc), icon=":material/block:")


def _open_form(scope: access.Scope, state: ViewState, region: str, apps: dict[str, str]) -> None:
    preset = st.session_state.pop(NEW_APP, None)
    if preset in apps:
        st.session_state["ledger_open_app"] = preset
    with st.expander(t("ledger.open_title"), icon=":material/add_task:", expanded=preset is not None):
        st.caption(t("ledger.open_caption", region=region))
        with st.form("ledger_open", enter_to_submit=False):
            app = _app("app_id", "ledger_open_app", apps)
            left, right = st.columns(2)
            with left:
                finding = _choice("finding", "ledger_open_finding")
                action = _choice("action", "ledger_open_action")
                target = _app("target_app_id", "ledger_open_target", apps, help_key="ledger.target_help")
                source = _choice("source", "ledger_open_source", "inspection" if scope.role == "inspector" else None)
            with right:
                identified = st.date_input(
                    t("ledger.field.identified_on"), value=ledger.today(), key="ledger_open_identified"
                )
                due = st.date_input(t("ledger.field.due_on"), value=None, key="ledger_open_due")
                recommendation = _choice("recommendation", "ledger_open_rec", optional=True)
            note = st.text_area(t("ledger.col.note"), key="ledger_open_note", max_chars=2000)
            if not st.form_submit_button(t("ledger.open_submit"), type="primary"):
                return
        if app is None:
            st.error(t("ledger.pick_app"), icon=":material/block:")
            return
        fields = {
            "app_id": app,
            "scope_region_code": state.region,
            "finding": finding,
            "action": action,
            "target_app_id": target,
            "source": source,
            "identified_on": _iso(identified),
            "due_on": _iso(due),
            "recommendation": recommendation,
        }
        try:
            saved = ledger.open_case(scope, ledger.new_case_id(state.region, app), fields, note)
        except Refused as exc:
            _refused(exc)
            return
        trail.ledger_change(scope, saved.case.case_id, "open", {"app_id": app, "region": state.region})
        _flash(saved, t("ledger.opened", case=saved.case.case_id))


def _edit_form(scope: access.Scope, case: Case, seen: int, apps: dict[str, str]) -> None:
    f = case.fields
    with st.form(f"ledger_edit_{case.case_id}", enter_to_submit=False):
        steps = ledger.next_steps(case)
        left, right = st.columns(2)
        with left:
            status = st.selectbox(
                t("ledger.field.status"),
                steps,
                key=f"ledger_edit_status_{case.case_id}",
                format_func={v: ledger.value_text("status", v) for v in steps}.__getitem__,
                help=t("ledger.status_help"),
            )
            action = _choice("action", f"ledger_edit_action_{case.case_id}", f["action"])
            target = _app(
                "target_app_id", f"ledger_edit_target_{case.case_id}", apps, f["target_app_id"], "ledger.target_help"
            )
        with right:
            due = st.date_input(
                t("ledger.field.due_on"), value=_day(f["due_on"]), key=f"ledger_edit_due_{case.case_id}"
            )
            done = st.date_input(
                t("ledger.field.done_on"),
                value=_day(f["done_on"]),
                key=f"ledger_edit_done_{case.case_id}",
                help=t("ledger.done_help"),
            )
            recommendation = _choice("recommendation", f"ledger_edit_rec_{case.case_id}", f["recommendation"], True)
        note = st.text_area(t("ledger.col.note"), key=f"ledger_edit_note_{case.case_id}", max_chars=2000)
        if not st.form_submit_button(t("ledger.save"), type="primary"):
            return
    wanted = {
        "status": status,
        "action": action,
        "target_app_id": target,
        "due_on": _iso(due),
        "done_on": _iso(done),
        "recommendation": recommendation,
    }
    changes = {k: v for k, v in wanted.items() if v != f[k]}
    if not changes and not note:
        st.info(t("ledger.nothing_changed"))
        return
    try:
        saved = ledger.edit_case(scope, case.case_id, seen, changes, note)
    except Refused as exc:
        _refused(exc)
        return
    trail.ledger_change(scope, case.case_id, "edit", {"changes": changes, "note": bool(note)})
    _flash(saved, t("ledger.saved", case=case.case_id))


def _verify_form(scope: access.Scope, case: Case, seen: int) -> None:
    if case.status != "done":
        st.info(t("ledger.verify_only_done", status=ledger.value_text("status", case.status)))
        return
    shown = ledger.evidence(case)
    st.caption(t("ledger.evidence_caption", day=shown["checked_through"], grace=shown["grace_days"]))
    st.dataframe(ledger.evidence_table(shown).to_arrow(), hide_index=True, width="stretch")
    with st.form(f"ledger_verify_{case.case_id}", enter_to_submit=False):
        verdict = st.radio(
            t("ledger.verdict"),
            VERDICTS,
            key=f"ledger_verdict_{case.case_id}",
            horizontal=True,
            format_func={v: t(f"ledger.verdict.{v}") for v in VERDICTS}.__getitem__,
            help=t("ledger.verdict_help"),
        )
        note = st.text_area(t("ledger.col.note"), key=f"ledger_verify_note_{case.case_id}", max_chars=2000)
        if not st.form_submit_button(t("ledger.verify_submit"), type="primary"):
            return
    if not note.strip():
        st.error(t("ledger.verdict_needs_note"), icon=":material/block:")
        return
    try:
        saved = ledger.verify_case(scope, case, seen, verdict, note, shown)
    except Refused as exc:
        _refused(exc)
        return
    trail.ledger_change(scope, case.case_id, "verdict", {"verdict": verdict, "evidence": saved.case.evidence})
    _flash(saved, t(f"ledger.verified.{verdict}", case=case.case_id))
