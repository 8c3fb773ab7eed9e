"""Pure functions: DataFrame -> plotly Figure, with one theme and one palette.

The same colour means the same thing on every chart: blue is apps held,
teal apps used, orange duplicate entry, red the target, grey the baseline.
Titles state the finding; units sit in the axis titles.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from burden.i18n import t

HELD = "#1f5fa8"
USED = "#2a9d8f"
DUPLICATE = "#e76f51"
PHOTO = "#8e5ea2"
HOURS = "#b08900"
TARGET = "#c0392b"
BASELINE = "rgba(120,120,120,0.15)"
NEUTRAL = "#9aa5b1"
MUTED = "#5b6b7b"

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"

pio.templates["burden"] = go.layout.Template(
    layout=go.Layout(
        font={"family": FONT, "size": 14, "color": "#1d2733"},
        title={"font": {"size": 17}, "x": 0, "xanchor": "left"},
        colorway=[HELD, USED, DUPLICATE, PHOTO, HOURS, NEUTRAL],
        plot_bgcolor="white",
        paper_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        xaxis={"gridcolor": "#eef1f4", "zeroline": False, "automargin": True},
        yaxis={"gridcolor": "#eef1f4", "zeroline": False, "rangemode": "tozero", "automargin": True},
        legend={"orientation": "h", "y": -0.18, "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
)
TEMPLATE = "burden"


def month_keys(frame: pl.DataFrame) -> list[str]:
    """A frame's month column as YYYY-MM: the x values of every trend (charts.apps and charts.trace use it too)."""
    return [m.strftime("%Y-%m") for m in frame["month"]]


def month_axis(fig: go.Figure) -> None:
    """Months as dates, labelled YYYY-MM every quarter, so labels stay short on a phone."""
    fig.update_xaxes(type="date", tickformat="%Y-%m", dtick="M3", ticklabelmode="instant")


def baseline_band(fig: go.Figure, months: list[str], baseline: tuple[str, str]) -> None:
    """Shade the baseline months that the chart shows (none when the period starts later)."""
    shown = [m for m in months if baseline[0] <= m <= baseline[1]]
    if not shown:
        return
    first, last = (datetime.strptime(m, "%Y-%m") for m in (shown[0], shown[-1]))
    fig.add_vrect(  # from the middle of the month before to the middle of the month after: whole months
        x0=first - timedelta(days=15),
        x1=last + timedelta(days=15),
        fillcolor=BASELINE,
        line_width=0,
        layer="below",
        annotation_text=t("chart.baseline"),
        annotation_position="top left",
    )


def finish_month_trend(
    fig: go.Figure, months: list[str], baseline: tuple[str, str], title: str, y_title: str, height: int = 380, **layout
) -> go.Figure:
    """The frame every chart by month shares: the baseline band, the theme, its title, the month axis and the
    value axis's title; `layout` adds or overrides layout settings (legend, margins, bar mode)."""
    baseline_band(fig, months, baseline)
    fig.update_layout(template=TEMPLATE, title=title, height=height, xaxis_title=t("chart.month"), **layout)
    fig.update_yaxes(title=y_title)
    month_axis(fig)
    return fig


def apps_trend(frame: pl.DataFrame, baseline: tuple[str, str], target: int, title: str) -> go.Figure:
    """Median apps held and used per cadre by month, against the target."""
    months = month_keys(frame)
    fig = go.Figure()
    fig.add_scatter(x=months, y=frame["held_median"].to_list(), name=t("chart.held"), line={"color": HELD, "width": 3})
    fig.add_scatter(x=months, y=frame["used_median"].to_list(), name=t("chart.used"), line={"color": USED, "width": 3})
    fig.add_hline(y=target, line={"color": TARGET, "dash": "dash"}, annotation_text=f"{t('chart.target')} {target}")
    return finish_month_trend(fig, months, baseline, title, t("chart.apps_axis"))


def rate_trend(frame: pl.DataFrame, baseline: tuple[str, str], title: str) -> go.Figure:
    """Duplicate-entry rate by month."""
    months = month_keys(frame)
    fig = go.Figure()
    fig.add_scatter(
        x=months,
        y=frame["duplicate_entry_rate"].to_list(),
        name=t("metric.duplicate_rate"),
        line={"color": DUPLICATE, "width": 3},
        fill="tozeroy",
        fillcolor="rgba(231,111,81,0.12)",
    )
    finish_month_trend(fig, months, baseline, title, t("chart.rate_axis"), showlegend=False)
    fig.update_yaxes(tickformat=".0%")
    return fig


def ranking_bar(frame: pl.DataFrame, label_col: str, target: int, title: str) -> go.Figure:
    """Child regions ranked by mean apps held per cadre (most on top); red where the median is above target."""
    ordered = frame.sort(["held_mean", "region_code"], descending=[False, True], nulls_last=False)
    colours = [TARGET if (median or 0) > target else HELD for median in ordered["held_median"]]
    fig = go.Figure(
        go.Bar(
            x=ordered["held_mean"].to_list(),
            y=ordered[label_col].to_list(),
            orientation="h",
            marker_color=colours,
            customdata=ordered["region_code"].to_list(),
            hovertemplate="%{y}: %{x:.2f}<extra></extra>",
            name=t("chart.held"),
        )
    )
    fig.add_vline(x=target, line={"color": TARGET, "dash": "dash"}, annotation_text=f"{t('chart.target')} {target}")
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        height=max(320, 28 * ordered.height + 110),
        showlegend=False,
        xaxis_title=t("chart.apps_mean_axis"),
    )
    fig.update_yaxes(type="category", automargin=True)
    return fig


def mark_month_to_date(fig: go.Figure, month: str, label: str) -> None:
    """Mark a month to date on a trend: its point hollow, the line to it dotted, its bar pale, its label beside it.

    `month` is YYYY-MM, the last month of the figure's series; `label` says which days it holds. Its counts
    are not comparable with full months, so it must not read as the line's next step.
    """
    marked, bars = False, False
    for trace in list(fig.data):
        xs = [str(x)[:7] for x in (getattr(trace, "x", None) or ())]
        if month not in xs:
            continue
        i = xs.index(month)
        if trace.type == "bar":
            opacity = [1.0] * len(xs)
            opacity[i] = 0.4
            trace.marker.opacity = opacity
            marked = bars = True
            continue
        if trace.type != "scatter" or i != len(xs) - 1:
            continue
        x, y = list(trace.x), list(trace.y)
        colour = trace.line.color or trace.marker.color
        trace.x, trace.y = x[:i], y[:i]
        fig.add_scatter(
            x=x[max(i - 1, 0) :],
            y=y[max(i - 1, 0) :],
            mode="lines+markers",
            line={"color": colour, "width": trace.line.width or 2, "dash": "dot"},
            marker={"symbol": "circle-open", "size": [0, 11] if i else [11], "color": colour, "line": {"width": 2}},
            name=f"{trace.name} · {label}" if trace.name else label,
            showlegend=False,
        )
        marked = True
    if marked:
        fig.add_annotation(
            x=month,
            y=1 if bars else 0.02,  # lines: at the foot (campaign annotations run along the top); bars: above them
            yref="paper",
            text=label,
            showarrow=False,
            xanchor="right",
            yanchor="top" if bars else "bottom",
            font={"size": 12, "color": MUTED},
        )
