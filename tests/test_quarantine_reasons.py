"""Quarantine reasons are stored in English and shown in the page's language (burden/views/reasons.py)."""

from __future__ import annotations

import pytest

from burden import i18n
from burden.ingest_kinds import LEDGER_RULES
from burden.views.reasons import reason_text
from tests.test_ingest_bad_files import LOADED

LINE_REASONS = ["line has too few fields (truncated?)", "line has too many fields", "line has a stray quote"]
STORED = sorted(
    {reason for *_, rejected in LOADED.values() for reason in rejected}
    | {reason for _, reason in LEDGER_RULES}
    | set(LINE_REASONS)
    | {"ts has an unknown time zone", "ts not a timestamp", "line too long"}
)


@pytest.fixture
def lang():
    def use(code: str) -> None:
        i18n.set_lang(code)

    yield use
    i18n.set_lang(i18n.DEFAULT_LANG)


def test_english_shows_the_stored_text(lang):
    lang("en")
    assert [reason_text(r) for r in STORED] == STORED


def test_chinese_translates_every_stored_reason(lang):
    lang("zh")
    shown = {r: reason_text(r) for r in STORED}
    assert all(text != r for r, text in shown.items()), [r for r, text in shown.items() if text == r]
    assert shown["done_on missing on a done or verified case"] == "已完成或已核验的案件缺少 done_on（完成日期）"
    assert shown["cadre_id lost its leading zeros and matches several ids"] == "cadre_id 丢失了前导零，且对应多个编号"
    assert shown["event_id in scientific notation, digits lost"] == "event_id 被 Excel 写成科学计数法，位数已丢失"
    assert shown["ts before 2015"] == "ts 早于 2015 年"


def test_a_reason_no_form_matches_is_shown_as_stored(lang):
    lang("zh")
    assert reason_text("something new") == "something new"
