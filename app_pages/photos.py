"""拍照留痕 Photo trace: photos per task, photo minutes, required photos, voided tasks, the apps that demand photos."""

import streamlit as st

from burden import summary
from burden.charts import trace as charts
from burden.charts.memo import Build
from burden.i18n import t
from burden.views import photos
from burden.web import frame, ui

view = frame.view()
data = photos.load(view.state, view.baseline)

st.title(t("photo.title", region=photos.region_label(data.region)))
st.caption(
    t("photo.caption", start=view.state.start, end=view.state.end, base_from=view.baseline[0], base_to=view.baseline[1])
)

st.subheader(t("photo.headline", latest=view.month_label(view.state.end)))
ui.cards(summary.cards(data.headline, "photos"), per_row=2)  # two per row: they fit a phone

st.subheader(t("photo.trend"))
trend = data.trend
left, right = st.columns(2)
with left:
    title = photos.trend_title(trend, "photos_per_task", "photo.per_task")
    ui.plot(
        Build(charts.photo_line, trend, "photos_per_task", view.baseline, title, t("photo.per_task_axis")), "ph_task"
    )
with right:
    title = photos.trend_title(trend, "photo_minutes_per_cadre_week", "photo.minutes")
    figure = Build(
        charts.photo_line, trend, "photo_minutes_per_cadre_week", view.baseline, title, t("photo.minutes_axis")
    )
    ui.plot(figure, "ph_minutes")
left, right = st.columns(2)
with left:
    title = photos.trend_title(trend, "share_tasks_photo_required", "photo.required", is_rate=True)
    figure = Build(
        charts.photo_line,
        trend,
        "share_tasks_photo_required",
        view.baseline,
        title,
        t("photo.required_axis"),
        is_rate=True,
    )
    ui.plot(figure, "ph_required")
with right:
    ui.plot(Build(charts.voided_bars, trend, view.baseline, photos.voided_title(trend)), "ph_voided")

st.subheader(t("photo.apps"), help=t("photo.def_apps"))
apps = data.apps
if apps.height == 0:
    st.info(t("photo.no_photos"))
else:
    top = photos.top_apps(apps, "photos_required")
    other = (top["photos"] - top["photos_required"]).to_list()
    figure = Build(
        charts.photo_apps_bars, top["label"].to_list(), top["photos_required"].to_list(), other, photos.apps_title(top)
    )
    ui.plot(figure, "ph_apps")
    ui.table(photos.apps_table(apps), "photo_apps", key="photo_apps_table")

    st.subheader(t("photo.voided_apps"), help=t("photo.def_voided"))
    voided = photos.top_apps(apps, "tasks_voided")
    if voided.height == 0:
        st.info(t("photo.no_voided"))
    else:
        figure = Build(
            charts.voided_by_app,
            voided["label"].to_list(),
            voided["tasks_voided"].to_list(),
            photos.voided_apps_title(voided),
        )
        ui.plot(figure, "ph_voided_apps")
