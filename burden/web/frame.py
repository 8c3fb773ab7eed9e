"""The shared page frame: URL -> view state -> filter bar -> URL, plus navigation.

dashboard.py calls `setup()` once per run, before any page. Pages then call
`view()` for the validated state, and `go(...)` to change it (drill-down,
picking an app). The URL is the source of truth when it changes from outside
(a shared link, the back button, `go`); otherwise the sidebar widgets are,
and their values are written back to the URL.
"""

from __future__ import annotations

import functools
import io
import logging
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

import segno
import streamlit as st

from burden import access, db, filters, i18n, labels, metrics, rollups, settings
from burden.i18n import t

_log = logging.getLogger(__name__)

_APPLIED = "_frame_applied_url"
_SCOPE_SEEN = "_frame_scope"  # the scope the widgets were last set under: a new one re-applies the URL
_WIDGETS = {"lang": "f_lang", "region": "f_region", "start": "f_from", "end": "f_to", "compare": "f_compare"}
_MEETING_WIDGET = "f_meeting"

# Views in navigation order: (file, url path, text key, icon). The first is the default page at "/".
PAGES = (
    ("app_pages/overview.py", "overview", "nav.overview", ":material/dashboard:"),
    ("app_pages/regions.py", "regions", "nav.regions", ":material/account_tree:"),
    ("app_pages/apps.py", "apps", "nav.apps", ":material/apps:"),
    ("app_pages/remediation.py", "remediation", "nav.remediation", ":material/build:"),
    ("app_pages/duplicates.py", "duplicates", "nav.duplicates", ":material/content_copy:"),
    ("app_pages/photos.py", "photos", "nav.photos", ":material/photo_camera:"),
    ("app_pages/departments.py", "departments", "nav.departments", ":material/lan:"),
    ("app_pages/data.py", "data", "nav.data", ":material/database:"),
)

_MEETING_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {
  display: none !important;
}
html { font-size: 20px; }
[data-testid="stMetricValue"] { font-size: 3rem; }
.block-container { max-width: 100% !important; padding-top: 1.5rem; }
</style>
"""


@dataclass(frozen=True)
class MonthToDate:
    """The data's last month while its last day comes before the month's end."""

    month: str  # YYYY-MM
    days: int  # days observed: 1 to the data's last day
    days_in_month: int

    def label(self, month: str) -> str:
        """A month as shown: this one says which days it holds ("2024-03 (1–6日)"), others are plain."""
        return i18n.month_label(month, self.days if month == self.month else None)


@dataclass(frozen=True)
class View:
    state: filters.ViewState
    default: filters.ViewState
    months: list[str]
    baseline: tuple[str, str]
    as_of: str
    to_date: MonthToDate | None = None

    def url_params(self) -> dict[str, str]:
        return self.state.url_params(self.default)

    def month_label(self, month: str) -> str:
        """The month as shown: a month to date says which days it holds."""
        return self.to_date.label(month) if self.to_date is not None else month

    def end_to_date(self) -> MonthToDate | None:
        """The month to date when the period ends on it (its cards then count fewer days)."""
        return self.to_date if self.to_date is not None and self.state.end == self.to_date.month else None


def _period() -> dict:
    row = db.query("data_period").row(0, named=True)
    to_date = None
    if row["partial_month"] is not None:
        to_date = MonthToDate(
            row["partial_month"].strftime("%Y-%m"), int(row["partial_days"]), int(row["partial_days_in_month"])
        )
    return {
        "months": [m.strftime("%Y-%m") for m in _month_range(row["first_month"], row["last_month"])],
        "default_end": row["last_complete_month"].strftime("%Y-%m"),
        "baseline": (row["baseline_from"].strftime("%Y-%m"), row["baseline_to"].strftime("%Y-%m")),
        "as_of": row["as_of"].isoformat(),
        "to_date": to_date,
    }


def _month_range(first, last):
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield first.replace(year=year, month=month, day=1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _region_exists(code: str) -> bool:
    """A well-formed code of a region inside the viewer's scope (outside it, db.query would refuse)."""
    return access.current().allows(code) and db.query("region_info", region=code).height > 0


