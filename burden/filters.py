"""The view state: parse and validate the URL, then write it back.

URL grammar (codes, not names; defaults are left out of the URL):
    lang=zh|en          language (default zh)
    region=<code>       NBS division code: 33, 4-digit city, 6 county, 9 town, 12 village (default 33)
    from=YYYY-MM        first month of the period (default: first month of data)
    to=YYYY-MM          last month of the period (default: the last complete month of data; a month to date
                        is not comparable with full months, so it is shown only when asked for)
    app=<app_id>        the app in focus on the Apps page (default: none)
    line=<code>         the line (条线) in focus on the Departments page: a code of data/lines.toml or unknown
                        (default: none)
    compare=<code>      a second region drawn beside the first in trends (default: none)
    mode=meeting        meeting mode: large type, no sidebar, no cadre-level rows (default: normal)
    asof=YYYY-MM-DD     the data date a shared link was made on (default: none); the page says so when rows for
                        the months it shows have arrived since
The page is the URL's path (/, /regions, /apps, /remediation, /duplicates, /photos, /departments).

Anything malformed or unknown falls back to its default and yields a notice
(a catalogue key plus values), never an exception. Patterns are ASCII-only and
matched in full: "３３" (full-width) or "330681\n" are not codes. Values echoed
in a notice are clipped, stripped of control characters and markdown-escaped,
since notices are drawn as markdown (no link or image can be planted in one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from burden import i18n, lines, settings

PARAMS = ("lang", "region", "from", "to", "app", "line", "compare", "mode", "asof")
MEETING = "meeting"
_MAX_NAMES = 5  # unknown parameter names echoed in the notice; a link may carry thousands
_REGION_CODE = re.compile(r"33([0-9]{2}|[0-9]{4}|[0-9]{7}|[0-9]{10})?")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_APP_ID = re.compile(r"[A-Za-z0-9_.-]{1,40}")
# Characters that make markdown inside a sentence: links, images, HTML, emphasis, code, Streamlit's :color[...] and
# $math$, and GFM autolinks ("www." and "http:" break on an escaped "." or ":"). Texts are made one line, so of
# line-start syntax only a first #, - or + needs escaping ("1." already has its "." escaped).
_MARKDOWN = re.compile(r"([\\`*_\[\]()!<>~$:|.])")
_LINE_START = re.compile(r"^([#+-])")  # a heading or a list item, if a message starts with one
# GFM turns "http://", "www." and "a@b.c" into links after escapes are resolved, so escaping cannot stop it:
# an invisible word joiner after each ":" and "www", and before "@", does.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r":|(?i:www)(?=\\?\.)|@")


@dataclass(frozen=True)
class Notice:
    key: str
    values: dict = field(default_factory=dict)

    def text(self) -> str:
        return i18n.t(self.key, **self.values)


@dataclass(frozen=True)
class ViewState:
    start: str  # YYYY-MM
    end: str  # YYYY-MM
    lang: str = i18n.DEFAULT_LANG
    region: str = settings.PROVINCE_CODE
    app: str | None = None
    line: str | None = None  # a line code (data/lines.toml) or lines.UNKNOWN
    compare: str | None = None
    meeting: bool = False
    asof: str | None = None  # YYYY-MM-DD: the data date of the shared link this view was opened from

    def url_params(self, default: ViewState) -> dict[str, str]:
        """The URL's query parameters: only what differs from the default view."""
        out = {}
        for name, value, base in (
            ("lang", self.lang, default.lang),
            ("region", self.region, default.region),
            ("from", self.start, default.start),
            ("to", self.end, default.end),
            ("app", self.app, None),
            ("line", self.line, None),
            ("compare", self.compare, None),
            ("mode", MEETING if self.meeting else None, None),
            ("asof", self.asof, None),
        ):
            if value != base:
                out[name] = value
        return out

    def query_params(self) -> dict:
        """Parameters for db.query: the region and the period as first-of-month dates."""
        return {"region": self.region, "from": month_start(self.start), "to": month_start(self.end)}


def month_start(month: str) -> date:
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


def default_state(months: list[str], end: str | None = None) -> ViewState:
    """The whole data period, ending at `end` (the last complete month) when given."""
    return ViewState(start=months[0], end=end if end in months else months[-1])


