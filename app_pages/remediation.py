"""整治 Remediation: ledger progress, overdue cases, fixes checked against the logs, and a what-if."""

import streamlit as st

from burden import i18n, labels, settings
from burden.charts import remediation as charts
from burden.charts.memo import Build
from burden.i18n import fmt_num, fmt_pct, t
from burden.views import ledger, remediation, whatif
from burden.web import frame, ledger_forms, ui

view = frame.view()
state = view.state
data = remediation.load(state)
as_at = remediation.as_at(state)

region_name = i18n.region_name(data.region["name_zh"], data.region["name_en"])
st.title(t("rem.title", region=region_name))
st.caption(t("rem.caption", as_at=as_at, as_of=view.as_of))

# Headline: the ledger as at the period's end
total = remediation.totals(data.cases)
cards = (
    (t("metric.remediation"), fmt_pct(total["progress"]), t("rem.def.progress")),
    (t("rem.cases_total"), f"{total['cases']:,}", t("rem.def.cases_total")),
    (t("rem.cases_overdue"), f"{total['overdue']:,}", t("rem.def.overdue")),
    (t("rem.on_time_rate"), fmt_pct(total["on_time_rate"]), t("rem.def.on_time")),
)
for column, (label, value, help_text) in zip(st.columns(4), cards, strict=True):
    with column:
        st.metric(label, value, help=help_text, border=True)

st.subheader(t("rem.ledger"), help=t("rem.funnel_help"))
if data.cases.height == 0:
    st.info(t("rem.no_cases"))
else:
    left, right = st.columns(2)
    with left:
        stages = remediation.funnel(data.cases)
        open_cases = total["cases"] - total["done"]
        ui.plot(Build(charts.funnel, stages, t("rem.funnel_title", done=total["done"], open=open_cases)), "rem_funnel")
    with right:
        by_region = data.by_region
        figure = Build(charts.progress, by_region, settings.LAGGING_PROGRESS, remediation.progress_title(by_region))
        event = ui.plot(figure, "rem_progress", on_select="rerun")
        clicked = ui.clicked(event)
        if clicked and clicked != state.region:  # a click on a bar drills into that region
            frame.go(region=clicked)
        st.caption(t("rem.progress_hint", threshold=fmt_pct(settings.LAGGING_PROGRESS, 0)))
    ui.table(remediation.region_table(data.by_region), "remediation_by_region", key="rem_region_table")

    st.subheader(t("ledger.sources"), help=t("ledger.sources_help"))
    ui.table(remediation.sources_table(data.by_region), "cases_by_source", key="rem_sources_table")
    assessed = remediation.assessed_table(data.cases)
    if assessed.height:
        st.markdown(f"**{t('ledger.assessed', n=assessed.height)}**", help=t("ledger.assessed_help"))
        ui.table(assessed, "assessed_apps", key="rem_assessed_table", height=400)

    st.subheader(t("rem.overdue"), help=t("rem.def.overdue"))
    if total["overdue"]:
        st.caption(t("rem.overdue_caption", n=total["overdue"], as_at=as_at))
        ui.table(remediation.overdue_table(data.cases), "overdue_cases", key="rem_overdue_table", height=400)
    else:
        st.success(t("rem.overdue_none"))

# Checked against the logs
st.subheader(t("rem.logs"))
st.markdown(f"**{t('rem.superficial')}**", help=t("rem.superficial_help", days=settings.SUPERFICIAL_FIX_DAYS))
flagged = data.fixes.filter("is_superficial")
if flagged.height == 0:
    st.success(t("rem.superficial_none"))
