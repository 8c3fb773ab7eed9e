"""应用 Apps: the region's catalogue with zombie / island / prohibited-feature flags, and one app in detail."""

import streamlit as st

from burden import access, i18n, labels, settings
from burden.charts import apps as charts
from burden.charts.memo import Build
from burden.i18n import fmt_pct, t
from burden.views import apps, ledger
from burden.web import frame, ledger_forms, ui

view = frame.view()
state = view.state
catalogue = apps.load_catalogue(state, view.as_of)
region, as_of, flags = catalogue.region, catalogue.as_of, catalogue.flags
counts = apps.counts(flags)
thresholds = {
    "share": fmt_pct(settings.ZOMBIE_ACTIVE_SHARE, 0),
    "days": settings.ZOMBIE_ACTIVE_DAYS,
    "silent": settings.ZOMBIE_SILENT_DAYS,
}

st.title(t("apps.title", region=i18n.region_name(region["name_zh"], region["name_en"])))
st.caption(t("apps.caption", start=state.start, end=state.end, as_of=as_of.isoformat(), data_as_of=view.as_of))

st.subheader(t("apps.headline", as_of=as_of.isoformat()))
cards = (
    ("apps.card.current", counts["current"], t("apps.def.current", retired=counts["retired"], **thresholds)),
    ("apps.card.zombie", counts["zombie"], t("apps.def.zombie", **thresholds)),
    ("apps.card.island", counts["island"], t("apps.def.island")),
    ("apps.card.prohibited", counts["prohibited"], t("apps.def.prohibited")),
)
for (label, value, help_text), column in zip(cards, st.columns(4), strict=True):
    with column:
        st.metric(t(label), f"{value:,}", help=help_text, border=True)

# The app in focus lives in the URL (app=<id>); the picker only proposes a change through it.
ids, choices = apps.picker_options(flags, state.app)
picked = st.selectbox(
    t("apps.pick"),
    options=ids,
    index=ids.index(state.app) if state.app in ids else 0,
    format_func=choices.__getitem__,
    key=f"apps_pick_{state.app or 'none'}",
    help=t("apps.pick_help"),
)
if picked != state.app:
    frame.go(app=picked)

detail = apps.load_detail(state)
if detail is not None:
    info, trend, end = detail.info, detail.trend, state.end
    st.header(
        t("apps.detail", app=labels.app_name(info["name_zh"], info["name_en"]), id=info["app_id"]), divider="gray"
    )
    st.caption(apps.detail_facts(info, flags))
    if ledger.may_edit(access.current()) and st.button(
        t("ledger.open_for_app"), key="apps_open_case", icon=":material/add_task:"
    ):  # the Remediation page's ledger form opens with this app picked, for the region in the filter bar
        st.session_state[ledger_forms.NEW_APP] = info["app_id"]
        frame.go("app_pages/remediation.py", app=None)
    last = trend.row(-1, named=True)
    left, middle, right = st.columns(3)
    with left:
        st.metric(
            t("apps.detail_card.held", month=end), f"{last['accounts_held']:,}", help=t("apps.def.held"), border=True
        )
    with middle:
        st.metric(
            t("apps.detail_card.active", month=end), f"{last['active_users']:,}", help=t("apps.def.active"), border=True
        )
    with right:
        total = int(trend["duplicate_submits"].sum())
        st.metric(t("apps.detail_card.duplicates"), f"{total:,}", help=t("apps.def.duplicates"), border=True)
    if trend["accounts_held"].sum() == 0 and trend["active_users"].sum() == 0:
        st.info(t("apps.not_in_region"))

    st.subheader(t("apps.trend"))
    left, right = st.columns(2)
    with left:
        ui.plot(Build(charts.usage_trend, trend, view.baseline, apps.trend_title(trend)), "app_users")
    with right:
        ui.plot(Build(charts.events_trend, trend, view.baseline, apps.events_title(trend)), "app_events")

    st.subheader(t("apps.counties", month=end))
    if detail.counties.height == 0:
        st.info(t("apps.counties_empty", month=end))
    else:
        ui.table(apps.counties_table(detail.counties), "app_counties", key="app_counties")

    st.subheader(t("apps.overlap"))
    if detail.overlap_month is None:
        st.info(t("apps.overlap_never"))
    elif detail.overlap.height == 0:
        st.info(t("apps.overlap_empty"))
    else:
        month = detail.overlap_month.strftime("%Y-%m")
        st.caption(t("apps.overlap_caption", start=state.start, end=end, month=month))
        if month != end:
            st.warning(t("apps.overlap_gone", end=end, month=month), icon=":material/history:")
        top = apps.overlap_labels(detail.overlap.head(apps.OVERLAP_CHART_ROWS), region)
        figure = Build(
            charts.overlap_bars,
            top,
            apps.overlap_title(detail.overlap, region),
            t("apps.chart.shared_users", month=month),
        )
        clicked = ui.clicked(ui.plot(figure, "app_overlap", on_select="rerun"), field="y")
        if clicked:  # a bar's category is the other app's id: open that app
            frame.go(app=clicked)
        st.caption(t("apps.overlap_hint"))
        ui.table(apps.overlap_table(detail.overlap), "app_overlap", key="app_overlap_table")

st.header(t("apps.catalogue", n=flags.height), divider="gray")
filter_labels = {key: t(f"apps.filter.{key}") for key in apps.FILTERS}  # computed in the run, like the frame's
which = st.radio(
    t("apps.filter"),
    options=list(apps.FILTERS),
    format_func=filter_labels.__getitem__,
    horizontal=True,
    key="apps_filter",
)
shown = apps.filter_catalogue(flags, which)
if shown.height == 0:
    st.info(t("apps.catalogue_empty"))
else:
    app_col, share_col, accounts_col = t("apps.col.app"), t("apps.col.share_active"), t("apps.col.accounts_active")
    ui.table(
        apps.catalogue_table(shown),
        "app_catalogue",
        key="app_catalogue",
        column_config={
            app_col: st.column_config.TextColumn(app_col, width="medium"),  # leaves room for the figures on a phone
            share_col: st.column_config.TextColumn(share_col, help=t("apps.def.share_active", **thresholds)),
            accounts_col: st.column_config.TextColumn(accounts_col, help=t("apps.def.accounts_active", **thresholds)),
            t("apps.col.flags"): st.column_config.TextColumn(
                t("apps.col.flags"),
                help=t("apps.def.zombie", **thresholds) + " " + t("apps.def.island"),
                width="medium",
            ),
        },
    )
    st.caption(t("apps.catalogue_hint"))
