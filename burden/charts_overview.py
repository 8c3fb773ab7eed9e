"""Overview charts beyond the shared ones: county map, event markers and the comparison series on trends."""

from __future__ import annotations

from datetime import datetime

import plotly.graph_objects as go
import polars as pl

from burden.charts import DUPLICATE, FONT, HELD, NEUTRAL, TEMPLATE, USED
from burden.i18n import t

# light -> the metric's own colour, so the map reads like the charts (blue apps, orange duplicate entry)
_SCALES = {
    "held_median": [[0, "#eef3fa"], [1, HELD]],
    "held_mean": [[0, "#eef3fa"], [1, HELD]],
    "duplicate_entry_rate": [[0, "#fdf0eb"], [1, DUPLICATE]],
}
_CLEAR = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]


def county_map(
    drawn: pl.DataFrame, geojson: dict, metric: str, title: str, unit: str, highlight: str | None
) -> go.Figure:
    """Counties coloured by the metric; each carries its code as customdata, so a click can drill in."""
    is_rate = metric == "duplicate_entry_rate"
    values = drawn["value"].to_list()
    fig = go.Figure(
        go.Choropleth(
            geojson=geojson,
            featureidkey="id",
            locations=drawn["region_code"].to_list(),
            z=[(v * 100 if is_rate and v is not None else v) for v in values],
            text=drawn["label"].to_list(),
            customdata=drawn["region_code"].to_list(),
            colorscale=_SCALES[metric],
            marker={"line": {"color": "white", "width": 0.6}},
            colorbar={"title": {"text": unit, "side": "right"}, "thickness": 12, "len": 0.8},
            hovertemplate="%{text}: %{z:.1f}" + ("%" if is_rate else "") + "<extra></extra>",
        )
    )
    if highlight is not None and highlight in set(drawn["region_code"]):
        fig.add_trace(  # the chosen county: a dark outline over its own colour
            go.Choropleth(
                geojson=geojson,
                featureidkey="id",
                locations=[highlight],
                z=[0],
                colorscale=_CLEAR,
                showscale=False,
                marker={"line": {"color": "#1d2733", "width": 3}},
                hoverinfo="skip",
            )
        )
    fig.update_geos(visible=False, fitbounds="locations", projection_type="mercator", bgcolor="white")
    fig.update_layout(template=TEMPLATE, title=title, height=520, margin={"l": 0, "r": 0, "t": 50, "b": 0})
    return fig


def add_events(fig: go.Figure, events: list[dict], months: list[str]) -> None:
    """A dotted vertical line and a short label at each event inside the chart's months; full text on hover."""
    shown = [e for e in events if months and months[0] <= e["month"] <= months[-1]]
    for row, event in enumerate(shown):
        x = datetime.strptime(event["month"], "%Y-%m")
        fig.add_shape(
            type="line",
            x0=x,
            x1=x,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": NEUTRAL, "width": 1.5, "dash": "dot"},
            layer="below",
        )
        fig.add_annotation(  # labels step down in rows, so neighbouring events don't overlap on a phone
            x=x,
            y=1 - 0.075 * (row % 3),
            yref="paper",
            text=event["label"],
            hovertext=event["note"],
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font={"size": 11, "color": "#4a5563", "family": FONT},
            bgcolor="rgba(255,255,255,0.8)",
        )


def add_compare_apps(fig: go.Figure, frame: pl.DataFrame, name: str, own_name: str) -> None:
    """The comparison region's apps held and used: same colours, dashed; the legend names both regions."""
    for trace, label in zip(fig.data[:2], ("chart.held", "chart.used"), strict=True):
        trace.name = f"{own_name} · {t(label)}"
    months = [m.strftime("%Y-%m") for m in frame["month"]]
    for column, colour, label in (("held_median", HELD, "chart.held"), ("used_median", USED, "chart.used")):
        fig.add_scatter(
            x=months,
            y=frame[column].to_list(),
            name=f"{name} · {t(label)}",
            line={"color": colour, "width": 2, "dash": "dash"},
        )


def add_compare_rate(fig: go.Figure, frame: pl.DataFrame, name: str, own_name: str) -> None:
    """The comparison region's duplicate-entry rate, dashed; the legend then names both regions."""
    fig.data[0].name = own_name
    fig.add_scatter(
        x=[m.strftime("%Y-%m") for m in frame["month"]],
        y=frame["duplicate_entry_rate"].to_list(),
        name=name,
        line={"color": DUPLICATE, "width": 2, "dash": "dash"},
    )
    fig.update_layout(showlegend=True)
