"""The dashboard's query layer reads while a load runs: no errors, and every read sees the old data or the new."""

from __future__ import annotations

import shutil
import threading
from datetime import date

import duckdb
import polars as pl

from burden import access, db, settings
from burden.ingest.pipeline import load

PERIOD = {"from": date(2023, 10, 1), "to": date(2024, 3, 1)}
# What the Overview asks for: the province and a few counties, pooled and by month.
READS = [
    (name, {"region": region, "children": False, "by_month": by_month, **PERIOD, **extra})
    for name, extra in (("burden_rates", {}), ("apps_per_cadre", {"target": settings.APPS_TARGET}))
    for region in (None, "330681", "330109")
    for by_month in (False, True)
]
MOVED_APP = "P33-01"  # the new events: March 2024 again, under new ids, all in this app


def comparable(frame: pl.DataFrame) -> pl.DataFrame:
    """Floats rounded: parallel sums differ in the last bits from one run to the next."""
    return frame.with_columns(pl.col(pl.Float64, pl.Float32).round(6))


def read_all(con=None) -> list[pl.DataFrame]:
    run = (lambda name, **p: db.run(con, name, **p)) if con is not None else db.query
    return [comparable(run(name, **params)) for name, params in READS]


def test_reads_during_a_load_see_old_or_new_never_a_mix(small_db, tmp_path, use_db, monkeypatch):
    path = use_db(tmp_path / "burden.duckdb")
    shutil.copyfile(small_db, path)
    new = tmp_path / "new-events.parquet"
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute(
            f"copy (select * replace (event_id + 10_000_000_000 as event_id, '{MOVED_APP}' as app_id) "
            f"from app_events where ts >= '2024-03-01') to '{new}' (format parquet)"
        )
        old = read_all(con)
    monkeypatch.setattr(db, "_MAX_RESULTS", 0)  # no result cache: every read goes to the file

    seen: list[tuple[int, pl.DataFrame]] = []
    errors: list[BaseException] = []
    loading = threading.Event()
    loading.set()
    first_pass = [threading.Event() for _ in range(4)]

    def reader(offset: int) -> None:
        with access.using(access.local_scope()):  # a new thread starts without the test's scope (a ContextVar)
            read_on(offset)

    def read_on(offset: int) -> None:
        after_load = 0
        while after_load < 3:  # read on until a few full passes after the load
            if not loading.is_set():
                after_load += 1
            for i in range(len(READS)):
                index = (i + offset) % len(READS)
                name, params = READS[index]
                try:
                    seen.append((index, comparable(db.query(name, **params))))
                except BaseException as exc:  # noqa: BLE001 - any error at all fails the test
                    errors.append(exc)
            first_pass[offset].set()

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    under_way = all(reading.wait(60) for reading in first_pass)  # every reader has read the old data once
    if not under_way:
        loading.clear()  # the readers stop after their next passes
    assert under_way, "the readers did not start"
    started = len(seen)
    report = load([new], path, progress=lambda message: None)
    during = len(seen) - started
    loading.clear()
    for thread in threads:
        thread.join(timeout=120)

    assert report.ok, report.messages
    assert errors == []
    with duckdb.connect(str(path), read_only=True) as con:
        after = read_all(con)
    changed = [i for i in range(len(READS)) if not old[i].equals(after[i])]
    assert len(changed) >= len(READS) // 2, changed  # the load moves the figures: old and new can be told apart
    versions = {"old": 0, "new": 0}
    for index, frame in seen:
        if frame.equals(old[index]):
            versions["old"] += 1
        else:
            assert frame.equals(after[index]), f"read {READS[index]} is neither the old nor the new data"
            versions["new"] += 1
    assert during > 0 and versions["old"] > 0 and versions["new"] > 0, (during, versions)
    assert seen[-1][1].equals(after[seen[-1][0]])  # and the dashboard switched to the new data