else:
    st.caption(t("rem.superficial_caption", flagged=flagged.height, checked=data.fixes.height))
    ui.table(remediation.superficial_table(data.fixes), "superficial_fixes", key="rem_superficial_table")
    cases = flagged["case_id"].to_list()
    with st.expander(t("rem.evidence"), icon=":material/search:", expanded=not ui.meeting()):
        picked = st.selectbox(t("rem.evidence_pick"), cases, key="rem_evidence_case")
        fix = flagged.row(cases.index(picked), named=True)
        st.caption(
            t(
                "rem.evidence_caption",
                app=labels.with_code(labels.app_name(fix["app_name_zh"], fix["app_name_en"]), fix["app_id"]),
                scope=i18n.region_name(fix["scope_name_zh"], fix["scope_name_en"]),
                done_on=fix["done_on"],
            )
        )
        rows = remediation.evidence(state, picked)
        if rows.height:
            ui.table(remediation.evidence_table(rows), f"evidence_{picked}", key="rem_evidence_table", height=320)
        else:
            st.info(t("rem.evidence_none"))

points = fmt_num(settings.REBOUND_MIN_RISE_RATE * 100, 0)
st.markdown(
    f"**{t('rem.rebounds')}**",
    help=t("rem.rebounds_help", apps=settings.REBOUND_MIN_RISE_APPS, points=points),
)
if data.rebounds.height:
    ui.table(remediation.rebound_table(data.rebounds), "rebounds", key="rem_rebound_table")
else:
    st.success(t("rem.rebounds_none"))

threshold = fmt_pct(settings.LAGGING_PROGRESS, 0)
st.markdown(f"**{t('rem.lagging')}**", help=t("rem.lagging_help", threshold=threshold, target=settings.APPS_TARGET))
if data.lagging.height:
    ui.table(remediation.lagging_table(data.lagging), "lagging_regions", key="rem_lagging_table")
else:
    st.success(t("rem.lagging_none"))

options = whatif.app_options(state)
app_labels = dict(zip(options["app_id"], options["label"], strict=True))

# The ledger kept here: open, move on, verify; every change kept (not on a projector: meeting mode reads only)
if not ui.meeting():
    st.subheader(t("ledger.title"), help=t("ledger.help"))
    ledger_forms.draw(state, region_name, ledger.app_labels(), data.cases)

# What-if
st.subheader(t("rem.whatif"), help=t("rem.whatif_help"))
st.caption(t("rem.whatif_caption", month=state.end))
apps = list(app_labels)
delete = st.multiselect(t("rem.whatif_delete"), apps, key="rem_whatif_delete", format_func=app_labels.__getitem__)
left, right = st.columns(2)
with left:
    sources = st.multiselect(t("rem.whatif_merge"), apps, key="rem_whatif_merge", format_func=app_labels.__getitem__)
with right:
    into = st.selectbox(
        t("rem.whatif_target"), apps, index=None, key="rem_whatif_target", format_func=app_labels.__getitem__
    )
choice = whatif.Choice(tuple(delete), tuple(sources), into)
if not choice.is_valid:
    st.warning(t("rem.whatif_same"))
elif choice.is_empty:
    st.info(t("rem.whatif_pick"))
else:
    projection = whatif.project(state, choice)
    overall = projection.filter("is_total").row(0, named=True)
    cards = (
        (t("rem.whatif_held"), "held_median", fmt_num, t("def.apps_held")),
        (t("rem.whatif_used"), "used_mean", lambda v: fmt_num(v, 2), t("def.apps_used")),
    )
    columns = st.columns(3)
    for column, (label, key, fmt, help_text) in zip(columns, cards, strict=False):
        with column:
            before, after = overall[f"{key}_before"], overall[f"{key}_after"]
            ui.metric(label, fmt(after), fmt(after - before), help_text, note=t("rem.whatif_note", before=fmt(before)))
    with columns[2]:
        hours = fmt_num(overall["hours_returned_per_cadre_week"], 2)
        value = t("rem.whatif_hours_value", value=hours)
        now = t("rem.whatif_hours_value", value=fmt_num(overall["hours_per_cadre_week"]))
        st.metric(t("rem.whatif_hours"), value, help=t("rem.whatif_def_hours"), border=True)
        st.caption(t("rem.whatif_hours_note", hours=now))
    ui.plot(Build(charts.whatif, projection, settings.APPS_TARGET, whatif.title(overall)), "rem_whatif")
    ui.table(whatif.table(projection), "whatif", key="rem_whatif_table")
