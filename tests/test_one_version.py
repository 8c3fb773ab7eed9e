"""One page, one data version: a load swapping the database file mid-render never mixes old and new figures.

Two versions of the small demo: A lacks the data's last day (2024-03-31), B is A plus that day, loaded by
the loader. They differ in March's figures and in the as-of date, so a page that read its period from one
and its figures from the other matches neither. A hook in db.run swaps the live file (the loader's own last
step, storage.swap_in) between two queries of one run, at many points of the run.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import duckdb
import polars as pl
import pytest

from burden import access, db, filters, rollups
from burden.ingest.pipeline import load
from burden.ingest.storage import staging_path, swap_in
from burden.views import overview, overview_alerts
from tests.apptest_util import open_view, page_figures
from tests.lakes import delete_logs

LAST_DAY = "2024-03-31"
# An explicit period: both versions show March as the latest month whatever the default latest month is.
LINK = {"from": "2023-10", "to": "2024-03"}


@pytest.fixture(scope="module")
def versions(small_db, tmp_path_factory) -> dict[str, Path]:
    """{"A": the demo without its last day, "B": A with that day loaded}."""
    folder = tmp_path_factory.mktemp("versions")
    day = folder / "day"
    day.mkdir()
    a, b = folder / "A.duckdb", folder / "B.duckdb"
    shutil.copyfile(small_db, a)
    with duckdb.connect(str(a)) as con:
        for table in ("app_events", "photo_uploads"):
            con.execute(f"copy (from {table} where ts >= '{LAST_DAY}') to '{day / table}.parquet'")
            delete_logs(con, a, table, f"ts >= '{LAST_DAY}'")
        con.execute("update load_meta set value = '2024-03-30' where key = 'as_of'")
        rollups.build(con)
        con.execute("checkpoint")
    shutil.copyfile(a, b)
    report = load([day], b, progress=lambda message: None)
    assert report.ok and report.rows("app_events") > 3000, report.messages
    return {"A": a, "B": b}


def swap(live: Path, source: Path) -> None:
    """What a load does last: a complete file beside the live one, renamed over it."""
    staging = staging_path(live)
    shutil.copyfile(source, staging)
    swap_in(staging, live)


def _figures_rounded(frame: pl.DataFrame) -> pl.DataFrame:
    """Floats rounded: parallel sums differ in the last bits from one run to the next."""
    return frame.with_columns(pl.col(pl.Float64, pl.Float32).round(6))


class SwapAfter:
    """Wraps db.query: after the k-th query of a render the live file is swapped for the other version.

    Renders are counted per thread (view models rendered side by side), or as one (AppTest runs each page
    run in a thread of its own, one run at a time)."""

    def __init__(self, monkeypatch, live: Path, versions: dict[str, Path], per_thread: bool = False):
        self.live, self.versions, self.swaps = live, versions, 0
        self.current = ""  # the version the live file holds
        self._key = threading.get_ident if per_thread else (lambda: 0)
        self.at: dict[int, int] = {}  # render -> the query after which to swap (0: never)
        self.counts: dict[int, int] = {}  # render -> queries run so far
        self._lock = threading.Lock()
        self._real = db.query
        monkeypatch.setattr(db, "query", self._query)

    def load(self, name: str) -> None:
        with self._lock:  # one load at a time, as the loader's lock file ensures
            swap(self.live, self.versions[name])
            self.current = name

    def arm(self, k: int) -> None:
        key = self._key()
        self.at[key], self.counts[key] = k, 0

    def queries(self) -> int:
        return self.counts[self._key()]

    def _query(self, name, **params):
        frame = self._real(name, **params)
        key = self._key()
        self.counts[key] += 1
        if self.counts[key] == self.at[key]:
            self.load("B" if self.current == "A" else "A")
            self.swaps += 1
        return frame


# The Overview (21 queries): every third gap and the last; the other pages: first, middle and last gap
PAGE_SWAP_POINTS = {"app_pages/overview.py": 3}


def test_a_page_run_reads_one_version_when_a_load_lands_between_its_queries(versions, use_db, monkeypatch, tmp_path):
    from burden.web.frame import PAGES

    live = use_db(tmp_path / "burden.duckdb")
    refs: dict[tuple[str, str], tuple] = {}
    queries: dict[str, int] = {}
    hook = SwapAfter(monkeypatch, live, versions)
    for page, *_ in PAGES:
        for name in ("A", "B"):
            hook.load(name)
            hook.arm(0)
            refs[page, name] = page_figures(open_view(page, LINK))
            queries[page] = hook.queries()
        assert refs[page, "A"] != refs[page, "B"], page  # the versions can be told apart on every page

    checked = 0
    for page, *_ in PAGES:
        n = queries[page]
        step = PAGE_SWAP_POINTS.get(page)
        points = sorted({*range(1, n, step), n - 1}) if step else sorted({1, n // 2, n - 1})
        for k in points:
            start = hook.current
            hook.load(start)  # a fresh file: nothing of it is in the result cache yet
            hook.arm(k)
            swaps = hook.swaps
            figures = page_figures(open_view(page, LINK))
            assert hook.swaps == swaps + 1, (page, k)  # the load landed mid-run
            assert figures == refs[page, start], f"{page}: a load after query {k} of {n} mixed versions"
            checked += 1
    assert checked >= 25 and min(queries.values()) >= 4, queries


def _plain(value):
    """Figures as plain values, floats rounded (parallel sums differ in the last bits from run to run)."""
    if isinstance(value, pl.DataFrame):
        return _plain(value.rows())
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return round(value, 6) if isinstance(value, float) else value


def overview_figures(state: filters.ViewState, default: filters.ViewState) -> tuple:
    """What an Overview run reads (period, cards, trend, ranking, map, alerts), pinned as dashboard.py pins it."""
    with db.one_version():
        period = db.query("data_period")
        data = overview.load(state)
        county_map = overview.county_map(state, "apps_held_per_cadre_median")
        alerts = overview_alerts.alerts(state, default)
    return _plain(
        (period, data.headline, data.trend, data.ranking, county_map.drawn, [(a.label, a.detail) for a in alerts])
    )


def test_overview_rendered_side_by_side_while_loads_swap_shows_one_version_each(
    versions, use_db, monkeypatch, tmp_path
):
    live = use_db(tmp_path / "burden.duckdb")
    state = filters.ViewState(start=LINK["from"], end=LINK["to"])
    default = filters.ViewState(start="2022-10", end="2024-03")
    hook = SwapAfter(monkeypatch, live, versions, per_thread=True)
    refs = {}
    for name in ("A", "B"):
        hook.load(name)
        hook.arm(0)
        refs[overview_figures(state, default)] = name
        queries = hook.queries()
    assert len(refs) == 2 and queries >= 10, queries
    hook.load("A")  # a fresh file: nothing of it is in the result cache yet

    renders, threads_n = 12, 3
    seen: list[tuple[str | None, bool]] = []  # (version matched, a load landed during the render)
    errors: list[BaseException] = []

    def renderer(offset: int) -> None:
        with access.using(access.local_scope()):  # a new thread starts without the test's scope
            for i in range(renders):
                hook.arm(1 + (offset + i * threads_n) % (queries - 1))  # every gap of the run, in turn
                before = hook.swaps
                try:
                    figures = overview_figures(state, default)
                except BaseException as exc:  # noqa: BLE001 - any error at all fails the test
                    errors.append(exc)
                    return
                seen.append((refs.get(figures), hook.swaps != before))

    threads = [threading.Thread(target=renderer, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == [] and len(seen) == renders * threads_n
    assert [version for version, _ in seen if version is None] == []  # never a mix
    assert {version for version, _ in seen} == {"A", "B"}, (seen, hook.swaps)
    assert sum(landed for _, landed in seen) >= renders * threads_n // 2, seen  # loads landed mid-render
