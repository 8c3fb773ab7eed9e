"""Find log files and expose each one to DuckDB as a relation, with a line number per row."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import weakref
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from burden.ingest.encoding import HEAD, EncodingProblem, TextFile, inspect
from burden.ingest.kinds import known_column

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
    header_line: int = 1  # CSV: the header's physical line (title rows may stand above it)


def unreadable(name: str, what: str, exc: BaseException) -> str:
    """A reader's error in words a clerk can act on: the file, the line if the reader said, what to do.
    The library's own text names its internals, not the fix, so it is not shown."""
    line = re.search(r"\b[Ll]ine:? (\d+)", str(exc))
    at = f" (near line {line.group(1)})" if line else ""
    return f"{name}: cannot be read as {what}{at}: the file is damaged or not {what}; export it again"


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
            return _open_csv(path, view_name)
        if suffix == ".parquet":
            reader = f"read_parquet({_literal(path)}, file_row_number = true)"
            rel = con.sql(f"select * exclude (file_row_number) from {reader} limit 0")
            sql = f"(select * exclude (file_row_number), file_row_number + 1 as _line from {reader})"
            return Source(path, list(rel.columns), [str(t) for t in rel.types], sql)
        if suffix == ".xlsx":
            table, warnings = _read_xlsx(path)
            header = [c for c in table.column_names if c != "_line"]
            return Source(path, header, ["VARCHAR"] * len(header), view_name, table, warnings=warnings)
    except duckdb.Error as exc:
        raise ReadError(unreadable(path.name, "a Parquet file", exc)) from exc
    raise ReadError(f"{path.name}: unsupported file type")


_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
TITLE_LINES = 10  # a header is looked for in the first lines: above it, a report's title rows


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # a stray quote: the line as one field
        return [line]


@dataclass
class Layout:
    delimiter: str
    header_line: int  # physical line of the header (1 unless title rows stand above it)
    header: list[str]  # names as written
    warnings: list[str]


def _header_fits(line: str) -> dict[str, int]:
    """Delimiters that split the line into two or more known column names, with how many."""
    fits = {}
    for delimiter in _DELIMITERS:
        fields = _split(line, delimiter)
        hits = sum(known_column(f) for f in fields)
        if len(fields) > 1 and hits >= 2:
            fits[delimiter] = hits
    return fits


def sniff_layout(name: str, head: str) -> Layout:
    """Where the header is (title rows above it are skipped) and its delimiter, judged by which one splits it into
    known column names; else ReadError."""
    lines = head.lstrip("\ufeff").replace("\r\n", "\n").split("\n")  # a CRLF file is read in place
    if len(head) >= HEAD:  # the head stops mid-line: its last line is not a whole row
        lines = lines[:-1] or lines
    at = next((i for i, line in enumerate(lines[:TITLE_LINES]) if _header_fits(line)), 0)
    fits = _header_fits(lines[at])
    if len(fits) > 1:
        names = " and ".join(_DELIMITERS[d] for d in fits)
        raise ReadError(
            f"{name}: the header (line {at + 1}) splits into known columns on both {names}; cannot tell the delimiter"
        )
    delimiter = next(iter(fits), ",")
    warnings = [f"{_DELIMITERS[delimiter]}-separated"] if delimiter != "," else []
    note = _titles_note([line.strip(" \t,;|") for line in lines[:at]])
    warnings += [note] if note else []
    header = _split(lines[at], delimiter)
    # The rows must split like the header: most of the first rows have the header's number of fields.
    width = len(header)
    sample = [line for line in lines[at + 1 : at + 51] if line]
    rows = [_split(line, delimiter) for line in sample]
    if len(rows) >= 2 or (rows and width > 1):
        good = sum(len(r) == width for r in rows)
        if good * 2 < len(rows):
            fit = {d: sum(len(_split(x, d)) == width for x in sample) for d in _DELIMITERS if d != delimiter}
            others = [d for d, n in fit.items() if n > good]
            hint = f"; the rows look {_DELIMITERS[others[0]]}-separated" if others else ""
            raise ReadError(
                f"{name}: wrong delimiter: the header (line {at + 1}) has {width} {_DELIMITERS[delimiter]}-separated "
                f"fields but most rows do not{hint}"
            )
    return Layout(delimiter, at + 1, header, warnings)


