"""部门条线 Departments: which lines put the load on a grassroots cadre (上面千条线，下面一根针), the duplicate entries
between lines, and each line's remediation; a line (line=) drills to its apps and its departments' cases."""

import streamlit as st

from burden import lines
from burden.charts import departments as charts
from burden.charts.memo import Build
from burden.i18n import t
from burden.views import departments
from burden.web import frame, ui

view = frame.view()
state = view.state
data = departments.load(state, view.baseline)

st.title(t("dept.title", region=departments.region_label(data.region)))
st.caption(t("dept.caption", start=state.start, end=state.end, base_from=view.baseline[0], base_to=view.baseline[1]))

st.subheader(t("dept.stack"), help=t("dept.def_stack"))
ranking = departments.ranking(data)


def _lines() -> None:
    figure = (
        st.segmented_control(
            t("dept.figure"),
            options=list(departments.FIGURES),
            format_func=lambda key: t(departments.FIGURES[key][1]),
            default="apps",
            key="dept_figure",
        )
        or "apps"
    )
    chart = departments.stack_chart(data, ranking, figure, view.month_label(state.end))
    build = Build(charts.line_stack, chart.frame, chart.bars, chart.names, chart.title, chart.digits)
    picked = ui.clicked(ui.plot(build, f"dept_stack_{figure}", on_select="rerun"))
    if picked and picked != state.line:  # a click on a line's segment drills to it
        frame.go(line=picked)
    st.caption(t("dept.stack_note"))

    st.subheader(t("dept.ranking"), help=t("dept.def_ranking"))
    ui.table(departments.ranking_table(ranking), "line_ranking", key="dept_ranking")

    codes = ranking["line"].to_list()
    options = [None, *codes]
    choice = st.selectbox(
        t("dept.pick"),
        options=options,
        index=options.index(state.line) if state.line in options else 0,
        format_func=lambda code: t("dept.pick_none") if code is None else lines.name(code),
        key=f"dept_pick_{state.line or 'none'}",
    )
    if choice != state.line:
        frame.go(line=choice)

    if state.line is not None:
        st.header(t("dept.line", line=lines.name(state.line)), divider="gray")
        apps = departments.line_apps(data, state.line)
        st.subheader(t("dept.line_apps", month=view.month_label(state.end)), help=t("dept.def_line_apps"))
        if apps.height == 0:
            st.info(t("dept.no_apps"))
        else:
            ui.table(departments.line_apps_table(apps), f"line_apps_{state.line}", key="dept_line_apps")
            st.caption(t("dept.apps_hint"))
        st.subheader(t("dept.owners"), help=t("dept.def_owners"))
        owners = departments.departments(data, state.line)
        if owners.height == 0:
            st.info(t("dept.no_cases"))
        for row in owners.iter_rows(named=True):
            label = t(
                "dept.owner_row",
                dept=row["owner_dept"],
                **{k: row[k] for k in ("cases", "done", "overdue", "superficial")},
            )
            with st.expander(label):
                cases = departments.department_cases(data, state.line, row["owner_dept"])
                ui.table(cases, f"line_cases_{state.line}", key=f"dept_cases_{row['owner_dept']}")

    st.subheader(t("dept.pairs"), help=t("dept.def_pairs"))
    pairs = departments.pairs_table(data.pairs)
    if pairs.height == 0:
        st.info(t("dept.no_pairs"))
    else:
        ui.table(pairs, "line_pairs", key="dept_pairs")
        st.caption(departments.pairs_note(data.pairs))


def _rules() -> None:
    st.subheader(t("rules.title"), help=t("rules.def"))
    for rule, found in departments.rule_results(data):
        with st.expander(t("rules.row", name=rule.name(), n=found.height)):
            st.caption(t("rules.source", source=rule.source()))
            if found.height == 0:
                st.success(t("rules.none"))
            else:
                table = departments.violations_table(found, data.facts, lambda app: frame.page_url("apps", app=app))
                columns = {
                    t("rules.col.evidence"): st.column_config.TextColumn(width="large"),
                    t("rules.col.link"): st.column_config.LinkColumn(display_text=t("rules.open")),
                }
                ui.table(table, f"rule_{rule.id}", key=f"rule_{rule.id}", column_config=columns)


if ranking.height == 0:
    st.info(t("dept.no_lines"))
else:
    _lines()
    _rules()
