"""DuckDB access. Everything reads data through query("name", **params).

Query text lives in queries/<name>.sql; parameters are bound as $name, never
spliced. The app opens the file read-only and takes a cursor per query, which
is the thread-safe way to share one DuckDB handle. A page run reads one
version of the file from its first query to its last (one_version()).

Access (docs/access.md): every file declares `-- scope:`. `run` binds `$scope`
to the caller's scope root (access.current(); DENY binds null, and the SQL then
returns no rows), refuses region parameters outside the scope and queries whose
`-- requires:` capability the caller lacks. A file without a scope header is
refused: the default is deny.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from burden import access, metrics, settings

_log = logging.getLogger(__name__)
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_lock = threading.Condition()
_results: OrderedDict[tuple, pl.DataFrame] = OrderedDict()
_MAX_RESULTS = 512
_running: set[tuple] = set()  # result-cache keys a thread is computing now
# Parameters holding a region code the caller asks for (None = the province); each must lie in the scope.
REGION_PARAMS = frozenset({"region", "compare", "county", "town", "village", "parent"})
_REQUIRES = {"cadre_rows": lambda scope: scope.cadre_rows, "import": lambda scope: scope.can_import}


class QueryError(RuntimeError):
    pass


class ScopeError(QueryError):
    """The caller's scope does not cover what the query asked for (a region, cadre rows, the Data page)."""


@cache
def sql_text(name: str) -> str:
    path = settings.QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise QueryError(f"no query file queries/{name}.sql")
    return path.read_text(encoding="utf-8")


@cache
def header(name: str) -> dict[str, str]:
    """The file's leading `-- key: value` lines (purpose, grain, parameters, scope, requires)."""
    out: dict[str, str] = {}
    for line in sql_text(name).splitlines():
        if not line.startswith("--"):
            break
        key, _, value = line[2:].strip().partition(":")
        out[key.strip()] = value.strip()
    return out


def bind(name: str, params: dict, scope: access.Scope) -> dict:
    """The parameters to bind for `scope`, with `$scope` added; ScopeError when the scope does not cover them."""
    head = header(name)
    if not head.get("scope"):
        raise QueryError(f"query {name} declares no '-- scope:' header (see docs/access.md); refused")
    needed = head.get("requires")
    if needed is not None and not _REQUIRES[needed](scope):
        raise ScopeError(f"query {name} requires '{needed}', which role {scope.role!r} does not have")
    if "scope" in params:
        raise QueryError(f"query {name}: $scope is bound from the viewer's access, never passed by the caller")
    for key in REGION_PARAMS & params.keys():
        code = settings.PROVINCE_CODE if params[key] is None else params[key]
        if not scope.allows(code):
            raise ScopeError(f"query {name}: {key} {str(code)[:40]!r} lies outside the viewer's scope")
    wanted = param_names(sql_text(name))
    return {**params, "scope": scope.region} if "scope" in wanted else dict(params)


def param_names(sql: str) -> set[str]:
    return set(_PARAM.findall(strip_comments(sql)))


def params_for(sql: str, params: dict) -> dict:
    """The values of the parameters `sql` names ($name), from `params` (DuckDB refuses a value it has no place for)."""
    wanted = param_names(sql)
    return {k: v for k, v in params.items() if k in wanted}


def strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


@cache
def macro_names() -> tuple[str, ...]:
    """The SQL macros of queries/macros/<name>.sql (each file creates the macro <name> and its helpers)."""
    return tuple(sorted(path.stem for path in (settings.QUERIES_DIR / "macros").glob("*.sql")))


@cache
def macros_in(sql: str) -> tuple[str, ...]:
    """The macros a statement calls."""
    code = strip_comments(sql)
    return tuple(name for name in macro_names() if re.search(rf"\b{name}\s*\(", code))


