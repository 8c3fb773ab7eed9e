"""Find log files and expose each one to DuckDB as a relation, with a line number per row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

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
            reader = f"read_csv({_literal(path)}, all_varchar = true, header = true)"
            rel = con.sql(f"select * from {reader} limit 0")
            sql = f"(select *, row_number() over () + 1 as _line from {reader})"
            return Source(path, list(rel.columns), [str(t) for t in rel.types], sql)
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


def _read_xlsx(path: Path) -> pa.Table:
    """The first sheet as text columns (header in row 1), plus _line = the sheet row number."""
    import openpyxl

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
