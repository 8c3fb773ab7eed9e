"""地区 Regions: drill province → city → county → town → village; per-cadre distribution, the apps
driving the load, the child regions and (outside meeting mode) the pseudonymous cadre list."""

import streamlit as st

from burden import access, labels, metrics, settings, summary
from burden.charts import regions as charts
from burden.charts.memo import Build
from burden.i18n import fmt_num, t
from burden.views import regions
from burden.web import frame, trail, ui

TARGET = settings.APPS_TARGET
_DRILL = "_regions_drill"  # a sub-region picked in the drill box, applied at the top of the next run


def _picked(key: str) -> None:
    # Reset the box so it never re-applies a stale choice when the user comes back up
    st.session_state[_DRILL] = st.session_state[key]
    st.session_state[key] = None


def _help(pairs: dict[str, str]) -> dict:
    """Column definitions as header tooltips: {column text key: definition text key}."""
    return {t(col): st.column_config.NumberColumn(help=t(tip)) for col, tip in pairs.items()}


def breadcrumbs(data: regions.RegionsData, name: str) -> None:
    # Buttons that change the view through frame.go: a page link to this same page redraws the view
    # but leaves the old region in the browser's address bar (seen in Chromium).
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key="crumbs"):
        for crumb in data.trail[:-1]:
            code = crumb["region_code"]
            if st.button(regions.region_label(crumb), key=f"crumb_{code}", type="tertiary", help=code):
                frame.go(region=code)
            st.markdown("›", width="content")
        st.markdown(f"**{name}**", width="content")


def headline(latest: dict, end: str) -> None:
    st.subheader(t("regions.headline", end=end))
    cadres = (t("regions.col.cadres"), fmt_num(latest["cadres"], 0), t("regions.def.cadres"))
    ui.cards(summary.latest_cards(latest, "regions"), per_row=4, lead=cadres)


def distribution_and_apps(data: regions.RegionsData, region_code: str) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader(t("regions.dist_head"), help=t("regions.def.dist", target=TARGET))
        title = regions.hist_title(data.latest, TARGET)
        ui.plot(Build(charts.apps_histogram, data.hist, TARGET, title), "apps_hist")
    with right:
        st.subheader(t("regions.apps_head"), help=t("regions.def.apps"))
        if data.apps.height == 0:
            st.info(t("regions.apps_empty"))
            return
        names = [labels.app_name(*row) for row in data.apps.select("name_zh", "name_en", "app_id").rows()]
        figure = Build(charts.load_apps_bar, data.apps, names, regions.apps_title(data.apps), regions.TOP_APPS)
        app_id = ui.clicked(ui.plot(figure, f"apps_{region_code}", on_select="rerun"))
        if app_id:  # a click on an app opens it on the Apps page, with the same filters
            frame.go(page="app_pages/apps.py", app=app_id)
        st.caption(t("regions.apps_hint"))
    with st.expander(t("regions.apps_table", n=data.apps.height), icon=":material/table_view:"):
        config = _help(
            {
                "regions.col.accounts": "regions.def.accounts",
                "regions.col.active": "regions.def.active",
                "table.duplicate_rate": "def.duplicate_rate",
                "regions.col.hours_week": "regions.def.hours_week",
            }
        )
        ui.table(regions.apps_table(data.apps), "apps_driving_load", key="apps_table", column_config=config)


def child_regions(data: regions.RegionsData, start: str, end: str) -> None:
    children, region = data.children, data.region
    st.subheader(t("regions.children_head"))
    figure = Build(charts.children_bars, children, TARGET, regions.children_title(children, TARGET))
    code = ui.clicked(ui.plot(figure, f"children_{region['region_code']}", on_select="rerun"))
    if code and code != region["region_code"]:  # a click on a bar drills into that region
        frame.go(region=code)
    labels = dict(zip(children["region_code"], children["label"], strict=True))
    drill_key = f"drill_{region['region_code']}"
    st.selectbox(
        t("regions.drill"),
        options=list(labels),
        index=None,
        format_func=labels.__getitem__,
        placeholder=t("regions.drill_placeholder"),
        key=drill_key,
        on_change=_picked,
        args=(drill_key,),
    )
    if region["level"] == "town":  # town staff are homed at the town, in none of its villages
        st.caption(t("regions.town_staff_note"))
    config = {m.header(): st.column_config.NumberColumn(help=t(m.help)) for m in metrics.on("ranking")}
    ui.table(regions.children_table(children, start, end), "child_regions", key="children_table", column_config=config)


def cadre_list(data: regions.RegionsData, end: str) -> None:
    head = "regions.cadres_head" if data.region["level"] == "village" else "regions.staff_head"
    st.subheader(t(head, end=end))
    if data.cadres is None:  # meeting mode: not even pseudonymous rows
        st.info(t("regions.cadres_hidden"), icon=":material/visibility_off:")
    elif data.cadres.height == 0:
        st.info(t("regions.cadres_empty"))
    else:
        st.caption(t("regions.cadres_note"))
        trail.cadre_rows(access.current(), data.region["region_code"], end, data.cadres.height)
        config = _help(
            {
                "regions.col.apps_held": "def.apps_held",
                "regions.col.apps_used": "def.apps_used",
                "table.fingertip_hours": "def.fingertip_hours",
                "table.duplicate_rate": "def.duplicate_rate",
            }
        )
        ui.table(regions.cadre_table(data.cadres), "cadres", key="cadre_table", column_config=config)


if picked := st.session_state.pop(_DRILL, None):
    frame.go(region=picked)

view = frame.view()
state = view.state
data = regions.load(state, ui.cadre_rows_allowed())
region = data.region
name = regions.region_label(region)

st.title(t("regions.title", region=name))
breadcrumbs(data, name)
level = t(f"level.{region['level']}")
st.caption(t("regions.caption", level=level, code=region["region_code"], start=state.start, end=state.end))

if not data.latest:
    st.info(t("regions.no_cadres"))
else:
    headline(data.latest, view.month_label(state.end))
    distribution_and_apps(data, region["region_code"])
    if data.children.height:
        child_regions(data, state.start, state.end)
    if region["level"] in ("town", "village"):
        cadre_list(data, state.end)
