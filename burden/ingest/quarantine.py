"""The quarantine: rows a load rejected, listed, exported for correction, and re-loaded.

An exported CSV has the row's own columns as they were read (the raw JSON), then quarantine_reason,
quarantine_file and quarantine_line. Re-loading the corrected file with `python -m burden load` works like
any other file: the quarantine_* columns are ignored. A quarantined row counts as resolved once a row
with its key (event_id, photo_id, or the natural key) is in its table.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import duckdb

from burden.db import open_duckdb
from burden.ingest.kinds import KINDS, column_name, columns

META = ("quarantine_reason", "quarantine_file", "quarantine_line")
_KEYS = {kind.table: kind.key for kind in KINDS.values()}
_KIND_OF = {kind.table: kind.name for kind in KINDS.values()}


def _key_text(raw: dict, table: str) -> str | None:
    """The row's key as text (parts joined by |), from its raw cells, normalised like a load does."""
    cells = {column_name(_KIND_OF[table], k): v for k, v in raw.items()} if table in _KIND_OF else {}
    parts = []
    for name in _KEYS.get(table, ()):
        value = cells.get(name)
        if value is None or not str(value).strip():
            return None
        parts.append(unicodedata.normalize("NFKC", str(value)).strip())
    return "|".join(parts) or None


def _resolved(con: duckdb.DuckDBPyConnection, table: str, keys: set[str]) -> set[str]:
    if not keys or table not in _KEYS:
        return set()
    types = {c.name: c.type for c in columns(table)}
    key = _KEYS[table]
    if len(key) == 1 and types[key[0]] == "BIGINT":
        numbers = [int(k) for k in keys if k.isdigit()]
        found = con.execute(
            f"select list(k::varchar) from (select unnest($k) as k) where k in (select {key[0]} from {table})",
            {"k": numbers},
        ).fetchone()[0]
    else:
        expr = "concat_ws('|', " + ", ".join(f"{k}::varchar" for k in key) + ")"
        found = con.execute(
            f"select list(k) from (select unnest($k) as k) where k in (select {expr} from {table})",
            {"k": sorted(keys)},
        ).fetchone()[0]
    return set(found or [])


def rows(con: duckdb.DuckDBPyConnection, table: str | None = None, include_resolved: bool = False) -> Iterator[dict]:
    """Quarantined rows (newest load first), each with table, file, line, reason, raw (a dict) and resolved."""
    where, params = ("where table_name = ?", [table]) if table else ("", [])
    found = con.execute(
        f"select table_name, file, line, reason, raw, loaded_at from quarantine {where} "
        "order by table_name, loaded_at desc, file, line",
        params,
    ).fetchall()
    parsed = []
    for table_name, file, line, reason, raw, loaded_at in found:
        try:
            cells = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            cells = {"raw": raw}
        parsed.append(
            {"table": table_name, "file": file, "line": line, "reason": reason, "raw": cells, "loaded_at": loaded_at}
        )
    done: dict[str, set[str]] = {}
    for name in {r["table"] for r in parsed}:
        keys = {k for r in parsed if r["table"] == name and (k := _key_text(r["raw"], name))}
        done[name] = _resolved(con, name, keys)
    for r in parsed:
        r["resolved"] = _key_text(r["raw"], r["table"]) in done[r["table"]]
        if include_resolved or not r["resolved"]:
            yield r


def summary(db: Path) -> list[tuple[str, str, int, int]]:
    """(table, reason, rows, still open) per table and reason."""
    with open_duckdb(db, read_only=True) as con:
        counts: dict[tuple[str, str], list[int]] = {}
        for r in rows(con, include_resolved=True):
            c = counts.setdefault((r["table"], r["reason"]), [0, 0])
            c[0] += 1
            c[1] += not r["resolved"]
    return [(t, reason, n, n_open) for (t, reason), (n, n_open) in sorted(counts.items())]


def export(db: Path, path: Path, table: str | None = None, include_resolved: bool = False) -> list[tuple[Path, int]]:
    """Write quarantined rows as CSV for correction: PATH.csv (one table) or a folder with <table>.csv each."""
    path = Path(path)
    with open_duckdb(db, read_only=True) as con:
        found = list(rows(con, table, include_resolved))
    tables = sorted({r["table"] for r in found})
    if path.suffix.lower() == ".csv":
        if len(tables) > 1:
            raise ValueError(f"rows of several tables ({', '.join(tables)}): give --table or a folder")
        targets = {t: path for t in tables}
    else:
        targets = {t: path / f"quarantine_{t}.csv" for t in tables}
    written = []
    for name, target in targets.items():
        mine = [r for r in found if r["table"] == name]
        header: list[str] = []
        for r in mine:
            header += [k for k in r["raw"] if k not in header and not k.startswith("_extra_")]
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8-sig", newline="") as f:  # with a BOM: Excel opens it as UTF-8
            out = csv.writer(f)
            out.writerow(header + list(META))
            for r in mine:
                out.writerow([r["raw"].get(h) for h in header] + [r["reason"], r["file"], r["line"]])
        written.append((target, len(mine)))
    return written


def print_list(db: Path, show_rows: int = 0) -> int:
    if not Path(db).exists():
        print(f"no database at {db}")
        return 1
    lines = summary(db)
    if not lines:
        print(f"quarantine of {db} is empty")
        return 0
    total, still_open = sum(n for *_, n, _ in lines), sum(o for *_, o in lines)
    print(f"quarantine of {db}: {total:,} rows, {still_open:,} not yet re-loaded")
    width = max(len(reason) for _, reason, _, _ in lines)
    for table, reason, n, n_open in lines:
        print(f"  {table:<18} {reason:<{width}}  {n:>8,} rows  {n_open:>8,} open")
    if show_rows:
        with open_duckdb(db, read_only=True) as con:
            for i, r in enumerate(rows(con)):
                if i >= show_rows:
                    break
                raw = json.dumps(r["raw"], ensure_ascii=False)
                print(f"{Path(r['file']).name}:{r['line']}  {r['reason']}  {raw}")
    return 0
