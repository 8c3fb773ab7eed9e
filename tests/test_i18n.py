"""Every text exists in both languages, with the same placeholders, in each locale file."""

import string
import tomllib

import pytest

from burden import i18n


def placeholders(text: str) -> set[str]:
    return {field.split(".")[0] for _, field, _, _ in string.Formatter().parse(text) if field}


@pytest.mark.parametrize("path", sorted(i18n.LOCALES_DIR.glob("*.toml")), ids=lambda p: p.name)
def test_locale_file_is_complete_in_both_languages(path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["zh"].keys() == data["en"].keys()
    for key, zh in data["zh"].items():
        assert placeholders(zh) == placeholders(data["en"][key]), key
        assert zh.strip() and data["en"][key].strip(), key


def test_t_formats_in_the_current_language():
    i18n.set_lang("en")
    try:
        assert i18n.t("overview.title", region="Zhuji") == "Overview · Zhuji"
    finally:
        i18n.set_lang("zh")
    assert i18n.t("overview.title", region="诸暨市") == "总览 · 诸暨市"


def test_numbers_use_grouping_and_a_dash_for_missing():
    assert i18n.fmt_num(12345.678) == "12,345.7"
    assert i18n.fmt_pct(0.4123) == "41.2%"
    assert i18n.fmt_num(None) == "–" and i18n.fmt_pct(float("nan")) == "–"


def test_card_deltas_are_signed_and_rates_are_in_points():
    i18n.set_lang("en")
    try:
        assert i18n.fmt_delta(0.40, 0.067, is_rate=True) == "-33.3 pp"
        assert i18n.fmt_delta(14.0, 4.0, is_rate=False) == "-10.0"
        assert i18n.fmt_delta(2695.0, 21.0, is_rate=False, digits=0) == "-2,674"
        assert i18n.fmt_delta(None, 4.0, is_rate=False) is None and i18n.fmt_delta(1.0, None, is_rate=True) is None
        i18n.set_lang("zh")
        assert i18n.fmt_delta(0.0, 0.879, is_rate=True) == "+87.9 个百分点"
    finally:
        i18n.set_lang(i18n.DEFAULT_LANG)