def _within_scope(raw: dict, scope: access.Scope) -> tuple[dict, list[str]]:
    """The URL without the region and comparison codes outside the scope, and which of the two were dropped.

    A shared link opened by someone with a narrower scope shows the intersection: a region above the
    scope (the province, for a county inspector) narrows to the scope root; one beside it falls back to
    the root. Malformed values are left to filters.parse, which rejects them with its own notice.
    """
    out, dropped = dict(raw), []
    for name in ("region", "compare"):
        value = raw.get(name)
        if isinstance(value, str) and _is_code(value) and not scope.allows(value):
            out.pop(name)
            dropped.append(name)
    return out, dropped


def _is_code(value: str) -> bool:
    return bool(filters._REGION_CODE.fullmatch(value))  # the URL grammar's own pattern


def _scope_notices(dropped: list[str], notices: list[filters.Notice], raw: dict, scope: access.Scope) -> list:
    """Scope notices first; a bad region falls back to the scope root, so its notice names the root."""
    if not dropped and all(notice.key != "notice.bad_region" for notice in notices):
        return notices
    shown = _region_name(scope.region)
    out = []
    if "region" in dropped:
        out.append(filters.Notice("notice.scope_region", {"shown": shown}))
    if "compare" in dropped:  # echoed through the grammar's own cleaning (clipped, markdown-escaped)
        out.append(filters.Notice("notice.scope_compare", {"value": filters._clip(raw["compare"])}))
    for notice in notices:
        if notice.key == "notice.bad_region" and scope.region != settings.PROVINCE_CODE:
            notice = filters.Notice("notice.bad_region_scoped", {**notice.values, "shown": shown})
        out.append(notice)
    return out


def _region_name(code: str) -> str:
    row = db.query("region_info", region=code).row(0, named=True)
    return i18n.region_name(row["name_zh"], row["name_en"])


def _app_exists(app_id: str) -> bool:
    return db.query("app_info", app=app_id).height > 0


def stop_if_stale() -> None:
    """A notice instead of the page when the database (the version this run reads) holds derived tables from
    older definitions: their queries would fail on a missing column or show figures of the old definition.
    `make run` and every load rebuild them (rollups.upgrade); this covers a file swapped in by other means."""
    tables = db.query("derived_versions")
    built = {row["table_name"]: row["version"] for row in tables.iter_rows(named=True)}
    if not built.keys() & set(rollups.TABLES):
        return  # no derived table at all: no events loaded yet, which the period query reports as no data
    stale = rollups.outdated(built)
    served = dict(zip(tables["table_name"], tables["columns"].to_list(), strict=True)).get("region_month")
    missing = metrics.missing_columns(set(served)) if served and not stale else {}
    if missing:  # the registry names a column no rollup of this file has: no rebuild of the file would help
        _log.error("database %s lacks columns the metric registry needs: %s", settings.db_path(), missing)
        stale = [*stale, *(f"{metric} ({', '.join(cols)})" for metric, cols in missing.items())]
    if stale:
        _log.warning("database %s has stale derived tables: %s", settings.db_path(), ", ".join(stale))
        i18n.set_lang(st.query_params.get("lang", i18n.DEFAULT_LANG))
        st.error(t("notice.stale_db", tables=", ".join(stale)), icon=":material/update:")
        st.stop()


def _period_or_stop() -> dict:
    try:
        stop_if_stale()
        return _period()
    except db.QueryError as exc:  # no database, no events, no derived tables: there is nothing to show yet
        _log.warning("no data to show: %s", exc)
        i18n.set_lang(st.query_params.get("lang", i18n.DEFAULT_LANG))
        st.error(t("notice.no_data"))
        st.stop()


