"""Hostile uploads on the Data page: types judged by content, empty files, NUL bytes, zip bombs, and SQL or
markdown in file and column names. Each is refused with a message naming the file, nothing is loaded and
nothing raises. (tests/test_view_data.py covers the size limit, a renamed .parquet and a loadable upload;
tests/test_ingest_bad_files.py the loader's own refusals of local files.)"""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
import zlib

import duckdb
import pytest

from burden import i18n
from burden.filters import markdown_literal
from burden.i18n import EN
from burden.ingest import read
from burden.views import data
from tests.apptest_util import open_view
from tests.test_ingest_atomic import mixed_events_csv
from tests.test_view_data import Upload

PAGE = "app_pages/data.py"


def _png() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")
    )


def _exe() -> bytes:
    """The start of a Windows executable: MZ header, DOS stub text."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buf.getvalue()


def _zip_bomb() -> bytes:
    """An 'XLSX' of ~160 KB whose sheet inflates to 64 MB (x400): openpyxl would parse all of it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"<row><c><v>1</v></c></row>" * 40_000
            for _ in range(64):
                sheet.write(block)
    return buf.getvalue()


def _csv_with_late_nul() -> bytes:
    """Text for its first 100 KB (past the upload check's 4 KB and the loader's 64 KB head), then NUL bytes."""
    header = b"event_id,ts,cadre_id,app_id,action,duration_s\n"
    return header + b"1,2023-01-03 09:00:00,C1,A1,open,30\n" * 3000 + b"2,\x00\x00\x00,C1,A1,open,30\n"


# Refused when uploaded, before the loader sees them: (file name, content, message in English).
AT_UPLOAD = {
    "png_as_csv": ("chart.csv", _png(), EN["data.upload.not_that_type"].format(name="chart.csv", kind=".csv")),
    "exe_as_csv": ("setup.csv", _exe(), EN["data.upload.not_that_type"].format(name="setup.csv", kind=".csv")),
    "zip_as_csv": (
        "logs.csv",
        _zip({"logs.csv": b"event_id,ts\n1,2\n"}),
        EN["data.upload.not_that_type"].format(name="logs.csv", kind=".csv"),
    ),
    "png_as_xlsx": ("cases.xlsx", _png(), EN["data.upload.not_that_type"].format(name="cases.xlsx", kind=".xlsx")),
    "empty_csv": ("events.csv", b"", EN["data.upload.empty"].format(name="events.csv")),
    "empty_xlsx": ("cases.xlsx", b"", EN["data.upload.empty"].format(name="cases.xlsx")),
}
# Past the upload check (right leading bytes), refused by the dry run's reader: (name, content, message).
AT_DRY_RUN = {
    "zip_bomb_xlsx": (
        "bomb.xlsx",
        _zip_bomb(),
        "bomb.xlsx: part xl/worksheets/sheet1.xml expands 4",  # ~412 times: deflate's exact ratio is not the point
    ),
    "zip_not_xlsx": ("plain.xlsx", _zip({"a.csv": b"x"}), "plain.xlsx: cannot be read as an XLSX workbook: the file"),
    "truncated_xlsx": ("cut.xlsx", b"PK\x03\x04" + b"\x14" * 200, "cut.xlsx: cannot be read as an XLSX workbook: "),
    "late_nul_csv": ("late.csv", _csv_with_late_nul(), "late.csv: not a text CSV file: NUL bytes in it"),
}


