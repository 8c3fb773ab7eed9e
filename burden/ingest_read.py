"""Find log files and expose each one to DuckDB as a relation, with a line number per row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import weakref
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from burden.ingest_encoding import EncodingProblem, TextFile, inspect
from burden.ingest_kinds import all_column_names, norm_name

SUFFIXES = (".csv", ".parquet", ".xlsx")


class ReadError(RuntimeError):
    pass


@dataclass
class Source:
    path: Path
    header: list[str]  # column names as written in the file
    types: list[str]  # DuckDB types as read (VARCHAR for CSV and XLSX)
    sql: str  # a FROM-able expression; includes a column _line
    arrow: pa.Table | None = None  # XLSX rows, registered under a view name
    text: TextFile | None = None  # CSV: encoding, blank lines
    delimiter: str = ","
    rejects: str | None = None  # CSV: DuckDB's table of lines it could not split (reject_errors)
    warnings: list[str] = field(default_factory=list)  # notes for the load report (encoding, extra columns ...)
    reader: str | None = None  # CSV: the read_csv() call alone (ingest_stage reads it in parallel, numbered by rowid)


def find_files(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Files to load (folders searched recursively, sorted), and messages for paths that are not loadable."""
    found, problems = [], []
    for p in map(Path, paths):
        if p.is_dir():
            inner = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            inner = [f for f in inner if not f.name.startswith(("~$", "."))]
            if not inner:
                problems.append(f"{p}: no .csv, .parquet or .xlsx files in this folder")
            found.extend(inner)
        elif p.is_file():
            if p.suffix.lower() in SUFFIXES:
                found.append(p)
            else:
                problems.append(f"{p}: not a .csv, .parquet or .xlsx file")
        else:
            problems.append(f"{p}: no such file or folder")
    unique = list(dict.fromkeys(f.resolve() for f in found))  # the same file named twice loads once
    return unique, problems


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def open_source(con: duckdb.DuckDBPyConnection, path: Path, view_name: str) -> Source:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _open_csv(con, path, view_name)
        if suffix == ".parquet":
            reader = f"read_parquet({_literal(path)}, file_row_number = true)"
            rel = con.sql(f"select * exclude (file_row_number) from {reader} limit 0")
            sql = f"(select * exclude (file_row_number), file_row_number + 1 as _line from {reader})"
            return Source(path, list(rel.columns), [str(t) for t in rel.types], sql)
        if suffix == ".xlsx":
            table = _read_xlsx(path)
            header = [c for c in table.column_names if c != "_line"]
            return Source(path, header, ["VARCHAR"] * len(header), view_name, table)
    except duckdb.Error as exc:
        raise ReadError(f"cannot read {path.name}: {str(exc).splitlines()[0]}") from exc
    raise ReadError(f"{path.name}: unsupported file type")


_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def sniff_delimiter(name: str, head: str) -> tuple[str, list[str]]:
    """The delimiter the header uses, judged by which one splits it into known column names; else ReadError."""
    lines = head.lstrip("\ufeff").splitlines()
    header = lines[0] if lines else ""
    known = all_column_names()
    fits = {}
    for delimiter in _DELIMITERS:
        fields = _split(header, delimiter)
        hits = sum(norm_name(f) in known for f in fields)
        if len(fields) > 1 and hits >= 2:
            fits[delimiter] = hits
    if len(fits) > 1:
        names = " and ".join(_DELIMITERS[d] for d in fits)
        raise ReadError(f"{name}: the header splits into known columns on both {names}; cannot tell the delimiter")
    delimiter = next(iter(fits), ",")
    warnings = [f"{_DELIMITERS[delimiter]}-separated"] if delimiter != "," else []
    # The rows must split like the header: most of the first rows have the header's number of fields.
    width = len(_split(header, delimiter))
    rows = [r for r in csv.reader(io.StringIO("\n".join(lines[1:51])), delimiter=delimiter) if r]
    if len(rows) >= 2 or (rows and width > 1):
        good = sum(len(r) == width for r in rows)
        if good * 2 < len(rows):
            others = [
                d for d in _DELIMITERS if d != delimiter and sum(len(_split(x, d)) == width for x in lines[1:51]) > good
            ]
            hint = f"; the rows look {_DELIMITERS[others[0]]}-separated" if others else ""
            raise ReadError(
                f"{name}: wrong delimiter: the header has {width} {_DELIMITERS[delimiter]}-separated fields "
                f"but most rows do not{hint}"
            )
    return delimiter, warnings


