"""Overview charts beyond the shared ones: county map, event markers and the comparison series on trends."""

from __future__ import annotations

import math
from datetime import datetime

import plotly.graph_objects as go
import polars as pl

from burden import geo, settings
from burden.charts import theme
from burden.charts.theme import DUPLICATE, FONT, HELD, NEUTRAL, TEMPLATE, USED, month_keys
from burden.i18n import t

# light -> the metric's own colour (its registry `colour`), so the map reads like the charts
_PALE = "#f4f6f8"
_CLEAR = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]


def county_map(
    drawn: pl.DataFrame, geojson: dict, is_rate: bool, colour: str, title: str, unit: str, highlight: str | None
) -> go.Figure:
    """Counties coloured by the metric; each carries its code as customdata, so a click can drill in.

    A MapLibre map with the blank "white-bg" style: no tiles and no topojson, so nothing is fetched
    (the machine may be offline). It cannot fit itself to the shapes, so centre and zoom come from their bounds.
    """
    values = drawn["value"].to_list()
    fig = go.Figure(
        go.Choroplethmap(
            geojson=geojson,
            featureidkey="id",
            locations=drawn["region_code"].to_list(),
            z=[(v * 100 if is_rate and v is not None else v) for v in values],
            text=drawn["label"].to_list(),
            customdata=drawn["region_code"].to_list(),
            colorscale=[[0, _PALE], [1, getattr(theme, colour)]],
            marker={"line": {"color": "white", "width": 0.8}},
            colorbar={  # horizontal under the map, so on a phone it takes no width from the shapes
                "title": {"text": unit, "side": "right"},
                "orientation": "h",
                "thickness": 10,
                "len": 0.6,
                "x": 0.5,
                "y": 0,
                "yanchor": "top",
            },
            hovertemplate="%{text}: %{z:.1f}" + ("%" if is_rate else "") + "<extra></extra>",
        )
    )
    if highlight is not None and highlight in set(drawn["region_code"]):
        fig.add_trace(  # the chosen county: a dark outline over its own colour
            go.Choroplethmap(
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
    center, zoom = _fit(geojson)
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        height=MAP_HEIGHT,
        margin={"l": 0, "r": 0, "t": 50, "b": 50},
        map={"style": "white-bg", "center": center, "zoom": zoom},
    )
    return fig


MAP_HEIGHT = 520
_FIT_WIDTH = 360  # px: the narrowest the map gets (a phone); wider screens show more white around it


def _fit(geojson: dict) -> tuple[dict, float]:
    """Centre and zoom that show every shape in a _FIT_WIDTH x MAP_HEIGHT box (web Mercator, 512-px world)."""
    lons, lats = [], []
    for feature in geojson["features"]:
        _collect(feature["geometry"]["coordinates"], lons, lats)
    if not lons:
        return {"lon": 120.2, "lat": 29.2}, 6.0
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    y_south, y_north = _mercator_y(south), _mercator_y(north)
    centre_lat = math.degrees(math.atan(math.sinh((y_south + y_north) / 2)))
    zoom_x = math.log2(_FIT_WIDTH * 360 / (512 * max(east - west, 1e-3)))
    zoom_y = math.log2((MAP_HEIGHT - 110) * 2 * math.pi / (512 * max(y_north - y_south, 1e-4)))
    return {"lon": (west + east) / 2, "lat": centre_lat}, round(min(zoom_x, zoom_y) - 0.1, 2)


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _collect(coords, lons: list, lats: list) -> None:
    if isinstance(coords[0], (int, float)):
        lons.append(coords[0])
        lats.append(coords[1])
        return
    for part in coords:
        _collect(part, lons, lats)


def add_events(fig: go.Figure, events: list[dict], months: list[str]) -> None:
    """A dotted vertical line at each event inside the chart's months, its short label just above the plot.

    Labels sit above the plot area (the lines start high there) in two alternating rows, so neighbouring
    events don't overlap even on a phone; the full text shows on hover.
    """
    shown = [e for e in events if months and months[0] <= e["month"] <= months[-1]]
    if not shown:
        return
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
        fig.add_annotation(
            x=x,
            y=1,
            yref="paper",
            yanchor="bottom",
            yshift=2 + 17 * (row % 2),
            xanchor="left",
            text=event["label"],
            hovertext=event["note"],
            showarrow=False,
            font={"size": 11, "color": "#4a5563", "family": FONT},
        )
    top = (fig.layout.margin.t or 60) + 40
    fig.update_layout(margin={"t": top}, title={"y": 0.98, "yref": "container", "yanchor": "top"})


def add_compare_apps(fig: go.Figure, frame: pl.DataFrame, name: str, own_name: str) -> None:
    """The comparison region's apps held and used: same colours, dashed; the legend names both regions."""
    for trace, label in zip(fig.data[:2], ("chart.held", "chart.used"), strict=True):
        trace.name = f"{own_name} · {t(label)}"
    months = month_keys(frame)
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
        x=month_keys(frame),
        y=frame["duplicate_entry_rate"].to_list(),
        name=name,
        line={"color": DUPLICATE, "width": 2, "dash": "dash"},
    )
    fig.update_layout(showlegend=True)


def tidy_trend(fig: go.Figure) -> None:
    """Fit the shared trend charts to the Overview: room for tick labels, no month title under the legend.

    Without automargin the y-axis title sits on the tick labels (plotly.js 3), and the x title collides with
    the legend below it; the month axis needs no title. The baseline label moves to the bottom of its band,
    where no line runs (every series starts at its highest).
    """
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(automargin=True, title=None)
    for note in fig.layout.annotations:
        if note.text == t("chart.baseline"):
            note.update(y=0, yanchor="bottom")


def tidy_ranking(fig: go.Figure) -> None:
    """Room for the ranking's value ticks and axis title (plotly.js 3 does not make it by itself)."""
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)


# The Overview's figures whole, for burden.charts.memo.Build (web/ui.plot keeps each built figure per input).


def trend_figure(
    kind: str,
    trend: pl.DataFrame,
    baseline: tuple[str, str],
    title: str,
    events: list[dict],
    compare: pl.DataFrame | None = None,
    compare_name: str = "",
    own_name: str = "",
) -> go.Figure:
    """The Overview's trend `kind`: "apps" (held and used per cadre, against the target) or "rate" (the
    duplicate-entry rate), with the events and, if any, the comparison region dashed."""
    if kind == "apps":
        fig = theme.apps_trend(trend, baseline, settings.APPS_TARGET, title)
        if compare is not None:
            add_compare_apps(fig, compare, compare_name, own_name)
    else:
        fig = theme.rate_trend(trend, baseline, title)
        if compare is not None:
            add_compare_rate(fig, compare, compare_name, own_name)
    add_events(fig, events, month_keys(trend))
    tidy_trend(fig)
    return fig


def ranking_figure(ranking: pl.DataFrame, target: int, title: str) -> go.Figure:
    fig = theme.ranking_bar(ranking, "label", target, title)
    tidy_ranking(fig)
    return fig


def county_map_figure(
    drawn: pl.DataFrame, is_rate: bool, colour: str, title: str, unit: str, highlight: str | None
) -> go.Figure:
    """county_map over the shapes of the drawn counties."""
    return county_map(drawn, geo.shapes_for(set(drawn["region_code"])), is_rate, colour, title, unit, highlight)
