"""Exports hold exactly the figures on screen: the table shown is the frame exported, byte for byte."""

from __future__ import annotations

import io

import polars as pl
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from burden import i18n
from burden.filters import ViewState
from burden.views import overview
from burden.web import exports


def read_csv(data: bytes) -> pl.DataFrame:
    assert data.startswith("\ufeff".encode())  # BOM: Excel opens the Chinese headers correctly
    return pl.read_csv(io.BytesIO(data[3:]), schema_overrides={"代码": pl.String, "Code": pl.String})


def read_xlsx(data: bytes) -> pl.DataFrame:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return pl.DataFrame([list(r) for r in rows[1:]], schema=list(rows[0]), orient="row")


def test_csv_and_xlsx_round_trip_a_table_exactly():
    frame = pl.DataFrame({"地区": ["诸暨市", "萧山区"], "代码": ["330681", "330109"], "重复填报率（%）": [6.2, 41.0]})
    assert read_csv(exports.csv_bytes(frame)).equals(frame)
    assert read_xlsx(exports.xlsx_bytes(frame, "ranking")).equals(frame)


def test_exported_ranking_equals_the_table_on_screen(small_db, use_db):
    use_db(small_db)
    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    at.query_params["lang"] = "en"
    at.query_params["from"] = "2023-01"
    at.run()
    assert not at.exception
    on_screen = pl.from_pandas(at.dataframe[0].value)

    i18n.set_lang("en")
    try:
        state = ViewState(start="2023-01", end="2024-03", lang="en")
        exported = overview.ranking_table(overview.load(state).ranking)
    finally:
        i18n.set_lang("zh")
    assert on_screen.height == 11
    assert on_screen.equals(exported)
    assert read_csv(exports.csv_bytes(exported)).equals(exported)
    assert read_xlsx(exports.xlsx_bytes(exported)).equals(exported)


def test_file_names_are_safe():
    assert exports.file_stem("ranking", "330681", "2023-01", "../../etc") == "ranking-330681-2023-01-etc"
