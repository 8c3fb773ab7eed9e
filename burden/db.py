"""DuckDB access. Everything reads data through query("name", **params).

Query text lives in queries/<name>.sql; parameters are bound as $name, never
spliced. The app opens the file read-only and takes a cursor per query, which
is the thread-safe way to share one DuckDB handle.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from burden import settings

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_lock = threading.Lock()
_handles: dict[tuple[str, float], duckdb.DuckDBPyConnection] = {}
_results: OrderedDict[tuple, pl.DataFrame] = OrderedDict()
_MAX_RESULTS = 512


class QueryError(RuntimeError):
    pass


@cache
def sql_text(name: str) -> str:
    path = settings.QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise QueryError(f"no query file queries/{name}.sql")
    return path.read_text(encoding="utf-8")


def param_names(sql: str) -> set[str]:
    return set(_PARAM.findall(_strip_comments(sql)))


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def connect(path: Path | None = None, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    path = Path(path or settings.db_path())
    if read_only and not path.exists():
        raise QueryError(f"database {path} does not exist; run `make demo` or `python -m burden load`")
    return duckdb.connect(str(path), read_only=read_only)


def _shared_handle(path: Path) -> duckdb.DuckDBPyConnection:
    """One read-only handle per database file version (a new file means new data)."""
    key = (str(path), path.stat().st_mtime)
    with _lock:
        handle = _handles.get(key)
        if handle is None:
            for old in [k for k in _handles if k[0] == key[0]]:
                _handles.pop(old).close()
            handle = _handles[key] = connect(path, read_only=True)
        return handle


def run(con: duckdb.DuckDBPyConnection, name: str, **params) -> pl.DataFrame:
    """Run queries/<name>.sql on a given connection with bound parameters."""
    sql = sql_text(name)
    wanted = param_names(sql)
    missing = wanted - params.keys()
    if missing:
        raise QueryError(f"query {name} needs parameters: {', '.join(sorted(missing))}")
    bound = {k: v for k, v in params.items() if k in wanted}
    try:
        return con.cursor().sql(sql, params=bound).pl()
    except duckdb.CatalogException as exc:  # e.g. a database loaded without events has no derived tables
        raise QueryError(f"query {name}: {exc}".splitlines()[0]) from exc


def query(name: str, **params) -> pl.DataFrame:
    """Run a named query on the app's read-only database, with a result cache."""
    path = settings.db_path()
    if not path.exists():
        raise QueryError(f"database {path} does not exist; run `make demo`")
    con = _shared_handle(path)
    key = (str(path), path.stat().st_mtime, name, tuple(sorted(params.items())))
    with _lock:
        if key in _results:
            _results.move_to_end(key)
            return _results[key]
    frame = run(con, name, **params)
    with _lock:
        _results[key] = frame
        while len(_results) > _MAX_RESULTS:
            _results.popitem(last=False)
    return frame
