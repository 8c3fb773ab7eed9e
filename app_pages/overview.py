"""总览 Overview: headline before/after, monthly trend with events, ranking, county map, alerts, briefing."""

import streamlit as st

from burden import db, i18n, metrics, settings, summary
from burden.charts import overview as charts
from burden.charts.memo import Build
from burden.i18n import fmt_pct, t
from burden.views import briefing, overview, overview_alerts
from burden.web import frame, trail, ui

view = frame.view()
data = overview.load(view.state)
region = data.region

st.title(t("overview.title", region=i18n.region_name(region["name_zh"], region["name_en"])))
st.caption(
    t(
        "overview.caption",
        start=view.state.start,
        end=view.state.end,
        base_from=view.baseline[0],
        base_to=view.baseline[1],
        as_of=view.as_of,
    )
)
if briefing.font_ok(view.state.lang):
    png_col, pdf_col, _ = st.columns([1, 1, 3])
    brief = briefing.BriefingRequest(view, frame.share_link(view))
    for col, fmt, mime, icon in (
        (png_col, "png", "image/png", ":material/summarize:"),
        (pdf_col, "pdf", "application/pdf", ":material/picture_as_pdf:"),
    ):
        col.download_button(
            t(f"briefing.download_{fmt}"),
            data=trail.exported(
                "briefing", "briefing", fmt, lambda fmt=fmt: briefing.render(briefing.build(brief), fmt.upper())
            ),
            file_name=briefing.file_name(view.state, fmt),
            mime=mime,
            icon=icon,
            help=t("briefing.help"),
            key=f"briefing_{fmt}",
        )
else:
    st.info(t("briefing.no_font", path=briefing.FONT_REGULAR), icon=":material/font_download_off:")

st.subheader(t("overview.headline", latest=view.month_label(view.state.end)))
ui.cards(summary.cards(data.headline, "overview"), per_row=4)

st.subheader(t("overview.trend"))
left, right = st.columns(2)
trend = data.trend
events = overview.events(view.state.region)
own_name = i18n.region_name(region["name_zh"], region["name_en"])
compare = (data.compare_trend, data.compare_name, own_name)  # the comparison region, if any: dashed
with left:
    apps_title = overview.apps_title(trend)
    ui.plot(Build(charts.trend_figure, "apps", trend, view.baseline, apps_title, events, *compare), "apps_trend")
with right:
    rate_title = overview.rate_title(trend)
    ui.plot(Build(charts.trend_figure, "rate", trend, view.baseline, rate_title, events, *compare), "dup_trend")

st.subheader(t("overview.ranking", latest=view.month_label(view.state.end)))
ranking = data.ranking
if ranking.height == 0:
    st.info(t("overview.ranking_empty"))
else:
    figure = Build(charts.ranking_figure, ranking, settings.APPS_TARGET, overview.ranking_title(ranking))
    # keyed by region: a new region starts with no selection, so an old click cannot pull the view back
    event = ui.plot(figure, f"ranking_{view.state.region}", on_select="rerun")
    clicked = ui.clicked(event)
    if clicked and clicked != view.state.region:  # a click on a bar drills into that region
        frame.go(region=clicked)
    st.caption(t("overview.ranking_hint"))
    ui.table(overview.ranking_table(ranking), "ranking", key="ranking_table")


@st.fragment
def county_map_section(state) -> None:
    """The county map: switching its metric reruns only this fragment, not the page's other queries and theme.

    A click on a county goes through frame.go, whose st.rerun() reruns the whole page (drilled in).
    A fragment rerun does not run frame.setup, so the language (a context variable) is set here again, and
    the rerun reads one database version of its own (in a page run it shares the page's), checked as a page
    run checks its own.
    """
    with db.one_version():
        frame.stop_if_stale()
        _county_map(state)


def _county_map(state) -> None:
    i18n.set_lang(state.lang)
    st.subheader(t("overview.map", latest=view.month_label(state.end)))
    choices = {m.id: m for m in metrics.on("map")}
    default = next(iter(choices))
    picked = st.segmented_control(
        t("map.metric"),
        options=list(choices),
        format_func=lambda metric_id: choices[metric_id].name(),
        default=default,
        key="map_metric",
        help=" ".join(f"{m.name()}: {t(m.help)}" for m in choices.values()),
    )
    county_map = overview.county_map(state, picked or default)
    shown = metrics.get(county_map.metric)
    drawn = county_map.drawn
    map_fig = Build(
        charts.county_map_figure,
        drawn,
        shown.is_rate,
        shown.colour,
        overview.map_title(county_map),
        t(shown.unit),
        county_map.highlight,
    )
    map_column, notes_column = st.columns([3, 2])
    with map_column:
        map_event = ui.plot(map_fig, f"county_map_{state.region}_{county_map.metric}", on_select="rerun")
    with notes_column:  # beside the map: what it cannot show, in plain words
        st.caption(t("map.hint"))
        for note in overview.map_notes(county_map):
            st.caption(note)
    map_rows = overview.map_table(county_map)
    ui.table(map_rows, "county_map", key="county_map_table", height=320 if map_rows.height > 8 else None)
    clicked_county = ui.clicked(map_event)
    if clicked_county and clicked_county != state.region:  # a click on a county drills into it
        frame.go(region=clicked_county)


county_map_section(view.state)

st.subheader(t("alerts.header"))
alerts = overview_alerts.alerts(view.state, view.default)
helps = {
    "lagging": t("alerts.lagging_help", progress=fmt_pct(settings.LAGGING_PROGRESS, 0), target=settings.APPS_TARGET),
    "rebound": t("alerts.rebound_help"),
    "superficial": t("alerts.superficial_help"),
    "rules": t("alerts.rules_help"),
}
icons = {
    "lagging": ":material/hourglass_bottom:",
    "rebound": ":material/trending_up:",
    "superficial": ":material/report:",
    "rules": ":material/gavel:",
}
heaviest = overview_alerts.heaviest_lines_text(view.state)
if heaviest:
    st.markdown(heaviest, help=t("alerts.lines_help"))
for kind, column in zip(overview_alerts.KINDS, st.columns(len(overview_alerts.KINDS)), strict=True):
    with column:
        items = [alert for alert in alerts if alert.kind == kind]
        st.markdown(f"**{t(f'alerts.{kind}')}** ({len(items)})", help=helps[kind])
        for alert in items:
            st.page_link(alert.page, label=alert.label, query_params=alert.params, icon=icons[kind])
            st.caption(alert.detail)
        if not items:
            st.caption(t("alerts.none_kind"))
