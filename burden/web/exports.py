"""Table exports: the frame on screen, as CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX."""

from __future__ import annotations

import io
import re

import polars as pl
from openpyxl import Workbook

_UNSAFE = re.compile(r"[^\w-]+")


def csv_bytes(frame: pl.DataFrame) -> bytes:
    return "\ufeff".encode() + frame.write_csv().encode("utf-8")


def xlsx_bytes(frame: pl.DataFrame, sheet: str = "data") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append(frame.columns)
    for row in frame.iter_rows():
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_stem(*parts: str) -> str:
    """A safe download name from view, region and period parts."""
    return "-".join(_UNSAFE.sub("_", p).strip("_") for p in parts if p)
