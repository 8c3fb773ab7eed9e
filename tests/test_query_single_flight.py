"""db.query under a meeting burst: sessions asking the same uncached query at once share one run."""

from __future__ import annotations

import threading

from burden import access, db


def _fresh_cache(monkeypatch):
    monkeypatch.setattr(db, "_results", type(db._results)())


class _Waits(threading.Condition):
    """db's lock, telling when `sessions` sessions have started waiting for another's run of their query."""

    def __init__(self, sessions: int):
        super().__init__()
        self.sessions, self.waits, self.all_waiting = sessions, 0, threading.Event()

    def wait(self, timeout=None):
        self.waits += 1  # called with the lock held
        if self.waits >= self.sessions:
            self.all_waiting.set()
        return super().wait(timeout)


def _count_waits(monkeypatch, sessions: int) -> _Waits:
    lock = _Waits(sessions)
    monkeypatch.setattr(db, "_lock", lock)
    return lock


def test_concurrent_identical_queries_run_once_and_all_get_the_result(small_db, use_db, monkeypatch):
    use_db(small_db)
    _fresh_cache(monkeypatch)
    lock = _count_waits(monkeypatch, 7)
    calls, real_run = [], db.run

    def slow_run(con, name, **params):
        calls.append(name)
        assert lock.all_waiting.wait(30), "the other seven sessions wait while the first runs the query"
        return real_run(con, name, **params)

    monkeypatch.setattr(db, "run", slow_run)
    start = threading.Barrier(8)
    results = [None] * 8

    def ask(i):
        start.wait()
        results[i] = db.query("data_period")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert calls == ["data_period"]
    expected = real_run(db.connect(small_db), "data_period")
    assert all(r is not None and r.equals(expected) for r in results)
    # other parameters are another query: it runs on its own
    db.query("region_info", region="330681")
    assert calls == ["data_period", "region_info"]


def test_a_failed_first_run_lets_the_waiting_session_try_itself(small_db, use_db, monkeypatch):
    use_db(small_db)
    _fresh_cache(monkeypatch)
    lock = _count_waits(monkeypatch, 1)
    calls, real_run = [], db.run
    first_started = threading.Event()

    def flaky_run(con, name, **params):
        calls.append(name)
        if len(calls) == 1:
            first_started.set()
            assert lock.all_waiting.wait(30), "the second session waits for the first run"
            raise db.QueryError("the first run failed")
        return real_run(con, name, **params)

    monkeypatch.setattr(db, "run", flaky_run)
    errors, results = [], []

    def first():
        try:
            with access.using(access.local_scope()):  # the test's scope: a new thread starts without it
                db.query("data_period")
        except db.QueryError as exc:
            errors.append(str(exc))

    thread = threading.Thread(target=first)
    thread.start()
    first_started.wait(10)
    results.append(db.query("data_period"))  # waits for the first, then runs itself
    thread.join(10)
    assert errors == ["the first run failed"] and len(calls) == 2 and results[0].height == 1
