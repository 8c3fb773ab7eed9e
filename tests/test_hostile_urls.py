"""Hostile URLs: SQL fragments, path traversal, very long strings, unicode tricks and wrong types.

Three levels: the parser (filters.parse) under hypothesis, with an oracle that knows only the allowed sets;
the whole app in AppTest (every page, no exception, the default view, a notice); and one real browser.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from datetime import datetime

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from burden import filters, i18n, lines
from burden.web.frame import PAGES
from tests.apptest_util import open_view
from tests.hostile import PAYLOADS, VALID, hostile_links, hostile_values

MONTHS = [f"2022-{m}" for m in (10, 11, 12)] + [f"2023-{m:02d}" for m in range(1, 13)] + ["2024-01", "2024-02"]
MONTHS.append("2024-03")
REGIONS = {"33", "3301", "3306", "330681", "330681120219", "330522", "331124"}
APPS = {"C3301-01", "C3306-02"}
ALLOWED = {
    "lang": set(i18n.LANGS),
    "region": REGIONS,
    "compare": REGIONS,
    "app": APPS,
    "line": set(lines.codes()) | {lines.UNKNOWN},
    "mode": {filters.MEETING},
    "from": set(MONTHS),
    "to": set(MONTHS),
    "asof": {"2023-01-15", "2024-02-29", "2024-03-06"},  # real days up to the data's last (DATA_AS_OF)
}
DATA_AS_OF = "2024-03-06"
NOTICE = {
    "lang": "notice.bad_lang",
    "region": "notice.bad_region",
    "compare": "notice.bad_compare",
    "app": "notice.bad_app",
    "line": "notice.bad_line",
    "mode": "notice.bad_mode",
    "from": "notice.bad_month",
    "to": "notice.bad_month",
    "asof": "notice.bad_asof",
}
MARKDOWN_CHARS = set("\\`*_[]()!<>~$:|.")


def _parse(raw):
    return filters.parse(raw, MONTHS, REGIONS.__contains__, APPS.__contains__, data_as_of=DATA_AS_OF)


def _is_real_day_up_to_the_data(value) -> bool:
    """The oracle for asof: a real calendar day written YYYY-MM-DD in ASCII, not after the data's last day."""
    if not isinstance(value, str) or len(value) != 10 or not value.isascii():
        return False
    try:
        return datetime.strptime(value, "%Y-%m-%d").strftime("%Y-%m-%d") == value and value <= DATA_AS_OF
    except ValueError:
        return False


def _valid_values(name):
    return st.sampled_from(sorted(ALLOWED[name]))


def _links_mixing_valid_and_hostile():
    value = {name: st.one_of(_valid_values(name), hostile_values()) for name in filters.PARAMS}
    known = st.fixed_dictionaries({}, optional=value)
    unknown = st.dictionaries(
        st.text(max_size=12).filter(lambda k: k not in filters.PARAMS), hostile_values(), max_size=2
    )
    return st.builds(lambda a, b: {**b, **a}, known, unknown)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_links_mixing_valid_and_hostile())
