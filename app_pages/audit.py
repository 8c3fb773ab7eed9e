"""审计日志 Audit log (admins): who signed in, saw cadre rows, exported, loaded, or changed the ledger; searched here
and exported as CSV (the same file as `python -m burden audit export`)."""

import streamlit as st

from burden import access, settings
from burden.i18n import t
from burden.ledger.audit import ACTIONS
from burden.ledger.cases import EDITORS
from burden.views import audit
from burden.views.ledger import today
from burden.web import trail, ui

scope = access.current()
st.title(t("audit.title"))
st.caption(t("audit.caption", days=settings.AUDIT_KEEP_DAYS))
if not audit.may_read(scope):
    st.error(t("audit.not_allowed"), icon=":material/block:")
    st.stop()

if scope.local:
    st.info(t("audit.local_note"), icon=":material/info:")
roles = ("leader", "inspector", *[r for r in EDITORS if r != "local"])


def _pick(label: str, options: tuple, key: str, text: str):
    """A filter that may be left empty (any), its options shown in the reader's language."""
    shown = {o: t(f"{text}.{o}") for o in options}
    return st.selectbox(label, options, index=None, key=key, format_func=shown.__getitem__, placeholder=t("audit.any"))


with st.form("audit_search", enter_to_submit=True):
    left, middle, right = st.columns(3)
    with left:
        who = st.text_input(t("audit.who"), key="audit_who", placeholder="someone@example.gov.cn")
        role = _pick(t("audit.role"), roles, "audit_role", "auth.role")
    with middle:
        action = _pick(t("audit.action"), ACTIONS, "audit_action", "audit.action")
        region = st.text_input(t("audit.region"), key="audit_region", placeholder="330681")
    with right:
        since = st.date_input(t("audit.since"), value=audit.default_since(today()), key="audit_since")
        until = st.date_input(t("audit.until"), value=today(), key="audit_until")
    st.form_submit_button(t("audit.search"), type="primary")

wanted = audit.Search(who, role, region or None, action, since, until)
try:
    found = audit.search(scope, wanted)
except audit.NotAllowed:
    st.error(t("audit.region_outside", region=region), icon=":material/block:")
    st.stop()
st.caption(t("audit.found", n=len(found), since=since or "…", until=until or "…"))
if found:
    ui.table(audit.table(found), "audit_log", key="audit_table", height=520 if len(found) > 12 else None)
    csv = trail.exported("export", "audit_log", "csv", lambda: audit.csv_bytes(found))
    st.download_button(
        t("audit.download"),
        csv,
        file_name=f"audit-{since}-{until}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="audit_csv",
    )
else:
    st.info(t("audit.none"))
