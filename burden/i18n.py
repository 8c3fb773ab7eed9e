"""User-visible text in zh-CN (default) and English, and locale number formats.

The text lives in burden/locales/<view>.toml, each with a [zh] and an [en]
table. `t("key", **values)` looks a key up in the current language, which the
page frame sets once per run with `set_lang`. Tests check both languages have
the same keys and placeholders.
"""

from __future__ import annotations

import contextvars
import math
import tomllib
from pathlib import Path

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
_lang: contextvars.ContextVar[str] = contextvars.ContextVar("lang", default=DEFAULT_LANG)

LOCALES_DIR = Path(__file__).parent / "locales"


def _load_catalogues() -> dict[str, dict[str, str]]:
    """Merge burden/locales/*.toml (one file per view, each with [zh] and [en]); a key may live in one file only."""
    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for path in sorted(LOCALES_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        for lang in LANGS:
            clash = merged[lang].keys() & data.get(lang, {}).keys()
            if clash:
                raise ValueError(f"{path.name} repeats text keys defined elsewhere: {sorted(clash)}")
            merged[lang].update(data.get(lang, {}))
    return merged


CATALOGUES = _load_catalogues()
ZH, EN = CATALOGUES["zh"], CATALOGUES["en"]


def set_lang(lang: str) -> None:
    _lang.set(lang if lang in LANGS else DEFAULT_LANG)


def lang() -> str:
    return _lang.get()


def t(key: str, **values) -> str:
    text = CATALOGUES[_lang.get()][key]
    return text.format(**values) if values else text


def region_name(name_zh: str, name_en: str | None) -> str:
    """A region's name in the current language (Chinese where no English name is known)."""
    if _lang.get() == "en" and name_en:
        return name_en
    return name_zh


_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_label(month: str, days_to_date: int | None = None) -> str:
    """ "2024-04", or for a month to date "2024-04 (1–6日)" / "Apr 2024, days 1–6"."""
    if days_to_date is None:
        return month
    shown = month if _lang.get() == "zh" else f"{_MONTH_ABBR[int(month[5:7]) - 1]} {month[:4]}"
    return t("month.to_date", month=shown, days=days_to_date)


def fmt_delta(baseline: float | None, latest: float | None, is_rate: bool, digits: int = 1) -> str | None:
    """Latest minus baseline, signed, for a card's delta: rates in percentage points; None when either is missing."""
    if baseline is None or latest is None:
        return None
    delta = latest - baseline
    return t("metric.points", value=f"{delta * 100:+.1f}") if is_rate else f"{delta:+,.{digits}f}"


def fmt_num(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:,.{digits}f}%"
