"""数据 Data: sources, rows and freshness per table, upload -> dry-run report -> commit, quarantine (staff only)."""

import streamlit as st

from burden import access, db
from burden.filters import markdown_literal
from burden.i18n import fmt_num, t
from burden.views import data
from burden.web import trail, ui

_PENDING = "data_pending"  # the data.Preview of the uploads checked by a dry run
_UPLOADER = "data_uploader_round"  # bumped to empty the uploader after a commit or discard
_DONE = "data_last_load"  # the report of the last committed load, shown once after the rerun


def _count(value: int) -> str:
    return fmt_num(value, 0)


def _grouped(*columns: str) -> dict:
    """Counts with thousands separators on screen (the downloads keep plain numbers)."""
    return {c: st.column_config.NumberColumn(format="localized") for c in columns}


def _sources() -> None:
    st.subheader(t("data.sources"))
    src = data.sources()
    cols = st.columns(4)
    day, _, clock = src.loaded_at.partition(" ")  # the date fits a card on a phone; the time goes below
    cols[0].metric(t("data.loaded_at"), day or "–", help=t("data.loaded_at_help"), border=True)
    if clock:
        cols[0].caption(t("data.loaded_time", time=clock[:5]))
    cols[1].metric(t("data.as_of"), src.as_of or "–", help=t("data.as_of_help"), border=True)
    cols[2].metric(t("data.first_event"), src.first_event_on or "–", help=t("data.first_event_help"), border=True)
    cols[3].metric(t("data.source_count"), _count(len(src.files)), help=t("data.source_count_help"), border=True)
    if src.files:
        with st.expander(t("data.source_list", n=_count(len(src.files))), icon=":material/folder_open:"):
            ui.table(data.sources_table(src.files), "sources", key="sources_table")


def _tables() -> None:
    st.subheader(t("data.tables"), help=t("data.tables_help"))
    ui.table(data.tables(), "tables", key="tables_table", column_config=_grouped(t("data.col.rows")))


def _lines() -> None:
    by_line = data.apps_by_line()
    st.subheader(t("data.lines"), help=t("data.lines_help"))
    if by_line.unknown:
        st.warning(
            t("data.lines_unknown", n=_count(by_line.unknown), total=_count(by_line.apps)), icon=":material/help:"
        )
    else:
        st.caption(t("data.lines_all_known", total=_count(by_line.apps)))
    with st.expander(t("data.lines_table"), icon=":material/account_tree:"):
        ui.table(by_line.table, "apps_by_line", key="lines_table")


def _report(report) -> None:
    totals = data.totals(report)
    st.markdown(f"**{t('data.report')}**")
    cards = (
        ("data.report.read", totals.read),
        ("data.report.would_load", totals.loaded),
        ("data.report.duplicates", totals.duplicates),
        ("data.report.quarantined", totals.quarantined),
        ("data.report.refused", totals.refused),
    )
    for (key, value), column in zip(cards, st.columns(len(cards)), strict=True):
        column.metric(t(key), _count(value), help=t(f"{key}_help"), border=True)
    counts = ("data.col.rows_read", "data.col.would_load", "data.col.duplicates", "data.col.quarantined")
    ui.table(data.report_table(report), "validation", key="validation_table", column_config=_grouped(*map(t, counts)))


def _upload() -> None:
    st.subheader(t("data.upload"))
    round_no = st.session_state.setdefault(_UPLOADER, 0)
    files = st.file_uploader(
        t("data.upload_label", mb=data.MAX_UPLOAD_MB),
        type=list(data.UPLOAD_TYPES),
        accept_multiple_files=True,
        max_upload_size=data.MAX_UPLOAD_MB,
        help=t("data.upload_help"),
        key=f"data_upload_{round_no}",
    )
    pending: data.Preview | None = st.session_state.get(_PENDING)
    signature = tuple((f.name, f.size, f.file_id) for f in files or [])
    if pending is not None and pending.signature != signature:  # other files, or none: the old preview is done
        st.session_state.pop(_PENDING).discard()
        pending = None
    if not files:
        return
    if pending is None:  # new files: check them once, by a dry run
        with st.spinner(t("data.checking")):
            pending, problems = data.preview(files, signature)
        if pending is None:
            for problem in problems:  # they name the files: shown as text, never as markdown
                st.error(markdown_literal(problem), icon=":material/block:")
            return
        st.session_state[_PENDING] = pending

    report = pending.report
    _report(report)
    if not report.ok:
        messages = "\n\n".join(map(markdown_literal, report.messages))  # file and column names from the upload
        st.error(t("data.report.blocked") + "\n\n" + messages, icon=":material/block:")
        return
    if not data.totals(report).loaded and not data.totals(report).quarantined:
        st.info(t("data.report.nothing"), icon=":material/check_circle:")
        return
    go, cancel, _ = st.columns([1, 1, 4])
    if cancel.button(t("data.cancel"), icon=":material/delete:", key="data_discard"):
        st.session_state.pop(_PENDING).discard()
        st.session_state[_UPLOADER] = round_no + 1
        st.rerun()
    commit = go.button(
        t("data.commit"), type="primary", icon=":material/upload:", help=t("data.commit_help"), key="data_commit"
    )
    if commit:
        with st.status(t("data.loading"), expanded=True) as status:  # streams the loader's progress lines
            done = st.session_state.pop(_PENDING).commit(progress=status.write)
            target, outcome, detail = done.audit()
            trail.record(access.current(), "load", target, outcome, **detail)
            label, state = ("data.loaded", "complete") if done.ok else ("data.load_failed", "error")
            status.update(label=t(label), state=state)
        st.session_state[_UPLOADER] = round_no + 1
        st.session_state[_DONE] = done
        st.rerun()  # the page reads the new file version from here on


def _quarantine() -> None:
    st.subheader(t("data.quarantine"), help=t("data.quarantine_help"))
    reasons = data.quarantine_reasons()
    if reasons.height == 0:
        st.info(t("data.quarantine_empty"), icon=":material/verified:")
        return
    ui.table(reasons, "quarantine_reasons", key="quarantine_reasons_table", column_config=_grouped(t("data.col.rows")))
    # Rejected rows are the importer's own file lines (cadre ids included): every role that may import sees
    # them, to correct and re-load them; never on a projector.
    if ui.meeting():
        st.caption(t("data.quarantine_meeting"))
        return
    rows = data.quarantine_rows()
    total = int(reasons[t("data.col.rows")].sum())
    st.caption(t("data.quarantine_shown", shown=_count(rows.height), total=_count(total)))
    ui.table(rows, "quarantine", key="quarantine_table")


st.title(t("data.title"))
st.warning(t("data.staff_only"), icon=":material/lock:")
done = st.session_state.pop(_DONE, None)
if done is not None:
    totals = data.totals(done)
    if done.ok:
        st.success(
            t(
                "data.done",
                loaded=_count(totals.loaded),
                duplicates=_count(totals.duplicates),
                quarantined=_count(totals.quarantined),
                seconds=fmt_num(done.seconds),
            ),
            icon=":material/check_circle:",
        )
    else:
        st.error(t("data.load_failed") + ": " + markdown_literal("; ".join(done.messages)), icon=":material/error:")
try:
    _sources()
    _tables()
    _lines()
except db.QueryError as exc:  # a database made by an older version lacks a newer derived table
    st.warning(t("data.no_tables", error=exc), icon=":material/warning:")
_upload()
_quarantine()