@pytest.fixture(scope="module")
def db_copy(small_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("uploads") / "burden.duckdb"
    shutil.copyfile(small_db, path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BURDEN_DB", str(path))
        yield path


@pytest.fixture
def english():
    i18n.set_lang("en")
    yield
    i18n.set_lang(i18n.DEFAULT_LANG)


@pytest.mark.parametrize("case", AT_UPLOAD)
def test_wrong_content_or_empty_is_refused_at_upload(case, english):
    name, content, message = AT_UPLOAD[case]
    folder, problems = data.save_uploads([Upload(name, content)])
    assert folder is None and problems == [message]


@pytest.mark.parametrize("case", AT_DRY_RUN)
def test_the_dry_run_refuses_what_passes_the_first_bytes(case, db_copy, english):
    name, content, message = AT_DRY_RUN[case]
    before = db_copy.read_bytes()
    folder, problems = data.save_uploads([Upload(name, content)])
    assert problems == []
    try:
        report = data.dry_run(folder)
    finally:
        data.discard(folder)
    assert not report.ok and len(report.messages) == 1 and message in report.messages[0], report.messages
    assert data.totals(report).loaded == 0 and db_copy.read_bytes() == before


def test_an_xlsx_expanding_past_the_limit_is_refused(tmp_path, monkeypatch):
    """The total rule, shown with a lowered limit: a real 1.2 MB-of-XML workbook against a 1 MB cap."""
    import openpyxl

    book = openpyxl.Workbook()
    for i in range(20_000):
        book.active.append([f"C{i:06d}", i, "湖田村"])
    path = tmp_path / "big.xlsx"
    book.save(path)
    monkeypatch.setattr(read, "XLSX_MAX_EXPANDED", 1 << 20)
    with pytest.raises(read.ReadError, match=r"big\.xlsx: expands to .* GB of XML, over"):
        read._read_xlsx(path)
    monkeypatch.setattr(read, "XLSX_MAX_EXPANDED", 1 << 30)
    assert read._read_xlsx(path)[0].num_rows == 19_999  # the same file under the real limit reads whole


def test_sql_in_file_and_column_names_is_quoted_not_run(db_copy, tmp_path, english):
    """A file name and an extra column name made of SQL: the dry run reads the file, and every table remains."""
    good = mixed_events_csv(db_copy, tmp_path / "events.csv").read_text(encoding="utf-8").splitlines()
    evil = "\"'); drop table apps; --"
    lines = [good[0] + "," + evil.replace('"', '""').join('""')] + [line + ",x" for line in good[1:]]
    content = ("\n".join(lines) + "\n").encode()
    name = "x'); drop table cadres; --.csv"
    folder, problems = data.save_uploads([Upload(name, content)])
    assert problems == []
    try:
        report = data.dry_run(folder)
    finally:
        data.discard(folder)
    assert report.ok, report.messages
    assert data.totals(report).read == 7 and report.files[0].kind == "events"
    with duckdb.connect(str(db_copy), read_only=True) as con:
        assert con.execute("select count(*) from apps").fetchone()[0] > 0
        assert con.execute("select count(*) from cadres").fetchone()[0] > 0


@pytest.mark.parametrize("case", ["png_as_csv", "empty_csv", "zip_bomb_xlsx", "late_nul_csv"])
def test_the_data_page_shows_the_refusal_and_loads_nothing(case, db_copy):
    name, content, message = {**AT_UPLOAD, **AT_DRY_RUN}[case]
    before = db_copy.read_bytes()
    at = open_view(PAGE, {"lang": "en"})
    at.file_uploader[0].upload(name, content, "application/octet-stream")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and markdown_literal(message) in errors[0], errors  # names shown as text
    assert not [b for b in at.button if b.key == "data_commit"]  # nothing can be loaded from here
    assert db_copy.read_bytes() == before


def test_a_refusal_echoing_names_cannot_plant_markdown(db_copy):
    """Column names are echoed in the refusal ('cannot tell what it holds'); shown as text, not as a link/image."""
    at = open_view(PAGE, {"lang": "en"})
    header = "![x](http://evil.example/p.png),[登录](http://evil.example)\n1,2\n"
    at.file_uploader[0].upload("odd.csv", header.encode(), "text/csv")
    at.run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert markdown_literal("odd.csv: cannot tell what it holds") in error
    assert "](http" not in error and "\\!\\[x\\]\\(http\\:\u2060//evil\\.example/p\\.png\\)" in error
