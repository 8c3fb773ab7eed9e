"""重复填报 Duplicate entry: rate trend against 最多报一次, app-pair matrix, fact types, regions ranked."""

import streamlit as st

from burden import i18n
from burden.charts import trace as charts
from burden.charts.memo import Build
from burden.i18n import fmt_delta, fmt_pct, t
from burden.views import duplicates
from burden.web import frame, ui

view = frame.view()
data = duplicates.load(view.state)
region = data.region

st.title(t("dup.title", region=i18n.region_name(region["name_zh"], region["name_en"])))
st.caption(
    t("dup.caption", start=view.state.start, end=view.state.end, base_from=view.baseline[0], base_to=view.baseline[1])
)

period = data.period
latest_rate = data.headline["latest"]
cards = st.columns(3)
with cards[0]:
    ui.metric(
        t("dup.card_rate", latest=view.month_label(view.state.end)),
        fmt_pct(latest_rate),
        fmt_delta(data.headline["baseline"], latest_rate, is_rate=True),
        t("def.duplicate_rate"),
        note=t("metric.baseline_value", value=fmt_pct(data.headline["baseline"])) + " · " + t("dup.target_note"),
    )
with cards[1]:
    ui.metric(
        t("dup.card_duplicates"),
        duplicates.count_text(period.get("duplicate_submits")),
        None,
        t("dup.def_duplicates"),
        note=t(
            "dup.card_duplicates_note",
            submits=duplicates.count_text(period.get("submits")),
            rate=fmt_pct(period.get("duplicate_entry_rate")),
        ),
    )
with cards[2]:
    ui.metric(
        t("dup.card_pairs"),
        duplicates.count_text(data.pairs.height),
        None,
        t("dup.def_pairs"),
        note=duplicates.matrix_title(data.pairs) if data.pairs.height else "",
    )

st.subheader(t("dup.trend"))
ui.plot(Build(charts.duplicate_trend, data.trend, view.baseline, duplicates.trend_title(data.trend)), "dup_trend")
st.caption(t("dup.trend_hint"))

st.subheader(t("dup.matrix"), help=t("dup.def_matrix"))
if data.pairs.height == 0:
    st.info(t("dup.no_duplicates"))
else:
    grid = duplicates.matrix(data.pairs)
    figure = Build(charts.pair_heatmap, grid.labels, grid.names, grid.rows, duplicates.matrix_title(data.pairs))
    ui.plot(figure, "dup_matrix")
    st.caption(
        t(
            "dup.matrix_note",
            n=len(grid.app_ids),
            shown=duplicates.count_text(duplicates.matrix_total(grid.rows)),
            total=duplicates.count_text(period["duplicate_submits"]),
        )
    )
    st.markdown(f"**{t('dup.pairs_table', n=min(duplicates.TOP_PAIRS, data.pairs.height))}**")
    ui.table(duplicates.pairs_table(data.pairs), "duplicate_pairs", key="pairs_table")

st.subheader(t("dup.facts"), help=t("dup.def_facts"))
facts = data.fact_types
if facts.height:
    labels = [duplicates.fact_label(f) for f in facts["fact_type"]]
    figure = Build(
        charts.fact_bars,
        labels,
        facts["duplicate_submits"].to_list(),
        facts["duplicate_entry_rate"].to_list(),
        duplicates.fact_title(facts),
    )
    ui.plot(figure, "dup_facts")
    ui.table(duplicates.fact_table(facts), "duplicates_by_fact_type", key="facts_table")

st.subheader(t("dup.ranking", latest=view.month_label(view.state.end)))
if data.ranking.height == 0:
    st.info(t("dup.ranking_empty"))
else:
    event = ui.plot(
        Build(charts.rate_ranking, data.ranking, duplicates.ranking_title(data.ranking)),
        "dup_ranking",
        on_select="rerun",
    )
    clicked = ui.clicked(event)
    if clicked:
        frame.go(region=clicked)
    st.caption(t("dup.ranking_hint"))
    ui.table(duplicates.ranking_table(data.ranking), "duplicates_by_region", key="ranking_table")
