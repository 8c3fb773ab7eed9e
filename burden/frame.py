"""The shared page frame: URL -> view state -> filter bar -> URL, plus navigation.

dashboard.py calls `setup()` once per run, before any page. Pages then call
`view()` for the validated state. The URL is the source of truth when it
changes from outside (a shared link, the back button); after that the
widgets are, and their values are written back to the URL.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

import streamlit as st

from burden import db, filters, i18n
from burden.i18n import t

_APPLIED = "_frame_applied_url"
_WIDGETS = {"lang": "f_lang", "region": "f_region", "start": "f_from", "end": "f_to"}


@dataclass(frozen=True)
class View:
    state: filters.ViewState
    default: filters.ViewState
    months: list[str]
    baseline: tuple[str, str]
    as_of: str

    def url_params(self) -> dict[str, str]:
        return self.state.url_params(self.default)


def _period() -> dict:
    row = db.query("data_period").row(0, named=True)
    return {
        "months": [m.strftime("%Y-%m") for m in _month_range(row["first_month"], row["last_month"])],
        "baseline": (row["baseline_from"].strftime("%Y-%m"), row["baseline_to"].strftime("%Y-%m")),
        "as_of": row["as_of"].isoformat(),
    }


def _month_range(first, last):
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield first.replace(year=year, month=month, day=1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _region_exists(code: str) -> bool:
    return db.query("region_info", region=code).height > 0


def setup() -> View:
    """Parse the URL, draw the filter bar and write the canonical URL back."""
    try:
        period = _period()
    except db.QueryError:
        i18n.set_lang(st.query_params.get("lang", i18n.DEFAULT_LANG))
        st.error(t("notice.no_data"))
        st.stop()

    raw = {key: st.query_params[key] for key in st.query_params}
    state, notices = filters.parse(raw, period["months"], _region_exists)
    default = filters.default_state(period["months"])
    if st.session_state.get(_APPLIED) != raw:
        for attr, key in _WIDGETS.items():
            st.session_state[key] = getattr(state, attr)
    else:
        notices = []

    i18n.set_lang(st.session_state[_WIDGETS["lang"]])
    state = _draw_filter_bar(period["months"])
    if state.start > state.end:
        notices.append(filters.Notice("notice.bad_period"))
        state = replace(state, start=default.start, end=default.end)

    view = View(state, default, period["months"], period["baseline"], period["as_of"])
    params = view.url_params()
    if raw != params:
        st.query_params.from_dict(params)
    st.session_state[_APPLIED] = params
    for notice in notices:
        st.warning(notice.text(), icon="⚠️")
    st.session_state["_view"] = view
    return view


def view() -> View:
    return st.session_state["_view"]


def _draw_filter_bar(months: list[str]) -> filters.ViewState:
    options = db.query("region_options")
    names = {r["region_code"]: r for r in options.iter_rows(named=True)}
    codes = list(names)
    current = st.session_state[_WIDGETS["region"]]
    if current not in names:
        info = db.query("region_info", region=current)
        if info.height:
            names[current] = info.row(0, named=True)
            codes.append(current)

    # Labels are computed here, in the script run, not lazily in format_func (which may run elsewhere).
    labels = {code: f"{i18n.region_name(row['name_zh'], row['name_en'])} · {code}" for code, row in names.items()}
    lang_labels = {"zh": "中文", "en": "English"}

    with st.sidebar:
        st.caption(t("app.local_mode"))
        st.radio(
            t("filter.language"),
            options=list(i18n.LANGS),
            key=_WIDGETS["lang"],
            format_func=lang_labels.__getitem__,
            horizontal=True,
        )
        st.subheader(t("filter.header"))
        st.selectbox(t("filter.region"), options=codes, key=_WIDGETS["region"], format_func=labels.__getitem__)
        st.selectbox(t("filter.from"), options=months, key=_WIDGETS["start"])
        st.selectbox(t("filter.to"), options=months, key=_WIDGETS["end"])

    return filters.ViewState(
        lang=st.session_state[_WIDGETS["lang"]],
        region=st.session_state[_WIDGETS["region"]],
        start=st.session_state[_WIDGETS["start"]],
        end=st.session_state[_WIDGETS["end"]],
    )


def share_box(view: View) -> None:
    """The link that reproduces this view."""
    base = st.context.url or ""
    query = urlencode(view.url_params())
    with st.sidebar.expander(t("filter.share")):
        st.code(f"{base}?{query}" if query else base, language=None, wrap_lines=True)
        st.caption(t("filter.share_help"))


def nav_links(pages: list, view: View) -> None:
    """Page links that carry the filters (st.query_params is cleared on a page switch)."""
    with st.sidebar:
        for page in pages:
            st.page_link(page, query_params=view.url_params())
