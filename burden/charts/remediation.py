"""Charts of the Remediation view (整治), in the house theme.

Progress has no colour in the shared palette, so this view adds one: green is done. Red stays the target
colour: regions below the lagging threshold, the target line.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from burden.charts.theme import HELD, NEUTRAL, TARGET, TEMPLATE
from burden.i18n import t

# room under the bars for the tick labels and the axis title
MARGIN = {"l": 10, "r": 10, "t": 60, "b": 60}

DONE = "#3a7d44"
OPEN = NEUTRAL


def funnel(stages: pl.DataFrame, title: str) -> go.Figure:
    """Cases per status at the period's end, in ledger order top to bottom; closed stages in green."""
    colours = [DONE if stage in ("done", "verified") else OPEN for stage in stages["stage"]]
    fig = go.Figure(
        go.Bar(
            x=stages["cases"].to_list(),
            y=stages["label"].to_list(),
            orientation="h",
            marker_color=colours,
            text=stages["cases"].to_list(),
            textposition="auto",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE, margin=MARGIN, title=title, height=320, showlegend=False, xaxis_title=t("rem.funnel_axis")
    )
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return fig


def progress(by_region: pl.DataFrame, threshold: float, title: str) -> go.Figure:
    """Progress per child region, slowest at the top; red below the lagging threshold. Bars carry their code."""
    # plotly draws the first bar at the bottom: the slowest (lowest code on ties, as in the title) ends on top
    ordered = by_region.sort(["remediation_progress", "region_code"], descending=[True, True])
    values = [round(value * 100, 1) for value in ordered["remediation_progress"]]
    colours = [TARGET if value < threshold * 100 else DONE for value in values]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=ordered["label"].to_list(),
            orientation="h",
            marker_color=colours,
            customdata=ordered["region_code"].to_list(),
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
    )
    fig.add_vline(x=threshold * 100, line={"color": TARGET, "dash": "dash"})
    fig.update_layout(
        template=TEMPLATE,
        margin=MARGIN,
        title=title,
        height=max(320, 28 * ordered.height + 110),
        showlegend=False,
        xaxis_title=t("rem.progress_axis"),
    )
    fig.update_xaxes(range=[0, 104], dtick=20)
    fig.update_yaxes(type="category", automargin=True)
    return fig


def whatif(projection: pl.DataFrame, target: int, title: str) -> go.Figure:
    """Mean apps held per cadre now (grey) and projected (blue), per child region."""
    children = projection.filter(~pl.col("is_total")).sort(["held_mean_after", "region_code"])
    rows = children if children.height else projection
    labels = rows["label"].to_list()
    fig = go.Figure()
    # grouped horizontal bars stack upwards: add the projection first so "now" sits on top of each pair
    fig.add_bar(
        x=rows["held_mean_after"].round(2).to_list(),
        y=labels,
        orientation="h",
        name=t("rem.after"),
        marker_color=HELD,
        hovertemplate="%{y}: %{x:.2f}<extra></extra>",
    )
    fig.add_bar(
        x=rows["held_mean_before"].round(2).to_list(),
        y=labels,
        orientation="h",
        name=t("rem.before"),
        marker_color=OPEN,
        hovertemplate="%{y}: %{x:.2f}<extra></extra>",
    )
    fig.add_vline(x=target, line={"color": TARGET, "dash": "dash"}, annotation_text=f"{t('chart.target')} {target}")
    fig.update_layout(
        template=TEMPLATE,
        margin={**MARGIN, "t": 100},  # the legend sits under the title, clear of the axis title
        title=title,
        barmode="group",
        height=max(340, 44 * rows.height + 140),
        xaxis_title=t("rem.whatif_axis"),
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "traceorder": "reversed"},
    )
    fig.update_yaxes(type="category", automargin=True)
    return fig
