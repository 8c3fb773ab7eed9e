"""Charts of the Departments view (部门条线): DataFrame in, figure out.

千条线 → 一根针: one horizontal bar per cadre group and time (baseline, latest), split by line, so a bar's length
is the whole load on the group's average cadre and each segment the share one line puts on it.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from burden.charts.theme import NEUTRAL, TEMPLATE

# One colour per stacked line (at most views.departments.STACKED), then grey for the lines summed together.
LINE_COLOURS = ("#1f5fa8", "#e76f51", "#2a9d8f", "#b08900", "#8e5ea2", "#c0392b", "#5b8c5a", "#d17fa6")


def line_stack(
    stack: pl.DataFrame, bars: list[tuple[str, str, str]], names: dict[str, str], title: str, digits: int
) -> go.Figure:
    """stack: cadre_group, when, line, value. bars: (cadre_group, when, label), top to bottom. names: line code ->
    name, in the order the segments are drawn (the "other" segment last)."""
    labels = [label for _, _, label in bars]
    fig = go.Figure()
    for index, (code, name) in enumerate(names.items()):
        part = stack.filter(pl.col("line") == code)
        values = {(g, w): v for g, w, v in part.select("cadre_group", "when", "value").rows()}
        colour = LINE_COLOURS[index] if index < len(LINE_COLOURS) and code != "other" else NEUTRAL
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[values.get((g, w), 0.0) for g, w, _ in bars],
                name=name,
                orientation="h",
                marker_color=colour,
                customdata=[None if code == "other" else code] * len(bars),  # a click drills to the line
                hovertemplate=f"{name}: %{{x:.{digits}f}}<extra>%{{y}}</extra>",
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        barmode="stack",
        height=max(300, 60 * len(bars) + 190),
        legend={"orientation": "h", "y": -0.2, "traceorder": "normal"},
        margin={"l": 10, "r": 10},
    )
    fig.update_xaxes(automargin=True)  # the title names the figure; an axis title would sit on the legend
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig
