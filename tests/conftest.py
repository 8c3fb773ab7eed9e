"""Shared fixtures: deterministic demo databases built once per test session."""

from __future__ import annotations

import fcntl
import itertools
import os
from collections.abc import Callable
from pathlib import Path

import pytest

if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    # make test runs a worker per core (-n auto): each worker's DuckDB and Polars then take the cores left to it,
    # rather than every worker starting a thread per core and all of them fighting over the same cores.
    _threads = str(max(1, (os.cpu_count() or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))
    os.environ.setdefault("BURDEN_DUCKDB_THREADS", _threads)
    os.environ.setdefault("POLARS_MAX_THREADS", _threads)

# Spark's JVMs in the tests live a minute over a small demo: with HotSpot's first compiler only and the serial
# collector they take a third less CPU (burden/engines/spark.py, java_options).
os.environ.setdefault("BURDEN_SPARK_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")

DIMS = [Path(__file__).parent / "data" / "bad" / "dims" / name for name in ("apps.csv", "cadres.csv")]

# Small enough to build in seconds, large enough to hold every county and seed place.
SMALL_SCALE = 0.1
TEST_SEED = 20240331  # the scenario's (data/scenario.toml): the small demo is also the demo `make demo` builds


def _shared(tmp_path_factory, name: str, build: Callable[[Path], object]) -> Path:
    """`name`'s database, built by `build(path)` once per run and then only read (tests that write work on a copy).

    Under pytest-xdist each worker has its own session: the first worker to ask builds the file under the run's base
    temp folder (the workers' common parent) while the others wait on a lock, then every worker reads that file.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        path = tmp_path_factory.mktemp(name) / "burden.duckdb"
        build(path)
        return path
    folder = tmp_path_factory.getbasetemp().parent / "shared" / name
    folder.mkdir(parents=True, exist_ok=True)
    path, built = folder / "burden.duckdb", folder / "built"
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not built.exists():
            build(path)
            built.touch()
    return path


def _small(path: Path) -> None:
    """The small demo as `make demo` builds it (generate, then load), by the bench's builder: it keeps the raw files
    beside the database and the build's figures in a sidecar, so `python -m bench --quick --db` reuses both."""
    from bench.data import build_or_reuse

    build_or_reuse(path, path.parent / "files", SMALL_SCALE, TEST_SEED)


@pytest.fixture(scope="session")
def small_db(tmp_path_factory) -> Path:
    """A small demo database (fixed seed)."""
    return _shared(tmp_path_factory, "small", _small)


@pytest.fixture(scope="session")
def demo_db(small_db) -> Path:
    """The demo as `make demo` builds it (the scenario's seed), at the tests' small scale: the small demo itself, since
    the tests' seed is the scenario's (tests/test_demo_build.py checks that `build_demo` makes exactly this file). The
    generator samples every county's villages by scale and draws each row from a hash of the seed and its keys, so the
    calibration holds at any scale."""
    return small_db


def _to_date(small_db: Path, path: Path) -> None:
    import shutil

    import duckdb

    from burden import rollups
    from tests.lakes import delete_logs

    shutil.copyfile(small_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute("set TimeZone = 'Asia/Shanghai'")
        for table in ("app_events", "photo_uploads"):
            delete_logs(con, path, table, "ts >= timestamptz '2024-03-07 00:00:00+08'")
        con.execute("update load_meta set value = '2024-03-06' where key = 'as_of'")
        rollups.build(con)


@pytest.fixture(scope="session")
def to_date_db(small_db, tmp_path_factory) -> Path:
    """The small demo with its last month (March 2024) cut after day 6: a month to date, derived tables rebuilt.
    Tests that load into it work on a copy."""
    return _shared(tmp_path_factory, "to_date", lambda path: _to_date(small_db, path))


@pytest.fixture(scope="session", autouse=True)
def local_scope_for_shared_fixtures():
    """The same for module- and session-scoped fixtures, which are set up before any function-scoped one."""
    from burden import access

    with access.using(access.local_scope()):
        yield


@pytest.fixture(autouse=True)
def local_scope():
    """Tests outside Streamlit query as the local single-user (province scope); scope tests pick theirs
    with access.using(...). The app itself starts from DENY (burden/access.py)."""
    from burden import access

    with access.using(access.local_scope()) as scope:
        yield scope


@pytest.fixture
def use_db(monkeypatch):
    """Point BURDEN_DB (and so db.query) at a given database for one test."""

    def _use(path: Path) -> Path:
        monkeypatch.setenv("BURDEN_DB", str(path))
        return path

    return _use


def pytest_configure(config):
    os.environ.setdefault("BURDEN_DB", "/nonexistent/tests-must-choose-a-db.duckdb")
    _scan_components_once()


def _scan_components_once() -> None:
    """Every new AppTest scans the metadata of every installed package for Streamlit components (0.15 s, in
    email-header parsing); a server does it once at start. The installed packages do not change during a test run,
    so a test process scans once too."""
    from functools import cache

    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = cache(manifest_scanner.scan_component_manifests)


# Under pytest-xdist (make test: --dist loadfile --no-loadscope-reorder) each module runs on one worker, so that its
# module fixtures (servers, loaded copies) are set up once, and the longest modules are handed out first, so that no
# worker is left with a long one at the end while the other idles. The order is only an order: a module missing here
# runs after these, in collection order. The first builds the session's small demo; the other worker goes on
# meanwhile with modules that need no demo.
LONGEST_FIRST = (
    "test_daily_replay",
    "test_ingest_formats",  # these two need no demo: the other worker runs them while the first builds it
    "test_ingest_bad_files",
    "test_spark",  # Spark builds every derived table, local[2] here and on a two-worker cluster there: two
    "test_spark_cluster",  # modules, so two workers build them at once (each is minutes alone)
    "test_calibration",
    "test_alerts",
    "test_browser_views",
    "test_bench_quick",
    "test_demo_generator",
    "test_browser_login",
    "test_browser_audit",
    "test_hostile_urls",
    "test_one_version",
    "test_incremental",
    "test_fast_queries",
    "test_upgrade",
    "test_lake",
    "test_ingest_crash",
    "test_browser_live_link",
    "test_demo_build",
    "test_bench_burst",
    "test_balancer",
    "test_ingest_preview",
    "test_browser_map_fragment",
    "test_ingest_property",
    "test_ingest_atomic",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}

    def module(item) -> str:
        return Path(item.nodeid.split("::")[0]).stem

    items.sort(key=lambda item: rank.get(module(item), len(rank)))


@pytest.fixture(scope="session")
def with_dims(tmp_path_factory) -> Path:
    """A database with the dimension files of tests/data/bad/dims/ loaded once; tests load their files into a copy."""
    from burden.ingest.pipeline import load

    def _load(db: Path) -> None:
        assert load(DIMS, db, progress=lambda _: None).ok

    return _shared(tmp_path_factory, "dims", _load)


_DATABASES = itertools.count()  # a fresh PostgreSQL database per test


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server on loopback for the session (tests/pg.py)."""
    from tests.pg import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """An empty ledger and audit store: a SQLite file, or a fresh database on the session's PostgreSQL server."""
    import psycopg

    from burden.ledger import store as ledger_store

    if request.param == "sqlite":
        return ledger_store.open_store(f"sqlite:///{tmp_path / 'burden.duckdb.ledger.sqlite'}")
    server = request.getfixturevalue("postgres")
    name = f"ledger_{next(_DATABASES)}"
    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f"create database {name}")
    return ledger_store.open_store(server.rsplit("/", 1)[0] + "/" + name)
