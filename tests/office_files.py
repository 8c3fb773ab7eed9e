"""Templates of the line-ending fixtures in tests/data/offices/: one text, written with LF, CRLF and CR endings.

`python -m tests.office_files` writes the files; tests/test_ingest_offices.py checks that the committed files
are these templates, so the three endings cannot drift apart.
"""

from __future__ import annotations

import codecs
from pathlib import Path

OFFICES = Path(__file__).parent / "data" / "offices"
HEADER = "event_id,ts,cadre_id,app_id,action,duration_s,subject_key,fact_type,task_id"


def _good(i: int) -> str:
    return f"{i},2023-02-01 10:{i:02d}:00,C330681104-01,A1,view,10,,,"


# Every kind of damaged line but the unbalanced quote (which swallows the lines after it: a file of its own).
DAMAGED = [
    HEADER,
    _good(1),
    _good(2),
    "3,2023-01-03 09:05:00,C330681120219-01,A2",  # line 4: truncated
    _good(4),
    "",  # line 6: a blank line (skipped, but counted in line numbers)
    "5,2023-02-01 10:00:00,C330681104-01,A2,open,30,,",  # line 7: ragged, one field short
    _good(6),
    "7,2023-02-01 10:00:00,C330681104-01,A2,open,30,,,,extra",  # line 9: an extra field
    _good(8),
    _good(9),
    "11,2023-02-01 12:00:00,C330681104-01,A1,vi",  # line 12: the file cut off mid-line (no line end)
]
QUOTE = [
    HEADER,
    _good(1),
    _good(2),
    '3,2023-02-01 10:00:00,C330681104-01,A2,open,30,"湖田村3组,visit,T3',  # line 4: a quote not closed on its line
    _good(4),
    '5,2023-02-01 10:05:00,C330681104-01,A1,submit,10,"西山村",visit,T5',  # line 6: its first quote closes line 4's
    _good(7),
    "8,2023-02-01 10:08:00,C330681104-01,A9,view,10,,,",  # line 8: an unknown app, to show the line numbers
]
ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}
TEMPLATES = {"events_damaged": DAMAGED, "events_unbalanced_quote": QUOTE}


# A department's 整改台账 as it keeps it: Chinese headers and values, dates as a clerk types them.
LEDGER_HEADER = (
    "案件编号,应用编号,整治范围,问题类型,整治方式,合并目标,状态,来源,发现日期,整改期限,完成日期,核验日期,建议"
)
LEDGER = [
    "ZC1,A1,330681,僵尸应用,删除,,已完成,自查,2023/3/1,2023/6/30,2023/5/10,,加快整改",
    "ZC2,A2,330681,功能重复,合并,A1,已核验,督查,2023年3月2日,2023年6月30日,2023年5月20日,2023年6月1日,整合优化",
    "ZC3,A2,3306,过度留痕,迭代,,整改中,评估,2023-03-05,2023-09-30,,,提升完善",
    "ZC4,A1,33,孤岛应用,迭代,,已计划,检查,2023-03-06,,,,",
    "ZC5,A1,330681,低效低价值,删除,,已发现,自查,2023-03-07,,,,",
    "ZC6,A2,330681,违规功能,关停,,待定,自查,2023-03-08,,,,",  # 待定 (undecided) is no status of the ledger
]
EVENTS_ZH = [
    "事件编号,时间,干部编号,应用编号,操作,时长（秒）,事项,事项类型,任务编号",
    "1,2023-02-01 09:00:00,C330681120219-01,A1,打开,30,,,",
    "2,2023-02-01 09:01:00,C330681120219-01,A1,提交,120,湖田村3组12号,visit,T1",
    "3,2023-02-01 09:02:00,C330681120219-01,A1,拍照,10,,,T1",
    "4,2023-02-01 09:03:00,C330681120219-01,A2,打卡,5,,,",
    "5,2023-02-01 09:04:00,C330681120219-01,A2,查看,60,,,",
    "6,2023-02-01 09:05:00,C330681120219-01,A2,点赞,1,,,",  # 点赞 (a like) is no action of the contract
]


def _ledger_csv() -> bytes:
    return ("\r\n".join([LEDGER_HEADER, *LEDGER]) + "\r\n").encode("gbk")  # as Excel on a Chinese Windows saves "CSV"


def write_ledger_xlsx(path: Path) -> None:
    """The ledger as an Excel sheet under a title row: dates typed as dates where a clerk would, the rest text."""
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["诸暨市经信局 应用整治台账（2023年）"])
    sheet.append(LEDGER_HEADER.split(","))
    for line in LEDGER:
        row = line.split(",")
        cells: list = list(row)
        if "-" in row[8]:  # ISO dates: Excel turns them into date cells
            cells[8:12] = [dt.date.fromisoformat(c) if c else None for c in row[8:12]]
        sheet.append([c if c != "" else None for c in cells])
    book.save(path)


def files() -> dict[str, bytes]:
    """{file name: bytes} of every text fixture."""
    out = {}
    for stem, lines in TEMPLATES.items():
        for name, end in ENDINGS.items():
            out[f"{stem}_{name}.csv"] = end.join(lines).encode("utf-8")  # no line end after the last line
    out["cases_chinese_gbk.csv"] = _ledger_csv()
    out["events_chinese.csv"] = ("\n".join(EVENTS_ZH) + "\n").encode("utf-8")
    # Excel's "Unicode text": UTF-16 with a BOM, tab-separated, CRLF endings (little-endian on Windows).
    tabbed = "".join(line.replace(",", "\t") + "\r\n" for line in EVENTS_ZH)
    out["events_utf16le.csv"] = tabbed.encode("utf-16")  # Python writes the BOM, little-endian here
    out["events_utf16be.csv"] = codecs.BOM_UTF16_BE + tabbed.encode("utf-16-be")
    return out


if __name__ == "__main__":
    for name, data in files().items():
        (OFFICES / name).write_bytes(data)
    write_ledger_xlsx(OFFICES / "cases_chinese.xlsx")