def parse(
    raw: Mapping[str, str],
    months: list[str],
    region_exists: Callable[[str], bool],
    app_exists: Callable[[str], bool] = lambda _: False,
    default_end: str | None = None,
    data_as_of: str | None = None,
) -> tuple[ViewState, list[Notice]]:
    """Turn raw URL parameters into a valid view state plus notices for what was rejected.

    default_end: the default last month (the last complete one). data_as_of: the data's last day; a link's asof
    after it (or not a real day) is refused.
    """
    state = default_state(months, default_end)
    notices: list[Notice] = []

    unknown = sorted((k for k in raw if k not in PARAMS), key=str)
    if unknown:
        names = ", ".join(_clip(k) for k in unknown[:_MAX_NAMES]) + (", …" if len(unknown) > _MAX_NAMES else "")
        notices.append(Notice("notice.unknown_params", {"names": names}))

    # A non-text value is never valid, whatever its str() says (330681 the int, ["meeting"]): named by its type.
    raw = {k: (v if isinstance(v, str) else f"<{type(v).__name__}>") for k, v in raw.items()}
    lang = raw.get("lang")
    if lang is not None:
        if lang in i18n.LANGS:
            state = replace(state, lang=lang)
        else:
            notices.append(Notice("notice.bad_lang", {"value": _clip(lang)}))

    region = raw.get("region")
    if region is not None:
        if _REGION_CODE.fullmatch(region) and region_exists(region):
            state = replace(state, region=region)
        else:
            notices.append(Notice("notice.bad_region", {"value": _clip(region)}))

    compare = raw.get("compare")
    if compare is not None:
        if _REGION_CODE.fullmatch(compare) and compare != state.region and region_exists(compare):
            state = replace(state, compare=compare)
        else:
            notices.append(Notice("notice.bad_compare", {"value": _clip(compare)}))

    app = raw.get("app")
    if app is not None:
        if _APP_ID.fullmatch(app) and app_exists(app):
            state = replace(state, app=app)
        else:
            notices.append(Notice("notice.bad_app", {"value": _clip(app)}))

    line = raw.get("line")
    if line is not None:
        if line in lines.codes() or line == lines.UNKNOWN:
            state = replace(state, line=line)
        else:
            notices.append(Notice("notice.bad_line", {"value": _clip(line)}))

    mode = raw.get("mode")
    if mode is not None:
        if mode == MEETING:
            state = replace(state, meeting=True)
        else:
            notices.append(Notice("notice.bad_mode", {"value": _clip(mode)}))

    asof = raw.get("asof")
    if asof is not None:
        if _DAY.fullmatch(asof) and _real_day(asof) and (data_as_of is None or asof <= data_as_of):
            state = replace(state, asof=asof)
        else:
            notices.append(Notice("notice.bad_asof", {"value": _clip(asof)}))

    start, end = state.start, state.end
    for name in ("from", "to"):
        value = raw.get(name)
        if value is None:
            continue
        if _MONTH.fullmatch(value) and value in months:
            start, end = (value, end) if name == "from" else (start, value)
        else:
            notices.append(Notice("notice.bad_month", {"name": name, "value": _clip(value)}))
    if start > end:
        notices.append(Notice("notice.bad_period"))
    else:
        state = replace(state, start=start, end=end)
    return state, notices


def _real_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _clip(text: str, limit: int = 40) -> str:
    """Echo user input back safely: bounded length, no control or format characters (NUL, U+202E), no markdown."""
    clean = "".join(ch for ch in str(text) if ch.isprintable())
    clean = clean if len(clean) <= limit else clean[:limit] + "…"
    return markdown_literal(clean)


def markdown_literal(text: str) -> str:
    """Text that markdown (st.error, st.warning ...) shows as written: no link, image, HTML or emphasis in it.

    Control characters become spaces, so the text stays one line (no heading or list can start inside it).
    """
    line = "".join(ch if ch.isprintable() else " " for ch in text)
    line = _LINE_START.sub(r"\\\1", _MARKDOWN.sub(r"\\\1", line))
    return _AUTOLINK.sub(lambda m: m[0] + WORD_JOINER if m[0] != "@" else WORD_JOINER + "@", line)
