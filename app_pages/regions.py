"""地区 Regions: drill province → city → county → town → village; per-cadre distribution, the apps
driving the load, the child regions and (outside meeting mode) the pseudonymous cadre list."""

import streamlit as st

from burden import charts_regions, frame, settings, ui
from burden.i18n import fmt_num, fmt_pct, t
from burden.views import regions

PAGE = "app_pages/regions.py"
_DRILL = "_regions_drill"  # a sub-region picked in the drill box, applied at the top of the next run


def _picked(key: str) -> None:
    # Reset the box so it never re-applies a stale choice when the user comes back up
    st.session_state[_DRILL] = st.session_state[key]
    st.session_state[key] = None


if picked := st.session_state.pop(_DRILL, None):
    frame.go(region=picked)

view = frame.view()
state = view.state
data = regions.load(state, ui.cadre_rows_allowed())
region, latest = data.region, data.latest
target = settings.APPS_TARGET
name = regions.region_label(region)

st.title(t("regions.title", region=name))
with st.container(horizontal=True, gap="small", vertical_alignment="center", key="crumbs"):
    for crumb in data.trail[:-1]:
        st.page_link(
            PAGE,
            label=regions.region_label(crumb),
            query_params=regions.crumb_params(state, view.default, crumb["region_code"]),
        )
        st.markdown("›", width="content")
    st.markdown(f"**{name}**", width="content")
st.caption(
    t(
        "regions.caption",
        level=t(f"level.{region['level']}"),
        code=region["region_code"],
        start=state.start,
        end=state.end,
    )
)

if not latest:
    st.info(t("regions.no_cadres"))
    st.stop()

st.subheader(t("regions.headline", end=state.end))
cards = (
    (t("regions.col.cadres"), fmt_num(latest["cadres"], 0), t("regions.def.cadres")),
    (t("metric.apps_held"), fmt_num(latest["held_median"]), t("def.apps_held")),
    (t("metric.apps_used"), fmt_num(latest["used_median"]), t("def.apps_used")),
    (t("metric.share_above", target=target), fmt_pct(latest["held_share_above"]), t("def.share_above")),
    (t("metric.duplicate_rate"), fmt_pct(latest["duplicate_entry_rate"]), t("def.duplicate_rate")),
    (t("metric.fingertip_hours"), fmt_num(latest["fingertip_hours_per_cadre_week"]), t("def.fingertip_hours")),
)
for row_start in range(0, len(cards), 3):  # one st.columns per row keeps the reading order on a phone
    for (label, value, help_text), column in zip(cards[row_start : row_start + 3], st.columns(3), strict=True):
        with column:
            ui.metric(label, value, None, help_text)

left, right = st.columns(2)
with left:
    st.subheader(t("regions.dist_head"), help=t("regions.def.dist", target=target))
    ui.plot(charts_regions.apps_histogram(data.hist, target, regions.hist_title(latest, target)), "apps_hist")
with right:
    st.subheader(t("regions.apps_head"), help=t("regions.def.apps"))
    if data.apps.height == 0:
        st.info(t("regions.apps_empty"))
    else:
        names = [regions.app_name(row) for row in data.apps.iter_rows(named=True)]
        figure = charts_regions.load_apps_bar(data.apps, names, regions.apps_title(data.apps), regions.TOP_APPS)
        app_id = regions.clicked(ui.plot(figure, f"apps_{state.region}", on_select="rerun"))
        if app_id:  # a click on an app opens it on the Apps page, with the same filters
            frame.go(page="app_pages/apps.py", app=app_id)
        st.caption(t("regions.apps_hint"))

if data.apps.height:
    with st.expander(t("regions.apps_table", n=data.apps.height), icon=":material/table_view:"):
        help_cols = {
            "regions.col.accounts": "regions.def.accounts",
            "regions.col.active": "regions.def.active",
            "table.duplicate_rate": "def.duplicate_rate",
            "regions.col.hours_week": "regions.def.hours_week",
        }
        config = {t(col): st.column_config.NumberColumn(help=t(tip)) for col, tip in help_cols.items()}
        ui.table(regions.apps_table(data.apps), "apps_driving_load", key="apps_table", column_config=config)

children = data.children
if children.height:
    st.subheader(t("regions.children_head", end=state.end))
    figure = charts_regions.children_bars(children, target, regions.children_title(children, target))
    code = regions.clicked(ui.plot(figure, f"children_{state.region}", on_select="rerun"))
    if code and code != state.region:  # a click on a bar drills into that region
        frame.go(region=code)
    labels = dict(zip(children["region_code"], children["label"], strict=True))
    drill_key = f"drill_{state.region}"
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
    help_cols = {
        "table.apps_held": "def.apps_held",
        "table.apps_used": "def.apps_used",
        "table.share_above": "def.share_above",
        "table.duplicate_rate": "def.duplicate_rate",
        "table.fingertip_hours": "def.fingertip_hours",
        "table.remediation": "def.remediation",
    }
    config = {t(col): st.column_config.NumberColumn(help=t(tip)) for col, tip in help_cols.items()}
    ui.table(
        regions.children_table(children, state.start, state.end),
        "child_regions",
        key="children_table",
        column_config=config,
    )

if region["level"] in ("town", "village"):
    head = "regions.cadres_head" if region["level"] == "village" else "regions.staff_head"
    st.subheader(t(head, end=state.end))
    if data.cadres is None:
        st.info(t("regions.cadres_hidden"), icon=":material/visibility_off:")
    elif data.cadres.height == 0:
        st.info(t("regions.cadres_empty"))
    else:
        st.caption(t("regions.cadres_note"))
        config = {
            t("regions.col.apps_held"): st.column_config.NumberColumn(help=t("def.apps_held")),
            t("regions.col.apps_used"): st.column_config.NumberColumn(help=t("def.apps_used")),
            t("table.fingertip_hours"): st.column_config.NumberColumn(help=t("def.fingertip_hours")),
            t("table.duplicate_rate"): st.column_config.NumberColumn(help=t("def.duplicate_rate")),
        }
        ui.table(regions.cadre_table(data.cadres), "cadres", key="cadre_table", column_config=config)
