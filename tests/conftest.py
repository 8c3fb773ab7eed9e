"""Shared fixtures: deterministic demo databases built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DIMS = [Path(__file__).parent / "data" / "bad" / "dims" / name for name in ("apps.csv", "cadres.csv")]

# Small enough to build in seconds, large enough to hold every county and seed place.
SMALL_SCALE = 0.1
TEST_SEED = 20231101


def _build(path: Path, scale: float) -> Path:
    from burden.demo.build import build_demo

    build_demo(path, scale=scale, seed=TEST_SEED, force=True)
    return path


@pytest.fixture(scope="session")
def small_db(tmp_path_factory) -> Path:
    """A small demo database (fixed seed)."""
    return _build(tmp_path_factory.mktemp("small") / "burden.duckdb", SMALL_SCALE)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The default demo database, as `make demo` builds it (scenario seed, scale 1)."""
    from burden.demo.build import build_demo

    path = tmp_path_factory.mktemp("demo") / "burden.duckdb"
    build_demo(path, scale=1.0, seed=None, force=True)
    return path


@pytest.fixture(scope="session")
def to_date_db(small_db, tmp_path_factory) -> Path:
    """The small demo with its last month (March 2024) cut after day 6: a month to date, derived tables rebuilt.
    Tests that load into it work on a copy."""
    import shutil

    import duckdb

    from burden import rollups

    path = tmp_path_factory.mktemp("to_date") / "burden.duckdb"
    shutil.copyfile(small_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute("set TimeZone = 'Asia/Shanghai'")
        for table in ("app_events", "photo_uploads"):
            con.execute(f"delete from {table} where ts >= timestamptz '2024-03-07 00:00:00+08'")
        con.execute("update load_meta set value = '2024-03-06' where key = 'as_of'")
        rollups.build(con)
    return path


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


@pytest.fixture(scope="session")
def with_dims(tmp_path_factory) -> Path:
    """A database with the dimension files of tests/data/bad/dims/ loaded once; tests load their files into a copy."""
    from burden.ingest.pipeline import load

    db = tmp_path_factory.mktemp("dims") / "dims.duckdb"
    assert load(DIMS, db, progress=lambda _: None).ok
    return db
