"""Charts of the Apps view: one app's use by month and its overlap with other apps (house theme and colours)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from burden.charts.theme import DUPLICATE, HELD, NEUTRAL, TEMPLATE, USED, finish_month_trend, month_keys
from burden.i18n import t


def usage_trend(trend: pl.DataFrame, baseline: tuple[str, str], title: str) -> go.Figure:
    """Accounts held at month end (blue) against cadres active in the month (teal)."""
    months = month_keys(trend)
    fig = go.Figure()
    fig.add_scatter(
        x=months,
        y=trend["accounts_held"].to_list(),
        name=t("apps.chart.accounts_held"),
        line={"color": HELD, "width": 5},  # wider, so it shows under the active line where they meet
        hovertemplate="%{x|%Y-%m}: %{y:,}<extra></extra>",
    )
    fig.add_scatter(
        x=months,
        y=trend["active_users"].to_list(),
        name=t("apps.chart.active_users"),
        line={"color": USED, "width": 2.5},
        hovertemplate="%{x|%Y-%m}: %{y:,}<extra></extra>",
    )
    finish_month_trend(fig, months, baseline, title, t("apps.chart.users_axis"), legend={"y": -0.3}, margin={"l": 60})
    fig.update_yaxes(rangemode="tozero")
    return fig


def events_trend(trend: pl.DataFrame, baseline: tuple[str, str], title: str) -> go.Figure:
    """Events in the app by month (grey), with the duplicate entries among them (orange)."""
    months = month_keys(trend)
    fig = go.Figure()
    fig.add_bar(
        x=months,
        y=trend["events"].to_list(),
        name=t("apps.chart.events"),
        marker_color=NEUTRAL,
        hovertemplate="%{x|%Y-%m}: %{y:,}<extra></extra>",
    )
    fig.add_bar(
        x=months,
        y=trend["duplicate_submits"].to_list(),
        name=t("apps.chart.duplicates"),
        marker_color=DUPLICATE,
        hovertemplate="%{x|%Y-%m}: %{y:,}<extra></extra>",
    )
    layout = {"barmode": "overlay", "legend": {"y": -0.3}, "margin": {"l": 60}}
    finish_month_trend(fig, months, baseline, title, t("apps.chart.events_axis"), **layout)
    fig.update_yaxes(rangemode="tozero")
    return fig


def overlap_bars(overlap: pl.DataFrame, title: str, shared_label: str) -> go.Figure:
    """Top other apps: duplicate entries with this app over the period (orange), users shared (teal).

    Bars are labelled with the short names (overlap_labels); the full name is in the hover and the table.
    """
    ordered = overlap.reverse()  # plotly draws the first category at the bottom
    ids = ordered["other_app_id"].to_list()  # categories by id: two clipped names may read the same
    names = ordered["short"].to_list()
    # Measures named above their columns, not under them: two x titles collide on a phone.
    # Without any duplicate entry the empty orange panel is left out.
    panels = (
        [(t("apps.chart.pair_duplicates"), "duplicate_entries", DUPLICATE)]
        if ordered["duplicate_entries"].sum()
        else []
    )
    panels.append((shared_label, "shared_users", USED))
    fig = make_subplots(
        rows=1,
        cols=len(panels),
        shared_yaxes=True,
        horizontal_spacing=0.05,
        subplot_titles=[name for name, _, _ in panels],
    )
    for col, (name, column, colour) in enumerate(panels, start=1):
        fig.add_bar(
            x=ordered[column].to_list(),
            y=ids,
            orientation="h",
            marker_color=colour,
            name=name,
            customdata=ordered["label"].to_list(),
            hovertemplate="%{customdata} · %{y}: %{x:,}<extra></extra>",
            row=1,
            col=col,
        )
    fig.update_layout(
        template=TEMPLATE, title=title, height=max(300, 30 * ordered.height + 140), bargap=0.25, showlegend=False
    )
    fig.update_xaxes(rangemode="tozero")
    # column titles start where their bars start, so the two never run into each other on a phone
    axes = [fig.layout["xaxis" if col == 1 else f"xaxis{col}"] for col in range(1, len(panels) + 1)]
    for annotation, axis in zip(fig.layout.annotations, axes, strict=True):
        annotation.update(x=axis.domain[0], xanchor="left", font={"size": 13})
    fig.update_yaxes(type="category", tickvals=ids, ticktext=names, automargin=True, row=1, col=1)
    return fig
