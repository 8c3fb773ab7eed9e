"""Charts of the Regions view: the per-cadre distribution, child regions, and the apps driving the load.

Same theme and palette as burden.charts.theme: blue held, teal used, ochre hours, red the target.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from burden.charts.theme import HELD, HOURS, TARGET, TEMPLATE, USED
from burden.i18n import t
from burden.labels import short_app_name

LABEL_CHARS = 22  # longer app names are cut on the axis (the full name is in the hover)
# Legends sit between the title and the plot, where no axis title or tick label can run into them
LEGEND_TOP = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0}
TOP_MARGIN = 95


def _target_line(fig: go.Figure, x: float, text: str) -> None:
    """A dashed red line at the target, named in the legend: a label on the plot would collide with bars
    or with the legend on a phone."""
    line = {"color": TARGET, "dash": "dash", "width": 2}
    fig.add_vline(x=x, line=line)
    fig.add_scatter(x=[None], y=[None], mode="lines", line=line, name=text, hoverinfo="skip", legendrank=3)


def _axes(fig: go.Figure) -> None:
    # automargin keeps tick labels and axis titles apart, whatever the label lengths
    fig.update_xaxes(automargin=True, title_standoff=6)
    fig.update_yaxes(automargin=True, title_standoff=6)


def apps_histogram(hist: pl.DataFrame, target: int, title: str) -> go.Figure:
    """Cadres by number of apps, held and used, with the target as the line between 'at most' and 'above'."""
    fig = go.Figure()
    for kind, colour, name in (("held", HELD, t("regions.held")), ("used", USED, t("regions.used"))):
        part = hist.filter(pl.col("kind") == kind)
        fig.add_bar(
            x=part["n_apps"].to_list(),
            y=part["cadres"].to_list(),
            customdata=[round(s * 100, 1) for s in part["share"]],
            name=name,
            legendrank=1 if kind == "held" else 2,
            marker_color=colour,
            hovertemplate=f"{name} %{{x}}: %{{y}} ({t('regions.hist_hover')} %{{customdata}}%)<extra></extra>",
        )
    # "above target" is strictly more than the target, so the line sits between target and target + 1
    _target_line(fig, target + 0.5, t("regions.target_line", target=target))
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        height=380,
        barmode="group",
        bargap=0.15,
        legend=LEGEND_TOP,
        margin={"t": TOP_MARGIN},
    )
    # always show one count above the target, so an empty "above" side reads as empty, not as missing
    counts = hist["n_apps"].to_list() or [target]
    fig.update_xaxes(
        title=t("regions.hist_axis"), dtick=1, range=[min(counts) - 0.6, max(max(counts), target + 1) + 0.6]
    )
    fig.update_yaxes(title=t("regions.cadres_axis"))
    _axes(fig)
    return fig


def children_bars(children: pl.DataFrame, target: int, title: str) -> go.Figure:
    """Child regions by mean apps held and used per cadre (most held on top); bars carry the region code."""
    ordered = children.sort(["held_mean", "region_code"], descending=[False, True], nulls_last=False)
    labels = ordered["label"].to_list()
    codes = ordered["region_code"].to_list()
    fig = go.Figure()
    # used first: in a horizontal group the first bar is the lowest; the legend still lists held first
    pairs = (("used_mean", USED, t("regions.used"), 2), ("held_mean", HELD, t("regions.held"), 1))
    for column, colour, name, rank in pairs:
        fig.add_bar(
            x=ordered[column].to_list(),
            y=labels,
            orientation="h",
            marker_color=colour,
            customdata=codes,
            name=name,
            legendrank=rank,
            hovertemplate="%{y}: %{x:.2f}<extra>" + name + "</extra>",
        )
    _target_line(fig, target, f"{t('chart.target')} {target}")
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        barmode="group",
        height=170 + 56 * ordered.height,
        xaxis_title=t("regions.mean_axis"),
        legend=LEGEND_TOP,
        margin={"t": TOP_MARGIN},
    )
    fig.update_yaxes(type="category")
    _axes(fig)
    return fig


def load_apps_bar(apps: pl.DataFrame, names: list[str], title: str, top: int) -> go.Figure:
    """The apps taking the most fingertip time per cadre-week (most on top); bars carry the app id."""
    shown = apps.with_columns(name=pl.Series(names, dtype=pl.String)).head(top).reverse()
    fig = go.Figure(
        go.Bar(
            x=shown["hours_per_cadre_week"].to_list(),
            y=[short_app_name(name, LABEL_CHARS, LABEL_CHARS) for name in shown["name"]],
            orientation="h",
            marker_color=HOURS,
            customdata=list(zip(shown["app_id"], shown["name"], shown["active_users"], strict=True)),
            hovertemplate=(
                "%{customdata[1]}<br>%{x:.2f} "
                + t("regions.hours_unit")
                + "<br>"
                + t("regions.col.active")
                + " %{customdata[2]}<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        height=max(320, 32 * shown.height + 120),
        showlegend=False,
        xaxis_title=t("regions.hours_axis"),
    )
    fig.update_yaxes(type="category")
    _axes(fig)
    return fig
