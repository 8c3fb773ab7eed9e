"""总览 Overview: headline before/after, monthly trend, ranking of sub-regions."""

import streamlit as st

from burden import charts, frame, i18n, settings, ui
from burden.i18n import fmt_num, fmt_pct, t
from burden.views import overview

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

st.subheader(t("overview.headline", latest=view.state.end))
cards = overview.headline_cards(data.headline, settings.APPS_TARGET)
for row_start in range(0, len(cards), 4):  # one st.columns per row keeps the reading order on a phone
    for card, column in zip(cards[row_start : row_start + 4], st.columns(4), strict=False):
        fmt = fmt_pct if card.is_rate else fmt_num
        with column:
            st.metric(
                t(card.label_key, target=settings.APPS_TARGET),
                fmt(card.latest),
                overview.delta_text(card),
                delta_color="inverse" if card.lower_is_better else "normal",
                help=t(card.help_key),
                border=True,
            )
            note = t("metric.baseline_value", value=fmt(card.baseline))
            if card.target is not None:
                note += " · " + t("metric.target_value", value=card.target)
            st.caption(note)

st.subheader(t("overview.trend"))
left, right = st.columns(2)
trend = data.trend
with left:
    ui.plot(charts.apps_trend(trend, view.baseline, settings.APPS_TARGET, overview.apps_title(trend)), "apps_trend")
with right:
    ui.plot(charts.rate_trend(trend, view.baseline, overview.rate_title(trend)), "dup_trend")

st.subheader(t("overview.ranking", latest=view.state.end))
ranking = data.ranking
if ranking.height == 0:
    st.info(t("overview.ranking_empty"))
else:
    figure = charts.ranking_bar(ranking, "label", settings.APPS_TARGET, overview.ranking_title(ranking))
    event = ui.plot(figure, "ranking", on_select="rerun")
    clicked = overview.clicked_region(event)
    if clicked:  # a click on a bar drills into that region
        frame.go(region=clicked)
    st.caption(t("overview.ranking_hint"))
    ui.table(overview.ranking_table(ranking), "ranking", key="ranking_table")
