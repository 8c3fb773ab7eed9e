"""Hostile URL values shared by the hostile-input and bound-SQL tests: hypothesis strategies and fixed payloads.

Every value here is invalid for every URL parameter, so a link made only of them must show the default view.
The demo data's valid values are mixed in as *material* (prefixes, suffixes, look-alikes), not as values.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from burden import lines
from burden.filters import PARAMS

# Valid-looking material that the payloads below dress up (demo facts: 诸暨市, 湖田村, a month, an app id).
VALID = ("33", "3306", "330681", "330681120219", "2023-01", "2024-03", "zh", "en", "meeting", "civil_affairs")

SQL = (
    "' or 1=1 --",
    "330681'); drop table app_events; --",
    "330681' union select * from cadres --",
    "$scope",
    "$region",
    "33; select 1",
    '" or ""="',
    "1) or (1=1",
    "33/**/or/**/1=1",
)
TRAVERSAL = (
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "file:///etc/passwd",
)
UNICODE = (
    "３３０６８１",  # full-width digits: \d matches them, a code pattern must not
    "33０681",
    "330681\u200d",  # zero-width joiner
    "\u202e186033",  # RTL override: reads as 330681
    "33068\u0031\u0303",  # combining tilde on a digit
    "еn",  # Cyrillic е
    "zh\u200b",  # zero-width space
    "meеting",  # Cyrillic е
    "330681\x00",  # NUL
    "330681\n",  # a trailing newline passes a ^...$ pattern
    "\ufeff330681",  # BOM
    "𝟑𝟑𝟎𝟔𝟖𝟏",  # mathematical bold digits
)
WRONG_TYPES = (
    "3.3e1",
    "330681.0",
    "-330681",
    "+330681",
    "0x21",
    "2023-13",
    "2023-02-30",
    "2023-00",
    "2023-1",
    "202301",
    " 2023-01",
    "1999-01",
    "9999-12",
    "null",
    "None",
    "NaN",
    "true",
    "[]",
    "{}",
    "",
    " ",
    "\t",
)
MARKDOWN = (
    "[登录](http://evil.example/x)",
    "![x](http://evil.example/p.png)",
    ":red[紧急] **通知**",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "$\\frac{1}{0}$",
)
PAYLOADS = SQL + TRAVERSAL + UNICODE + WRONG_TYPES + MARKDOWN
# Long enough to spot in SQL text, short enough that splicing it could not be mistaken for a column name.
SPOTTABLE = tuple(p for p in SQL + TRAVERSAL + MARKDOWN if len(p.strip()) >= 8)


def long_strings(min_size: int = 10_000, max_size: int = 100_000):
    """10k-100k characters built from one unit: cheap to generate and shrink, and still hostile."""
    units = st.sampled_from(["3", "'", "a", "３", "\u202e", "%", "../", "𝟑"])
    return st.builds(lambda unit, n: (unit * n)[:n], units, st.integers(min_size, max_size))


def _dressed(payload):
    """A valid value with a payload before or after it: invalid as a whole."""
    return st.builds(lambda v, p, before: p + v if before else v + p, st.sampled_from(VALID), payload, st.booleans())


SURROGATES = ("\ud800", "330681\udfff", "\udc00en")
# Anything the grammar could accept (a code, a month, a language, the mode, a line): random text must not hit one.
_MAYBE_VALID = re.compile(r"[0-9-]*|zh|en|meeting|" + "|".join((*lines.codes(), lines.UNKNOWN)))


def hostile_values(surrogates: bool = True, long_max: int = 100_000):
    """Invalid values for any parameter. Lone surrogates cannot travel in a real URL (browsers send U+FFFD)."""
    fixed = st.sampled_from(PAYLOADS + (SURROGATES if surrogates else ()))
    alphabet = st.characters(codec="utf-8") if not surrogates else st.characters(categories=None)
    return st.one_of(
        fixed,
        _dressed(st.sampled_from(SQL + UNICODE[4:] + ("'", " ", "\x00", "\u200d"))),
        long_strings(max_size=long_max),
        st.text(alphabet, max_size=30).filter(lambda s: not _MAYBE_VALID.fullmatch(s)),
    )


def unknown_keys():
    return st.one_of(
        st.sampled_from(
            ["region ", "REGION", "regіon", "from[]", "to%00", "' or 1=1 --", "../x", "页面", "_", "x" * 300]
        ),
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=20),
    ).filter(lambda k: k not in PARAMS)


def hostile_links(surrogates: bool = True, max_unknown: int = 3, long_max: int = 100_000):
    """URL parameters: any subset of the grammar's keys with hostile values, plus unknown keys."""
    values = hostile_values(surrogates, long_max)
    known = st.dictionaries(st.sampled_from(PARAMS), values, min_size=1)
    unknown = st.dictionaries(unknown_keys(), values, max_size=max_unknown)
    return st.builds(lambda a, b: {**b, **a}, known, unknown)