def define_macros(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Create the macros `sql` calls on `con`, which then runs it. They are temporary (read-only files take them)
    and belong to one connection: every cursor needs its own, so each query defines the ones it calls."""
    for name in macros_in(sql):
        con.execute(sql_text(f"macros/{name}"))


def connect(path: Path | None = None, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    path = Path(path or settings.db_path())
    if read_only and not path.exists():
        raise QueryError(f"database {path} does not exist; run `make demo` or `python -m burden load`")
    return open_duckdb(path, read_only=read_only)


def open_duckdb(database: Path | str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Every DuckDB connection the product opens, a file or in memory, with settings.duckdb_threads(). It is set on
    the connection, not passed as its config: DuckDB refuses a second connection to an open file with another config,
    and a process may hold the file open already (a load's readers, the tests)."""
    con = duckdb.connect(str(database), read_only=read_only)
    threads = settings.duckdb_threads()
    if threads:
        con.execute(sql_text("settings/threads"), {"threads": threads})
    return con


@dataclass
class _Handle:
    version: tuple[str, int, int]  # (path, mtime_ns, inode) as seen before the file was opened
    con: duckdb.DuckDBPyConnection
    users: int = 0  # queries running on it now


_handles: dict[str, _Handle] = {}  # path -> handle on the newest version seen


def _version(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return (str(path), stat.st_mtime_ns, stat.st_ino)  # a load replaces the file: new inode, new mtime


def _acquire(path: Path, version: tuple[str, int, int]) -> _Handle:
    """A read-only handle on the file version `version`, counted as in use until _release().

    A load swaps in a new file (os.replace). Queries and pinned runs already reading keep reading the old inode.
    The old handle is closed only once nothing uses it: closing a DuckDB connection closes its cursors, and
    DuckDB hands a new connect() the still-open instance of the same path, i.e. the old data. So a newer
    version waits until every reader of the older one is done.
    """
    with _lock:
        while True:
            current = _handles.get(version[0])
            if current is None:
                current = _open(path, version)
                if current is None:  # the file was replaced while it was being opened: that version is gone
                    version = _version(path)
                    continue
                _handles[version[0]] = current
            if current.version == version:
                break
            if current.users:
                _lock.wait()
                continue
            _handles.pop(version[0]).con.close()
        current.users += 1
        return current


def _open(path: Path, version: tuple[str, int, int]) -> _Handle | None:
    """A handle on `path` if it is still the version `version` once open (so results are cached under the
    version they were read from), else None."""
    con = connect(path, read_only=True)
    if _version(path) == version:
        return _Handle(version, con)
    con.close()
    return None


def _release(handle: _Handle) -> None:
    with _lock:
        handle.users -= 1
        _lock.notify_all()


@contextmanager
def _reading(path: Path, version: tuple[str, int, int]) -> Iterator[_Handle]:
    handle = _acquire(path, version)
    try:
        yield handle
    finally:
        _release(handle)


@dataclass
class _Pin:
    handle: _Handle | None = None  # the version the block reads, set by its first query


_pin: ContextVar[_Pin | None] = ContextVar("burden_db_pin", default=None)


@contextmanager
def one_version() -> Iterator[None]:
    """Every query() in the block reads the database version its first query read.

    A page run (dashboard.py) is one block: a load that lands mid-render must not put old and new figures on
    one screen. The version's handle stays open until the block ends, so a newer version's first reader waits
    for the runs still on the old one. Nested blocks share the outer one; queries outside any block (command
    line, tests) read the newest version each.
    """
    if _pin.get() is not None:
        yield
        return
    pin = _Pin()
    token = _pin.set(pin)
    try:
        yield
    finally:
        _pin.reset(token)
        if pin.handle is not None:
            _release(pin.handle)


@contextmanager
def _logged(name: str, params: dict) -> Iterator[None]:
    """A query that fails or is refused leaves a line in the server log with its name and parameters, whoever
    catches the error (a page's notice, the frame's "no data yet")."""
    try:
        yield
    except (QueryError, duckdb.Error) as exc:
        first = next(iter(str(exc).splitlines()), "")
        scope = access.current().region
        _log.warning(
            "query %s failed (scope %s, parameters %r): %s: %s", name, scope, params, type(exc).__name__, first
        )
        raise


def run(con: duckdb.DuckDBPyConnection, name: str, **params) -> pl.DataFrame:
    """Run queries/<name>.sql on a given connection with bound parameters, in the caller's scope."""
    with _logged(name, params):
        sql = sql_text(name)
        params = bind(name, params, access.current())
        wanted = param_names(sql)
        missing = wanted - params.keys()
        if missing:
            raise QueryError(f"query {name} needs parameters: {', '.join(sorted(missing))}")
        bound = params_for(sql, params)
        cursor = con.cursor()
        try:
            define_macros(cursor, sql)
            frame = cursor.sql(sql, params=bound).pl()
        # A table or column the query reads is missing: a database without events has no derived tables, an older
        # one lacks newer columns. The queries name their CTEs after the tables they read, so DuckDB reports a
        # missing table as a circular CTE reference (a BinderException), not as a CatalogException.
        except (duckdb.CatalogException, duckdb.BinderException) as exc:
            raise QueryError(f"query {name}: {exc}".splitlines()[0]) from exc
    # `-- metrics: ratios`: the query returns sums; every ratio metric of the registry is added from them
    return metrics.with_ratios(frame) if header(name).get("metrics", "").startswith("ratios") else frame


def query(name: str, **params) -> pl.DataFrame:
    """Run a named query on the app's read-only database, with a result cache per file version."""
    path = settings.db_path()
    pin = _pin.get()
    if pin is not None and pin.handle is not None:
        version = pin.handle.version
    else:
        if not path.exists():
            with _logged(name, params):
                raise QueryError(f"database {path} does not exist; run `make demo`")
        # Stat before opening: the data read is then at least as new as the version it is cached under.
        version = _version(path)
        if pin is not None:  # the block's first query: its version holds until the block ends
            pin.handle = _acquire(path, version)
            version = pin.handle.version
    scope = access.current()
    with _logged(name, params):
        bind(name, params, scope)  # refuse before the cache can answer
    key = (version, name, scope.region, tuple(sorted(params.items())))
    with _lock:
        # Single flight: when fifty people open one shared link, the first session runs each query and the
        # others wait for its result instead of running the same query side by side.
        while True:
            if key in _results:
                _results.move_to_end(key)
                return _results[key]
            if key not in _running:
                _running.add(key)
                break
            _lock.wait()
    try:
        with _reading(path, version) as handle:
            frame = run(handle.con, name, **params)
        with _lock:
            _results[key] = frame
            while len(_results) > _MAX_RESULTS:
                _results.popitem(last=False)
    finally:
        with _lock:
            _running.discard(key)  # on failure a waiting session runs the query itself
            _lock.notify_all()
    return frame
