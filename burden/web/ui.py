"""Streamlit building blocks every page uses: charts sized for the mode, tables with exports, cards.

Pages call these instead of st.plotly_chart / st.dataframe directly, so meeting
mode, the chart theme and the CSV/XLSX exports behave the same everywhere.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from burden import access, pseudonyms, summary
from burden.charts import memo, theme
from burden.i18n import t
from burden.web import exports, frame, trail

MEETING_SCALE = 1.35


def meeting() -> bool:
    return frame.view().state.meeting


def cadre_rows_allowed() -> bool:
    """Whether cadre-level rows (pseudonymous) may show: a role that may see them, outside meeting mode,
    with a pseudonym key configured (without one, the rows stay hidden and the page says why)."""
    if meeting() or not access.current().cadre_rows:
        return False
    if not pseudonyms.available():
        st.error(t("access.no_pseudonym_key"), icon=":material/key_off:")
        return False
    return True


def plot(build: memo.Build, key: str, on_select: str = "ignore"):
    """Draw a figure with the house theme; larger type and height in meeting mode; a month to date marked.

    The figure, marks included, is built once per input and language and kept (burden/charts/memo.py), so the
    sessions of a meeting on one link share it.
    With on_select="rerun" the return value carries the clicked points
    (`event.selection.points[i]["customdata"]`).
    """
    to_date = frame.view().end_to_date()
    marks = (to_date.month, frame.view().month_label(to_date.month)) if to_date is not None else None
    big = meeting()
    fig = memo.FIGURES.get(build.key(marks, big), lambda: _marked(build(), marks, big))
    kwargs = {"on_select": on_select, "selection_mode": "points"} if on_select != "ignore" else {}
    return st.plotly_chart(
        fig, key=key, theme=None, width="stretch", config={"displaylogo": False, "responsive": True}, **kwargs
    )


def _marked(fig, marks: tuple[str, str] | None, big: bool):
    """`fig` with the month to date marked (`marks`: its month and label) and meeting-mode sizes if `big`."""
    if marks is not None:
        theme.mark_month_to_date(fig, *marks)
    if big:
        height = fig.layout.height or 400
        fig.update_layout(height=int(height * MEETING_SCALE), font={"size": 20}, title={"font": {"size": 26}})
    return fig


def clicked(event, field: str = "customdata") -> str | None:
    """What a click on a chart selected: the first point's customdata (a region code or app id), or another field."""
    selection = event.get("selection", {}) if isinstance(event, dict) else getattr(event, "selection", None) or {}
    for point in selection.get("points", []):
        value = point.get(field)
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            return str(value)
    return None


def table(data: pl.DataFrame, name: str, key: str, height: int | None = None, column_config: dict | None = None):
    """A table as shown on screen, with CSV and XLSX downloads of exactly that frame.

    Keep figures in the frame rounded as they should read (rates as percentages with "(%)" in the
    header), so the files hold the same numbers as the screen.
    """
    rows_height = 36 * (min(data.height, 20) + 1) + 4
    # As Arrow: Streamlit sends an Arrow table as it is; a polars frame it first converts to pandas and back.
    shown = data.to_arrow()
    st.dataframe(shown, hide_index=True, width="stretch", height=height or rows_height, column_config=column_config)
    view = frame.view().state
    stem = exports.file_stem(name, view.region, view.start, view.end)
    left, right, _ = st.columns([1, 1, 4])
    with left:
        st.download_button(
            t("export.csv"),
            data=trail.exported("export", name, "csv", lambda: exports.csv_bytes(data)),
            file_name=f"{stem}.csv",
            mime="text/csv",
            key=f"{key}_csv",
            icon=":material/download:",
        )
    with right:
        st.download_button(
            t("export.xlsx"),
            data=trail.exported("export", name, "xlsx", lambda: exports.xlsx_bytes(data, name)),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_xlsx",
            icon=":material/download:",
        )


def metric(label: str, value: str, delta: str | None, help_text: str, lower_is_better: bool = True, note: str = ""):
    """A headline card: value, change against the baseline, a definition tooltip and a note (which says so when
    the period ends on a month to date: its figures cover fewer days)."""
    st.metric(label, value, delta, delta_color="inverse" if lower_is_better else "normal", help=help_text, border=True)
    to_date = frame.view().end_to_date()
    if to_date is not None:
        days = t("metric.month_to_date", days=to_date.days, total=to_date.days_in_month)
        note = f"{note} · {days}" if note else days
    if note:
        st.caption(note)


def cards(shown: list[summary.Card], per_row: int = 4, lead: tuple[str, str, str] | None = None) -> None:
    """Headline cards of registry metrics, `per_row` to a row (one st.columns per row keeps the reading order
    on a phone): latest value, change against the baseline, definition, baseline (and target) note. Cards
    without a baseline (summary.latest_cards) show the value alone. `lead`: a plain (label, value, help) card
    first, such as a count of cadres."""
    items: list = ([lead] if lead else []) + list(shown)
    for start in range(0, len(items), per_row):
        for item, column in zip(items[start : start + per_row], st.columns(per_row), strict=False):
            with column:
                if isinstance(item, summary.Card):
                    _card(item)
                else:
                    label, value, help_text = item
                    metric(label, value, None, help_text)


def _card(card: summary.Card) -> None:
    m = card.metric
    if not card.against_baseline:
        metric(m.name(), m.text(card.latest), None, t(m.help), m.lower_is_better)
        return
    note = t(m.baseline_key, value=m.text(card.baseline))
    if m.target and m.type != "share_above":
        note += " · " + t("metric.target_value", value=m.target_value)
    metric(m.name(), m.text(card.latest), m.delta(card.baseline, card.latest), t(m.help), m.lower_is_better, note)
