"""Charts of the duplicate-entry and photo-trace views: DataFrame -> plotly Figure.

They use the one theme and palette of burden.charts.theme: orange is duplicate entry, purple is photos,
red the target, grey the baseline. The baseline band and month axis are the Overview's own helpers,
so the same months read the same way on every page.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from burden.charts import theme
from burden.charts.theme import DUPLICATE, PHOTO, TARGET, TEMPLATE, month_keys
from burden.i18n import t

PHOTO_LIGHT = "rgba(142,94,162,0.35)"  # the photo colour, lighter: photos that were not required


def _fit(fig: go.Figure) -> go.Figure:
    """Room for tick labels and axis titles: plotly's automargin is off by default, and the theme's margins are thin."""
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def duplicate_trend(frame: pl.DataFrame, baseline: tuple[str, str], title: str) -> go.Figure:
    """The Overview's duplicate-rate trend, plus the 最多报一次 target: no repeats at all (0%)."""
    fig = theme.rate_trend(frame, baseline, title)
    fig.add_hline(
        y=0,
        line={"color": TARGET, "dash": "dash", "width": 2},
        annotation_text=t("dup.target_line"),
        annotation_position="top right",
        annotation_font_color=TARGET,
    )
    return _fit(fig)


def pair_heatmap(labels: list[str], names: list[str], rows: list[list[int | None]], title: str) -> go.Figure:
    """Original app (rows) x repeating app (columns): duplicate submits in the period; full names on hover."""
    hover = [[[original, repeat] for repeat in names] for original in names]
    fig = go.Figure(
        go.Heatmap(
            z=rows,
            x=labels,
            y=labels,
            customdata=hover,
            colorscale=[[0, "#fdeee9"], [1, DUPLICATE]],
            texttemplate="%{z}",
            textfont={"size": 10},
            hovertemplate=t("dup.matrix_hover") + "<extra></extra>",
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    fig.update_layout(
        template=TEMPLATE, title=title, height=max(380, 34 * len(labels) + 170), margin={"l": 10, "r": 10, "b": 10}
    )
    fig.update_xaxes(title=t("dup.col.repeat"), type="category", tickangle=-90, side="bottom")
    fig.update_yaxes(title=t("dup.col.original"), type="category", autorange="reversed")
    return _fit(fig)


def fact_bars(labels: list[str], duplicates: list[int], rates: list[float | None], title: str) -> go.Figure:
    """Duplicates by fact type, the rate printed beside each bar."""
    text = [t("dup.rate_label", rate=f"{(r or 0) * 100:.0f}%") for r in rates]
    fig = go.Figure(
        go.Bar(
            x=duplicates,
            y=labels,
            orientation="h",
            marker_color=DUPLICATE,
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    fig.update_layout(template=TEMPLATE, title=title, height=max(280, 40 * len(labels) + 130), showlegend=False)
    # room on the right for the rate labels, which sit outside the bars
    fig.update_xaxes(title=t("dup.axis_duplicates"), range=[0, max(duplicates, default=0) * 1.3 or 1])
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return _fit(fig)


def rate_ranking(frame: pl.DataFrame, title: str) -> go.Figure:
    """Child regions by duplicate-entry rate (highest on top); clicking a bar drills in (customdata = code)."""
    ordered = frame.reverse()
    fig = go.Figure(
        go.Bar(
            x=ordered["duplicate_entry_rate"].to_list(),
            y=ordered["label"].to_list(),
            orientation="h",
            marker_color=DUPLICATE,
            customdata=ordered["region_code"].to_list(),
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        height=max(320, 28 * ordered.height + 110),
        showlegend=False,
        xaxis_title=t("chart.rate_axis"),
    )
    fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    fig.update_yaxes(type="category", automargin=True)
    return _fit(fig)


def photo_line(
    frame: pl.DataFrame, column: str, baseline: tuple[str, str], title: str, y_title: str, is_rate: bool = False
) -> go.Figure:
    """One trace-burden figure by month (photos per task, photo minutes, share of tasks with a required photo)."""
    months = month_keys(frame)
    fig = go.Figure()
    fig.add_scatter(
        x=months,
        y=frame[column].to_list(),
        line={"color": PHOTO, "width": 3},
        fill="tozeroy",
        fillcolor="rgba(142,94,162,0.12)",
        hovertemplate="%{x|%Y-%m}: %{y:" + (".1%" if is_rate else ".2f") + "}<extra></extra>",
    )
    theme.finish_month_trend(fig, months, baseline, title, y_title, height=360, showlegend=False)
    if is_rate:
        fig.update_yaxes(tickformat=".0%")
    return _fit(fig)


def voided_bars(frame: pl.DataFrame, baseline: tuple[str, str], title: str) -> go.Figure:
    """Tasks voided for a missing photo, by month."""
    months = month_keys(frame)
    fig = go.Figure(
        go.Bar(
            x=months,
            y=frame["tasks_voided"].to_list(),
            marker_color=PHOTO,
            hovertemplate="%{x|%Y-%m}: %{y:,}<extra></extra>",
        )
    )
    theme.finish_month_trend(fig, months, baseline, title, t("photo.axis_voided"), height=360, showlegend=False)
    return _fit(fig)


def photo_apps_bars(labels: list[str], required: list[int], other: list[int], title: str) -> go.Figure:
    """Photos per app in the period: required (dark) and not required (light), the most required on top."""
    fig = go.Figure()
    fig.add_bar(x=required, y=labels, orientation="h", marker_color=PHOTO, name=t("photo.legend_required"))
    fig.add_bar(x=other, y=labels, orientation="h", marker_color=PHOTO_LIGHT, name=t("photo.legend_other"))
    fig.update_traces(hovertemplate="%{y}: %{x:,}<extra></extra>")
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        barmode="stack",
        height=max(340, 30 * len(labels) + 190),
        # inside the plot, bottom right: the bars are shortest there, and no title or axis text is in the way
        legend={
            "traceorder": "normal",
            "orientation": "v",
            "x": 0.99,
            "xanchor": "right",
            "y": 0.02,
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.8)",
        },
    )
    fig.update_xaxes(title=t("photo.axis_photos"))
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return _fit(fig)


def voided_by_app(labels: list[str], voided: list[int], title: str) -> go.Figure:
    fig = go.Figure(
        go.Bar(x=voided, y=labels, orientation="h", marker_color=PHOTO, hovertemplate="%{y}: %{x:,}<extra></extra>")
    )
    fig.update_layout(template=TEMPLATE, title=title, height=max(300, 30 * len(labels) + 130), showlegend=False)
    fig.update_xaxes(title=t("photo.axis_voided"))
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    return _fit(fig)
