"""Every SQL parameter is bound, never spliced.

Two proofs. Dynamic: every statement the dashboard sends to DuckDB while every page is opened with hostile links is
recorded at the connection; each is the verbatim text of a queries/ file, no payload is ever part of SQL text,
and values that do reach the database (well-formed but unknown codes) arrive as bound parameters. Static: an AST
scan of burden/, app_pages/ and dashboard.py finds every .sql()/.execute()/... call whose SQL is built at run time
(f-string, concatenation, .format, .join, % or a name assigned from one); each must be on the allow-list below,
which names internal call sites splicing only identifiers or constants, with the reason.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from pathlib import Path

import duckdb
import pytest

from burden import db, settings
from burden.web.frame import PAGES
from tests.apptest_util import open_view
from tests.hostile import SPOTTABLE

ROOT = Path(__file__).resolve().parent.parent
SQL_METHODS = frozenset({"sql", "execute", "executemany", "query", "from_query"})

# Well-formed values that pass the URL grammar and so reach the database (as lookups), but exist nowhere.
REACHING = {"region": "339999", "compare": "330699", "app": "ZZ-hostile-9"}


class _Recording:
    """A DuckDB connection or cursor that logs (sql, parameters) of every statement before running it."""

    def __init__(self, con, log: list):
        self._con, self._log = con, log

    def cursor(self):
        return _Recording(self._con.cursor(), self._log)

    def _logged(method):  # noqa: N805 (a decorator inside the class body)
        def call(self, query, *args, **kwargs):
            self._log.append((query, kwargs.get("params", args[0] if args else None)))
            return getattr(self._con, method.__name__)(query, *args, **kwargs)

        return call

    @_logged
    def sql(self): ...

    @_logged
    def execute(self): ...

    @_logged
    def executemany(self): ...

    @_logged
    def query(self): ...

    def __getattr__(self, name):
        return getattr(self._con, name)


@pytest.fixture
def recorded(monkeypatch):
    """Statements run by every connection opened from here on (fresh handles and result cache, so all run)."""
    log: list = []
    connect = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: _Recording(connect(*a, **k), log))
    monkeypatch.setattr(db, "_handles", {})
    monkeypatch.setattr(db, "_results", OrderedDict())
    return log


def _query_texts() -> set[str]:
    return {p.read_text(encoding="utf-8") for p in settings.QUERIES_DIR.rglob("*.sql")}


def _values(params) -> list[str]:
    if isinstance(params, dict):
        params = list(params.values())
    return [str(v) for v in params or []]


def test_every_page_opened_with_hostile_links_runs_only_query_files_with_bound_values(small_db, use_db, recorded):
    use_db(small_db)
    names = ["lang", "region", "from", "to", "app", "compare", "mode"]
    texts = _query_texts()
    for no, (page, *_) in enumerate(PAGES):
        # Each page gets every spottable payload, spread over the parameters and an unknown key.
        hostile = {name: SPOTTABLE[(no + i) % len(SPOTTABLE)] for i, name in enumerate(names)}
        hostile[SPOTTABLE[no % len(SPOTTABLE)]] = SPOTTABLE[(no + 3) % len(SPOTTABLE)]
        for raw in (hostile, REACHING):
            before = len(recorded)
            db._results.clear()  # every run sends all its statements, not only those no earlier page ran
            at = open_view(page, raw)
            assert at.selectbox(key="f_region").value == "33", page
            assert len(recorded) > before, f"{page}: no statement recorded (the recorder is not in the path)"

    sqls = [sql for sql, _ in recorded]
    assert set(sqls) <= texts, [s[:200] for s in set(sqls) - texts]  # verbatim query files, nothing composed
    for payload in (*SPOTTABLE, *REACHING.values()):
        assert not [s for s in sqls if payload in s], payload
    bound = {v for _, params in recorded for v in _values(params)}
    assert set(REACHING.values()) <= bound  # they reached DuckDB, as parameter values
    assert not [v for v in bound if any(p in v for p in SPOTTABLE)]  # hostile values never reached it at all


# --- The static scan -----------------------------------------------------------------------------------------

# (file, function): why its SQL may be composed. Only loader, rollup and demo-generator code: none of it runs on a
# dashboard request except the Data page's upload, whose file names and header names are quoted (_literal, _q).
ALLOWED = {
    ("burden/ingest/pipeline.py", "_connect"): "SET TimeZone from the settings constant",
    ("burden/ingest/parse.py", "install"): "SET TimeZone from the settings constant",
    ("burden/ingest/storage.py", "open_scratch"): "the live database's own path, quote-doubled; table names constants",
    ("burden/ingest/storage.py", "create_schema"): (
        "table and column names and types from queries/schema; fill expressions from Kind.fills (data/lines.toml, "
        "literals quote-doubled)"
    ),
    ("burden/ingest/storage.py", "fill_regions"): "province code constant and the bundled names file, quote-doubled",
    ("burden/ingest/read.py", "open_source"): "upload path as a quote-doubled literal (_literal)",
    ("burden/ingest/stage.py", "ensure_stage"): "stage table and column names from the schema (ingest_kinds)",
    ("burden/ingest/stage.py", "_as_enum_casts"): "table, key and type names from kinds.REFERENCES",
    ("burden/ingest/stage.py", "_zero_maps"): "temp table and key names from the schema",
    ("burden/ingest/stage.py", "stage_file"): (
        "header names quoted by _q (\" doubled) and as literals (' doubled); reasons, enums, Chinese values constants"
    ),
    ("burden/ingest/stage.py", "_skip_repeated_headers"): "stage table name from the schema; file and reason bound (?)",
    ("burden/ingest/stage.py", "_stage_rejects"): "reject table names from a counter; row values bound (?)",
    ("burden/ingest/lake.py", "create_views"): "view and column names from the schema; the lake's file paths, quoted",
    ("burden/ingest/lake.py", "files"): "the catalog name: main or the constant storage.LIVE; values bound ($table)",
    ("burden/ingest/lake.py", "write"): "table and column names from the schema; month and path, quoted",
    ("burden/ingest/lake.py", "adopt"): "table names from lake.TABLES",
    ("burden/ingest/lake.py", "replace"): "a query merge._upsert built from schema names; the partition column's name",
    ("burden/ingest/merge.py", "merge"): "table name from the schema; file names bound ($names)",
    ("burden/ingest/merge.py", "_append"): "table, column and sort-key names from the schema",
    ("burden/ingest/merge.py", "_key_range"): "key and stage table names from the schema",
    ("burden/ingest/merge.py", "_sorted"): "sort key constant and a statement built from schema names",
    ("burden/ingest/merge.py", "_upsert"): "table, key and column names from the schema",
    ("burden/ingest/quarantine.py", "_resolved"): "table and key names from _KEYS; the keys are bound ($k)",
    ("burden/ingest/quarantine.py", "rows"): "a fixed WHERE clause; the table name is bound (?)",
    ("burden/rollups.py", "_run"): "CREATE/INSERT prefix for a rollup name from queries/rollups/; values bound",
    ("burden/rollups.py", "update"): "rollup table names from queries/rollups/; months bound ($1, $2)",
    # The ledger's store is SQLite or PostgreSQL (not the DuckDB queries of queries/): its placeholders differ by engine
    ("burden/ledger/store.py", "append"): "column names from COLUMNS and the engine's placeholders; values bound",
    ("burden/ledger/audit.py", "record"): "column names from COLUMNS and the engine's placeholders; values bound",
    ("burden/ledger/audit.py", "archive"): "the engine's placeholders; values bound",
    ("burden/ledger/cases.py", "problems_many"): "field names and types from FIELDS, checks from LEDGER_RULES; "
    "values are a registered frame",
    ("burden/ledger/served.py", "_write"): "field names and types from FIELDS; values are a registered frame",
    ("burden/ledger/served.py", "_table_rows"): "field names from FIELDS; no values",
    # The rollups on Spark (python -m burden rollup --engine spark): no values, only names and paths of its own
    ("burden/engines/spark.py", "inputs"): "base table names from queries/schema; a work folder's path, quoted",
    ("burden/engines/spark.py", "take_in"): "derived table names from rollups.TABLES, their columns and types from "
    "DuckDB's own build; Spark's output folder, quoted",
    ("burden/engines/spark.py", "column_types"): "derived table names from rollups.TABLES",
}
# The offline demo generator (python -m burden demo) splices seeds, file paths and generated constants; the
# dashboard never imports it (test below).
ALLOWED_FILES = {"burden/demo/": "offline demo generator: seeds, paths and constants of its own"}


def _dynamic(node: ast.AST, assigned: dict[str, list[ast.AST]], seen: frozenset = frozenset()) -> bool:
    """Whether an expression builds text at run time (directly, or through a local name assigned from such)."""
    if isinstance(node, (ast.JoinedStr, ast.BinOp)):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in {"format", "format_map", "join", "replace"}
    if isinstance(node, ast.Name) and node.id not in seen:
        return any(_dynamic(v, assigned, seen | {node.id}) for v in assigned.get(node.id, []))
    return False


def _assignments(scope: ast.AST) -> dict[str, list[ast.AST]]:
    assigned: dict[str, list[ast.AST]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            assigned.setdefault(node.target.id, []).append(node.value)
    return assigned


class _Scan(ast.NodeVisitor):
    """Collects (function, line, call) for SQL-running calls whose first argument is composed at run time."""

    def __init__(self, module: ast.Module):
        self.stack = [("<module>", _assignments(module))]
        self.found: list[tuple[str, int, str]] = []

    def visit_FunctionDef(self, node):  # noqa: N802 (ast.NodeVisitor's naming)
        self.stack.append((node.name, _assignments(node)))
        self.generic_visit(node)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_Call(self, node):  # noqa: N802
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SQL_METHODS and node.args:
            name, assigned = self.stack[-1]
            if _dynamic(node.args[0], assigned):
                self.found.append((name, node.lineno, ast.unparse(node)[:120]))
        self.generic_visit(node)


def _composed_sql_calls(path: Path) -> list[tuple[str, int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    scan = _Scan(tree)
    scan.visit(tree)
    return scan.found


def _sources() -> list[Path]:
    return sorted([*ROOT.glob("burden/**/*.py"), *ROOT.glob("app_pages/*.py"), ROOT / "dashboard.py"])


def test_no_sql_is_composed_outside_the_allow_list():
    flagged, used = [], set()
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if any(rel.startswith(prefix) for prefix in ALLOWED_FILES):
            continue
        for function, line, call in _composed_sql_calls(path):
            if (rel, function) in ALLOWED:
                used.add((rel, function))
            else:
                flagged.append(f"{rel}:{line} in {function}: {call}")
    assert flagged == [], "SQL built at run time; bind the values as $name, or allow-list it with a reason"
    assert set(ALLOWED) - used == set(), "stale allow-list entries"


def test_the_scan_flags_each_way_of_composing_sql(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "def a(con, x):\n    con.sql(f'select {x}')\n"
        "def b(con, x):\n    con.execute('select ' + x)\n"
        "def c(con, x):\n    q = 'select {}'.format(x)\n    con.cursor().sql(q)\n"
        "def d(con, x):\n    con.execute('select %s' % x)\n"
        "def e(con, x):\n    con.query(' '.join(['select', x]))\n"
        "def ok(con, x):\n    q = 'select $x'\n    con.sql(q, params={'x': x})\n    con.execute('select ?', [x])\n"
    )
    assert [f for f, _, _ in _composed_sql_calls(source)] == ["a", "b", "c", "d", "e"]


def test_the_dashboard_never_imports_the_demo_generator():
    """The allow-list exempts burden/demo/ because no page, view model or the frame can reach it."""
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("burden/demo/", "burden/__main__.py")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("burden.demo"), rel
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("burden.demo") for a in node.names), rel