def test_parser_accepts_exactly_the_allowed_values_and_names_every_rejected_one(raw):
    state, notices = _parse(raw)  # never raises
    keys = [n.key for n in notices]

    # Every field lies in its allowed set.
    assert state.lang in i18n.LANGS and state.region in REGIONS and state.meeting in (True, False)
    assert state.start in MONTHS and state.end in MONTHS and state.start <= state.end
    assert state.app is None or state.app in APPS
    assert state.compare is None or (state.compare in REGIONS and state.compare != state.region)

    # The oracle knows only the allowed sets: a value in its set is taken; any other is refused with its
    # notice, and its field keeps the default.
    default = filters.default_state(MONTHS)
    taken = {"lang": state.lang, "region": state.region, "app": state.app, "compare": state.compare}
    taken["line"] = state.line
    taken["mode"] = filters.MEETING if state.meeting else None
    taken["asof"] = state.asof
    fields = (("lang", default.lang), ("region", default.region), ("app", None), ("line", None), ("mode", None))
    fields += (("asof", None),)
    for name, default_value in fields:
        value = raw.get(name)
        ok = value in ALLOWED[name] or (name == "asof" and _is_real_day_up_to_the_data(value))
        assert taken[name] == (value if ok else default_value), (name, value)
        assert (NOTICE[name] in keys) == (value is not None and not ok), (name, value, keys)
    compare = raw.get("compare")
    ok = compare in REGIONS and compare != state.region
    assert state.compare == (compare if ok else None) and ("notice.bad_compare" in keys) == (
        compare is not None and not ok
    )
    start = raw.get("from") if raw.get("from") in MONTHS else default.start
    end = raw.get("to") if raw.get("to") in MONTHS else default.end
    assert (state.start, state.end) == ((start, end) if start <= end else (default.start, default.end))
    assert ("notice.bad_period" in keys) == (start > end)
    assert keys.count("notice.bad_month") == sum(n in raw and raw[n] not in MONTHS for n in ("from", "to"))
    assert ("notice.unknown_params" in keys) == any(k not in filters.PARAMS for k in raw)
    assert len(keys) == len(set(keys)) + max(0, keys.count("notice.bad_month") - 1)  # one notice per problem

    # What a notice echoes is short, printable, valid UTF-8 and inert as markdown, in both languages.
    for notice in notices:
        for echoed in notice.values.values():
            assert len(echoed) <= 2 * 6 * 42, len(echoed)  # 5 names of <= 41 characters, each char escaped
            assert all(ch.isprintable() or ch == filters.WORD_JOINER for ch in echoed)
            assert not MARKDOWN_CHARS & set(re.sub(r"\\.", "", echoed)), echoed  # every special escaped
        for lang in i18n.LANGS:
            i18n.set_lang(lang)
            try:
                notice.text().encode("utf-8")
            finally:
                i18n.set_lang(i18n.DEFAULT_LANG)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_fixed_payload_is_refused_by_every_parameter(payload):
    for name in filters.PARAMS:
        state, notices = _parse({name: payload})
        assert state == filters.default_state(MONTHS), (name, payload)
        assert [n.key for n in notices] == [NOTICE[name]], (name, payload)


def test_near_misses_of_valid_values_are_refused_even_by_a_lenient_lookup():
    """The grammar itself refuses look-alikes: \\d matches full-width digits and $ matches before a trailing newline,
    and a lookup that trims or NFKC-normalises (as a database collation might) would then accept them."""

    def lenient(allowed):
        return lambda value: unicodedata.normalize("NFKC", value).strip() in allowed

    for bad in ("３３０６８１", "330681\n", "2023-01\n", "C3301-01\n", "𝟑𝟑𝟎𝟔𝟖𝟏", " 330681", "2023-01 "):
        state, notices = filters.parse(
            {"region": bad, "from": bad, "app": bad}, MONTHS, lenient(REGIONS), lenient(APPS)
        )
        assert state == filters.default_state(MONTHS), bad
        assert len(notices) == 3, bad


def test_values_of_the_wrong_python_type_are_refused_not_raised():
    """Callers other than the URL (tests, a future API) may pass non-strings: each is refused with its notice."""
    raw = {"region": 330681, "from": 2023.01, "to": None, "lang": b"en", "mode": ["meeting"], "app": {"C3301-01"}}
    state, notices = _parse(raw)
    assert state == filters.default_state(MONTHS)
    assert sorted(n.key for n in notices) == sorted(NOTICE[name] for name in raw)


def test_a_planted_link_is_escaped_in_the_notice():
    _, notices = _parse({"region": "[登录](http://evil.example/x)"})
    assert notices[0].values["value"] == "\\[登录\\]\\(http\\:\u2060//evil\\.example/x\\)"  # U+2060: no autolink


def test_thousands_of_unknown_keys_make_one_short_notice():
    _, notices = _parse({f"k{i}": "1" for i in range(5000)})
    assert [n.key for n in notices] == ["notice.unknown_params"]
    assert notices[0].values["names"] == "k0, k1, k10, k100, k1000, …"


def test_hostile_material_does_not_include_valid_values():
    assert not set(PAYLOADS) & set(VALID)


# --- The whole app -------------------------------------------------------------------------------------------


# Streamlit drops a query string longer than this whole (see the test below); links up to it are parsed.
QUERY_LIMIT = 524_288


