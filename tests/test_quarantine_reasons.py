"""Quarantine reasons and a load's notes: English in the loader, shown in the page's language (views/reasons.py)."""

from __future__ import annotations

import shutil

import pytest

from burden import i18n
from burden.ingest.pipeline import load
from burden.ingest.reasons import note_text, reason_text
from burden.ledger.cases import LEDGER_RULES
from burden.views import data
from tests.office_files import OFFICES
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


NOTES = [
    "UTF-8 with BOM",
    "GBK/GB18030, read as UTF-8",
    "UTF-16, read as UTF-8",
    "semicolon-separated",
    "tab-separated",
    "vertical bar-separated",
    "no data rows",
    "skipped 1 line above the header (title: 诸暨市经信局 应用整治台账（2023年）)",
    "skipped 2 lines above the header (title: 诸暨市 2023年10月 应用日志导出 / 导出时间：2023-11-01)",
    "skipped the header repeated at line 8",
    "skipped the header repeated at lines 8, 20",
    "skipped the title above it at line 7",
    "skipped the title above it at lines 7, 19",
    "ignored extra column foo",
    "ignored extra columns foo, bar",
]


def test_notes_in_english_are_the_loaders_and_in_chinese_translated(lang):
    lang("en")
    assert [note_text(n) for n in NOTES] == NOTES
    lang("zh")
    assert all(note_text(n) != n for n in NOTES)


def test_the_dry_run_report_shows_a_files_notes_in_chinese(lang, with_dims, tmp_path):
    db = tmp_path / "b.duckdb"
    shutil.copyfile(with_dims, db)
    report = load([OFFICES / "events_title_and_repeated_header.csv"], db, commit=False, progress=lambda _: None)
    lang("zh")
    table = data.report_table(report)
    assert table[i18n.ZH["data.col.notes"]].to_list() == [
        "跳过表头上方 2 行（标题：诸暨市 2023年10月 应用日志导出 / 导出时间：2023-11-01）; 跳过第 9 行重复的表头; "
        "跳过其上方第 8 行的标题"
    ]
    assert table[i18n.ZH["data.col.reasons"]].to_list() == ["app_id 未知（库中没有） (1)"]