def _titles_note(titles: list[str]) -> str | None:
    """The note for the lines skipped above the header (a report's title rows), or None if there are none."""
    if not titles:
        return None
    shown = " / ".join(t for t in titles if t)
    return f"skipped {len(titles)} line{'s' if len(titles) > 1 else ''} above the header (title: {shown})"


def _column_names(header: list[str]) -> list[str]:
    """Unique, non-empty names for DuckDB's columns (the header may repeat a name or end in empty cells)."""
    names: list[str] = []
    for i, h in enumerate(header):
        name = h if h.strip() else f"column{i + 1}"
        while name in names:
            name += "_2"
        names.append(name)
    return names


def _open_csv(path: Path, view_name: str) -> Source:
    try:
        text = inspect(path)
    except EncodingProblem as exc:
        raise ReadError(f"{path.name}: {exc}") from exc
    try:
        layout = sniff_layout(path.name, text.head)
        warnings = layout.warnings
        if text.encoding != "utf-8":
            label = {"utf-8-sig": "UTF-8 with BOM", "gb18030": "GBK/GB18030", "utf-16": "UTF-16"}[text.encoding]
            warnings.insert(0, label + (", read as UTF-8" if text.encoding in ("gb18030", "utf-16") else ""))
        rejects = f"_rejects_{view_name}"
        delim = layout.delimiter.replace("'", "''")
        names = _column_names(layout.header)
        columns = "{" + ", ".join("'" + n.replace("'", "''") + "': 'VARCHAR'" for n in names) + "}"
        # The dialect is known (delimiter and header from sniff_layout): DuckDB's own sniffer is off, so a damaged
        # line is a reject of that line, never an error about the whole file.
        reader = (
            f"read_csv({_literal(text.path)}, auto_detect = false, columns = {columns}, header = true, "
            f"skip = {layout.header_line - 1}, delim = '{delim}', quote = '\"', escape = '\"', "
            f"store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{rejects}_scan')"
        )
        sql = f"(select *, row_number() over () + {layout.header_line} as _line from {reader})"
        source = Source(
            path,
            names,
            ["VARCHAR"] * len(names),
            sql,
            None,
            text,
            layout.delimiter,
            rejects,
            warnings,
            reader,
            layout.header_line,
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
        raise ReadError(unreadable(path.name, "an XLSX workbook", exc)) from exc
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


def _read_xlsx(path: Path) -> tuple[pa.Table, list[str]]:
    """The first sheet as text columns, plus _line = the sheet row number; and the notes for the load report.

    The header is the first of the first rows with two known column names (title rows may stand above it)."""
    import openpyxl

    _check_expansion(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ReadError(unreadable(path.name, "an XLSX workbook", exc)) from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        top = [row for _, row in zip(range(TITLE_LINES), rows, strict=False)]
        if not top:
            raise ReadError(f"{path.name}: the first sheet is empty")
        cells = [[str(v).strip() if v is not None else "" for v in row or ()] for row in top]
        at = next((i for i, row in enumerate(cells) if sum(map(known_column, filter(None, row))) >= 2), 0)
        note = _titles_note([" ".join(filter(None, row)) for row in cells[:at]])
        names = _column_names(cells[at])
        data: list[list[str | None]] = [[] for _ in names]
        lines: list[int] = []
        for line, row in enumerate(itertools.chain(top[at + 1 :], rows), start=at + 2):
            if row is None or all(v is None for v in row):
                continue
            for i in range(len(names)):
                data[i].append(_cell_text(row[i]) if i < len(row) else None)
            lines.append(line)
    finally:
        book.close()
    arrays = [pa.array(col, type=pa.string()) for col in data] + [pa.array(lines, type=pa.int64())]
    return pa.Table.from_arrays(arrays, names=names + ["_line"]), [note] if note else []