def _app_links():
    """Hostile links as a browser sends them: no lone surrogates, some keys repeated (the last one wins), and
    within Streamlit's query-string limit."""
    values = hostile_values(False, long_max=30_000)
    repeated = st.dictionaries(st.sampled_from(filters.PARAMS), st.lists(values, min_size=2, max_size=3), max_size=2)
    links = st.builds(lambda a, b: {**a, **b}, hostile_links(surrogates=False, long_max=30_000), repeated)
    return links.filter(lambda raw: len(urllib.parse.urlencode(raw, doseq=True)) < QUERY_LIMIT)


@settings(
    max_examples=14,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # shrinking an AppTest case takes minutes; the example is printed
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(page=st.sampled_from([p[0] for p in PAGES]), raw=_app_links())
def test_every_page_shows_the_default_view_and_a_notice_for_a_hostile_link(small_db, use_db, page, raw):
    use_db(small_db)
    at = open_view(page, raw)  # fails on any exception

    assert at.title and at.title[0].value  # the page was drawn
    assert at.radio(key="f_lang").value == "zh" and at.selectbox(key="f_region").value == "33"
    months = at.selectbox(key="f_from").options
    assert (at.selectbox(key="f_from").value, at.selectbox(key="f_to").value) == (months[0], months[-1])
    assert at.selectbox(key="f_compare").value is None and at.toggle(key="f_meeting").value is False
    assert dict(at.query_params) == {}  # the URL was rewritten to the default view's: nothing hostile stays in it

    last = {k: (v[-1] if isinstance(v, list) else v) for k, v in raw.items()}
    _, notices = filters.parse(last, months, lambda _: False, lambda _: False)
    expected = [n.text() for n in notices]
    shown = [w.value for w in at.warning]
    assert expected and all(text in shown for text in expected), (expected, shown)


def test_a_query_string_over_streamlits_limit_is_dropped_whole(small_db, use_db):
    """Streamlit ignores a query string over 512 KiB entirely (the app never sees it, so no notice can name it):
    the default view, no exception. The link is left as it was, since nothing was parsed to rewrite it."""
    use_db(small_db)
    at = open_view("app_pages/overview.py", {"region": "３" * (QUERY_LIMIT // 9 + 1)})
    assert at.selectbox(key="f_region").value == "33" and at.title[0].value.endswith("浙江省")
    assert not [w for w in at.warning if "３" in w.value]


# --- A real browser ------------------------------------------------------------------------------------------

_q = urllib.parse.quote
SQL_PAYLOAD = "330681'); drop table app_events; --"
BROWSER_LINKS = [  # (path, query as a browser sends it): every value hostile; the last keeps under the 64 KiB line
    ("", f"region={_q(SQL_PAYLOAD)}&from=2023-13&lang=%E2%80%AEen&{_q('$scope')}=1"),
    ("regions", f"region=..%2F..%2Fetc%2Fpasswd&compare={_q('３３')}&to=2023-02-30&mode=meeting%00"),
    ("apps", f"app={_q('[登录](http://evil.example/a)')}&region={_q('![x](http://evil.example/p.png)')}"),
    ("photos", f"region=www.evil.example&compare={_q('<img src=x onerror=alert(1)>')}&app={'A' * 20_000}"),
]


@pytest.mark.browser
def test_nasty_links_in_a_real_browser_show_the_default_view(small_db, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.browser_util import ConsoleWatch, launch_chromium, streamlit_server, wait_for_app

    with streamlit_server(small_db, tmp_path / "server.log") as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            for path, query in BROWSER_LINKS:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                console = ConsoleWatch(page, base)
                page.goto(f"{base}/{path}?{query}", wait_until="domcontentloaded")
                wait_for_app(page)
                text = page.locator('[data-testid="stApp"]').inner_text()
                assert page.locator("h1").first.inner_text().endswith("浙江省"), path  # the default view's title
                assert "地区代码“" in text and "已显示全省" in text, path  # the region's notice
                assert page.locator('[data-testid="stException"]').count() == 0 and "Traceback" not in text, path
                assert page.locator('a[href*="evil"], img[src*="evil"], img[src="x"]').count() == 0, path
                assert "evil.example" not in page.url and "passwd" not in page.url, path  # the URL was rewritten
                assert console.unexpected() == [], path
                page.close()
        finally:
            browser.close()