def setup() -> View:
    """Parse the URL, draw the filter bar and write the canonical URL back."""
    period = _period_or_stop()

    scope = access.current()
    if scope.region is None:  # auth.gate() stops unknown identities first; never draw data without a scope
        i18n.set_lang(st.query_params.get("lang", i18n.DEFAULT_LANG))
        st.error(t("notice.no_scope"))
        st.stop()

    raw = {key: st.query_params[key] for key in st.query_params}
    scoped, dropped = _within_scope(raw, scope)
    state, notices = filters.parse(
        scoped, period["months"], _region_exists, _app_exists, period["default_end"], period["as_of"]
    )
    # The scope root replaces the province as the default (and fall-back) region
    default = replace(filters.default_state(period["months"], period["default_end"]), region=scope.region)
    if not scope.allows(state.region):
        state = replace(state, region=scope.region)
    if st.session_state.get(_APPLIED) != raw or st.session_state.get(_SCOPE_SEEN) != scope:
        for attr, key in _WIDGETS.items():
            st.session_state[key] = getattr(state, attr)
        st.session_state[_MEETING_WIDGET] = state.meeting
        st.session_state["_app"] = state.app
        st.session_state["_line"] = state.line
        st.session_state["_asof"] = state.asof
        st.session_state[_SCOPE_SEEN] = scope
    else:
        notices, dropped = [], []

    i18n.set_lang(st.session_state[_WIDGETS["lang"]])
    notices = _scope_notices(dropped, notices, raw, scope)
    to_date = period["to_date"]
    state = _draw_filter_bar(period, to_date)
    if state.start > state.end:
        notices.append(filters.Notice("notice.bad_period"))
        state = replace(state, start=default.start, end=default.end)

    view = View(state, default, period["months"], period["baseline"], period["as_of"], to_date)
    notices += _late_rows(view)
    params = view.url_params()
    if raw != params:
        st.query_params.from_dict(params)
    st.session_state[_APPLIED] = params
    st.session_state["_view"] = view
    if state.meeting:
        st.html(_MEETING_CSS)
    for notice in notices:
        st.warning(notice.text(), icon=":material/warning:")
    end = view.end_to_date()
    if end is not None:
        label = view.month_label(end.month)
        st.info(t("notice.month_to_date", month=label, days=end.days, total=end.days_in_month), icon=":material/today:")
    return view


def view() -> View:
    return st.session_state["_view"]


def go(page: str | None = None, **changes) -> None:
    """Change the view (and optionally the page, by file path) through the URL, then rerun."""
    current = view()
    state = replace(current.state, **changes)
    if state.compare == state.region:
        state = replace(state, compare=None)
    params = state.url_params(current.default)
    if page is not None:
        st.switch_page(page, query_params=params)
    st.query_params.from_dict(params)
    st.rerun()


def _late_rows(view: View) -> list[filters.Notice]:
    """A shared link's figures changed since its data date: rows arrived for the months it shows (late uploads,
    or more days of a month to date). Said once, with the months and dates, instead of changing silently."""
    asof = view.state.asof
    if asof is None:
        return []
    try:
        arrived = db.query("late_arrivals", asof=date.fromisoformat(asof), to=filters.month_start(view.state.end))
    except db.QueryError as exc:  # a database last loaded before arrivals were recorded: nothing known to say
        _log.info("no data arrivals recorded: %s", exc)
        return []
    if arrived.height == 0:
        return []
    months = ("、" if i18n.lang() == "zh" else ", ").join(arrived["month"].dt.strftime("%Y-%m").to_list())
    loaded = arrived["last_loaded_at"].max()
    return [
        filters.Notice(
            "notice.late_rows",
            {"asof": asof, "months": months, "as_of": view.as_of, "loaded_at": f"{loaded:%Y-%m-%d %H:%M}"},
        )
    ]