def _open_csv(con: duckdb.DuckDBPyConnection, path: Path, view_name: str) -> Source:
    try:
        text = inspect(path)
    except EncodingProblem as exc:
        raise ReadError(f"{path.name}: {exc}") from exc
    try:
        delimiter, warnings = sniff_delimiter(path.name, text.head)
        if text.encoding != "utf-8":
            warnings.insert(0, {"utf-8-sig": "UTF-8 with BOM", "gb18030": "GBK/GB18030, read as UTF-8"}[text.encoding])
        rejects = f"_rejects_{view_name}"
        delim = delimiter.replace("'", "''")
        reader = (
            f"read_csv({_literal(text.path)}, all_varchar = true, header = true, delim = '{delim}', quote = '\"', "
            f"escape = '\"', store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{rejects}_scan')"
        )
        rel = con.sql(f"select * from {reader} limit 0")
        sql = f"(select *, row_number() over () + 1 as _line from {reader})"
        source = Source(
            path, list(rel.columns), [str(t) for t in rel.types], sql, None, text, delimiter, rejects, warnings, reader
        )
    except BaseException:
        text.cleanup()
        raise
    if text.tmpdir:
        weakref.finalize(source, TextFile.cleanup, text)
    return source


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


# An XLSX is a zip of XML. openpyxl inflates its parts (shared strings whole, in memory), so a small upload
# could expand to many GB: the declared sizes are checked first (zipfile enforces them while inflating).
XLSX_MAX_EXPANDED = 1 << 30  # bytes of XML in all parts together; larger sheets load as CSV or Parquet
XLSX_MAX_RATIO = 100  # a part this many times its compressed size, and over 10 MB, is a zip bomb, not a sheet


def _check_expansion(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(f"cannot read {path.name}: not an XLSX workbook ({exc})") from exc
    total = sum(p.file_size for p in parts)
    if total > XLSX_MAX_EXPANDED:
        raise ReadError(
            f"{path.name}: expands to {total / 2**30:.1f} GB of XML, over {XLSX_MAX_EXPANDED >> 30} GB; "
            "save it as CSV or Parquet"
        )
    for part in parts:
        if part.file_size > 10 << 20 and part.file_size > XLSX_MAX_RATIO * max(part.compress_size, 1):
            raise ReadError(
                f"{path.name}: part {part.filename} expands {part.file_size // max(part.compress_size, 1):,} times "
                f"(over {XLSX_MAX_RATIO}); refused as a possible zip bomb"
            )


def _read_xlsx(path: Path) -> pa.Table:
    """The first sheet as text columns (header in row 1), plus _line = the sheet row number."""
    import openpyxl

    _check_expansion(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ReadError(f"cannot read {path.name}: {exc}") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise ReadError(f"{path.name}: the first sheet is empty")
        names = [str(h).strip() if h is not None else f"column{i + 1}" for i, h in enumerate(header)]
        data: list[list[str | None]] = [[] for _ in names]
        lines: list[int] = []
        for line, row in enumerate(rows, start=2):
            if row is None or all(v is None for v in row):
                continue
            for i in range(len(names)):
                data[i].append(_cell_text(row[i]) if i < len(row) else None)
            lines.append(line)
    finally:
        book.close()
    arrays = [pa.array(col, type=pa.string()) for col in data] + [pa.array(lines, type=pa.int64())]
    return pa.Table.from_arrays(arrays, names=names + ["_line"])