def _draw_filter_bar(period: dict, to_date: MonthToDate | None) -> filters.ViewState:
    months = period["months"]
    options = db.query("region_options")
    names = {r["region_code"]: r for r in options.iter_rows(named=True)}
    codes = list(names)
    for key in (_WIDGETS["region"], _WIDGETS["compare"]):
        current = st.session_state.get(key)
        if current and current not in names:
            info = db.query("region_info", region=current)
            if info.height:
                names[current] = info.row(0, named=True)
                codes.append(current)

    # Labels are computed here, in the script run, not lazily in format_func (which may run elsewhere).
    shown = {
        code: labels.with_code(i18n.region_name(row["name_zh"], row["name_en"]), code) for code, row in names.items()
    }
    shown[None] = t("filter.no_compare")
    lang_labels = {"zh": "中文", "en": "English"}
    month_labels = {m: to_date.label(m) if to_date else m for m in months}

    with st.sidebar:
        st.radio(
            t("filter.language"),
            options=list(i18n.LANGS),
            key=_WIDGETS["lang"],
            format_func=lang_labels.__getitem__,
            horizontal=True,
        )
        st.subheader(t("filter.header"))
        st.selectbox(t("filter.region"), options=codes, key=_WIDGETS["region"], format_func=shown.__getitem__)
        st.selectbox(t("filter.from"), options=months, key=_WIDGETS["start"])
        st.selectbox(t("filter.to"), options=months, key=_WIDGETS["end"], format_func=month_labels.__getitem__)
        st.selectbox(
            t("filter.compare"),
            options=[None, *codes],
            key=_WIDGETS["compare"],
            format_func=shown.__getitem__,
            placeholder=t("filter.no_compare"),
        )
        st.toggle(t("filter.meeting"), key=_MEETING_WIDGET, help=t("filter.meeting_help"))
        if to_date is None:
            st.caption(t("filter.as_of", as_of=period["as_of"]))
        else:
            last = period["default_end"]
            st.caption(t("filter.as_of_partial", as_of=period["as_of"], month=month_labels[to_date.month], last=last))

    region = st.session_state[_WIDGETS["region"]]
    compare = st.session_state[_WIDGETS["compare"]]
    return filters.ViewState(
        lang=st.session_state[_WIDGETS["lang"]],
        region=region,
        start=st.session_state[_WIDGETS["start"]],
        end=st.session_state[_WIDGETS["end"]],
        app=st.session_state.get("_app"),
        line=st.session_state.get("_line"),
        compare=compare if compare != region else None,
        meeting=st.session_state[_MEETING_WIDGET],
        asof=st.session_state.get("_asof"),
    )


def page_url(url_path: str, **changes) -> str:
    """A link to another page (its url_path in PAGES) showing this view with `changes`, relative to this page."""
    current = view()
    state = replace(current.state, **({"line": None} | changes))
    params = state.url_params(current.default)
    return f"{url_path}?{urlencode(params)}" if params else url_path


def share_link(current: View) -> str:
    """The link that shows this view next week too: the period is pinned (the default end moves as data arrives)
    and the data date is carried, so a later opening can say which months have received rows since."""
    base = st.context.url or ""
    pinned = current.url_params() | {"from": current.state.start, "to": current.state.end, "asof": current.as_of}
    return f"{base}?{urlencode({k: pinned[k] for k in filters.PARAMS if k in pinned})}"


@functools.lru_cache(maxsize=512)
def qr_png(link: str) -> bytes:
    """The link's QR code as a PNG (~8 ms to draw; a meeting opening one link draws it once)."""
    png = io.BytesIO()
    segno.make(link, error="m").save(png, kind="png", scale=5, border=2)
    return png.getvalue()


def share_box(current: View) -> None:
    """The link that reproduces this view, and its QR code for phones. In a popover: the browser draws its code
    block (and loads the syntax highlighter, ~0.3 s of main thread) only when it is opened, not on every page."""
    link = share_link(current)
    container = st.sidebar if not current.state.meeting else st
    with container.popover(t("filter.share"), icon=":material/share:"):
        st.code(link, language=None, wrap_lines=True)
        st.image(qr_png(link), caption=t("filter.share_qr"), width=200)
        st.caption(t("filter.share_help"))


def navigation(pages: list, here, current: View) -> None:
    """Page links that carry the filters (st.query_params is cleared on a page switch)."""
    params = current.url_params()
    if current.state.meeting:
        columns = st.columns(len(pages) + 1)
        for column, page in zip(columns, pages, strict=False):
            column.page_link(page, query_params=params)
        exit_params = replace(current.state, meeting=False).url_params(current.default)
        columns[-1].page_link(
            here, label=t("filter.exit_meeting"), query_params=exit_params, icon=":material/close_fullscreen:"
        )
        return
    with st.sidebar:
        for page in pages:
            st.page_link(page, query_params=params)
