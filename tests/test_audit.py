"""审计日志 The audit log through both real stores: records keep time, user, role, region, action, target and outcome;
they cannot be changed or deleted; search filters by each; `python -m burden audit export --since` writes them as
CSV; records past the retention are archived with a checksum, never dropped."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from burden import settings
from burden.ledger import audit
from burden.ledger import store as ledger_store

SHANGHAI = ZoneInfo("Asia/Shanghai")


def days_from(start: datetime):
    """A clock that moves one day per record."""
    ticks = itertools.count()
    return lambda: start + timedelta(days=next(ticks))


def test_records_are_kept_whole_and_cannot_be_changed(store):
    log = audit.AuditLog(store, now=days_from(datetime(2026, 1, 5, 9, 30, tzinfo=SHANGHAI)))
    log.record("zhuji.inspector@example.gov.cn", "inspector", "330681", "sign_in")
    log.record("zhuji.inspector@example.gov.cn", "inspector", "330681", "page_view", "/apps?region=330681")
    log.record("zhuji.inspector@example.gov.cn", "inspector", "330681", "export", "apps_table", detail={"rows": 12})
    log.record("nobody@example.gov.cn", "none", None, "denied", "/", outcome="denied")
    found = log.search()
    assert [(r.at[:10], r.action, r.outcome) for r in found] == [
        ("2026-01-05", "sign_in", "ok"),
        ("2026-01-06", "page_view", "ok"),
        ("2026-01-07", "export", "ok"),
        ("2026-01-08", "denied", "denied"),
    ]
    assert found[2].detail == {"rows": 12} and found[1].target == "/apps?region=330681"
    assert found[0].at == "2026-01-05T09:30:00.000+08:00"
    for statement in ("update audit_log set who = 'x'", "delete from audit_log"):
        with pytest.raises(ledger_store.AppendOnly):
            store.execute(statement)
    with pytest.raises(ValueError, match="audit action not one of"):
        log.record("x", "staff", "33", "deleted_everything")
    assert len(log.search()) == 4


def test_search_filters_by_person_role_region_action_and_date(store):
    log = audit.AuditLog(store, now=days_from(datetime(2026, 3, 1, 10, tzinfo=SHANGHAI)))
    people = [("a@x", "inspector", "330681"), ("b@x", "staff", "330281"), ("c@x", "leader", "33")]
    for (who, role, region), action in zip(itertools.cycle(people), ["page_view", "load", "briefing"] * 3):
        log.record(who, role, region, action)
    assert [r.who for r in log.search(who="a@x")] == ["a@x"] * 3
    assert {r.role for r in log.search(role="staff")} == {"staff"}
    assert {r.region for r in log.search(region="3306")} == {"330681"}  # the city holds the county
    assert [r.at[:10] for r in log.search(since=date(2026, 3, 3), until=date(2026, 3, 4))] == [
        "2026-03-03",
        "2026-03-04",
    ]
    assert [r.action for r in log.search(action="load")] == ["load"] * 3


def test_the_command_line_exports_since_a_day(tmp_path):
    url = f"sqlite:///{tmp_path / 'burden.duckdb.ledger.sqlite'}"
    log = audit.AuditLog(ledger_store.open_store(url), now=days_from(datetime(2026, 5, 1, 8, tzinfo=SHANGHAI)))
    for action in ("sign_in", "page_view", "cadre_rows", "sign_out"):
        log.record("zhuji.inspector@example.gov.cn", "inspector", "330681", action, detail={"n": 1})
    done = subprocess.run(
        [sys.executable, "-m", "burden", "audit", "export", "--since", "2026-05-03"],
        env={**os.environ, "BURDEN_LEDGER_URL": url},
        cwd=settings.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["at"], r["action"], r["detail"]) for r in rows] == [
        ("2026-05-03T08:00:00.000+08:00", "cadre_rows", '{"n": 1}'),
        ("2026-05-04T08:00:00.000+08:00", "sign_out", '{"n": 1}'),
    ]


def test_records_past_the_retention_are_archived_with_a_checksum_and_kept(store, tmp_path):
    start = datetime(2025, 1, 1, 12, tzinfo=SHANGHAI)
    for day in range(0, 400, 10):  # a record every ten days for 400 days
        audit.AuditLog(store, now=lambda d=day: start + timedelta(days=d)).record("a@x", "staff", "330681", "load")
    today = start + timedelta(days=400)
    log = audit.AuditLog(store, now=lambda: today)
    made = log.archive(tmp_path / "archive", keep_days=30)  # below the legal floor: 180 days are kept
    cutoff = (today.date() - timedelta(days=180)).isoformat()
    archived = list(csv.DictReader(made.open(encoding="utf-8")))
    assert archived and all(r["at"] < cutoff for r in archived)
    assert len(archived) == sum(r.at < cutoff for r in log.search())
    assert len(log.search()) == 40  # nothing dropped
    with store._transaction() as con:
        cur = con.cursor()
        cur.execute("select file, records, sha256 from audit_archives")
        [(name, records, digest)] = cur.fetchall()
    assert (name, records) == (made.name, len(archived))
    assert digest == hashlib.sha256(made.read_bytes()).hexdigest()
    assert log.archive(tmp_path / "archive") is None  # the same day again: nothing new to archive


def test_a_load_from_the_command_line_is_recorded_with_its_files_and_counts(tmp_path, monkeypatch):
    from burden.__main__ import main

    monkeypatch.setenv("BURDEN_DB", str(tmp_path / "burden.duckdb"))
    monkeypatch.setenv("BURDEN_LEDGER_URL", f"sqlite:///{tmp_path / 'audit.sqlite'}")
    cadres = tmp_path / "干部名册.csv"
    cadres.write_text(
        "干部编号,所属村社,职务,年龄段\r\nC1,330681120219,村委委员,40-49\r\nC2,999999999999,村委委员,40-49\r\n",
        encoding="gbk",
    )
    assert main(["load", str(cadres)]) == 0
    [found] = audit.AuditLog(ledger_store.open_store(settings.ledger_url())).search(action="load")
    assert (found.role, found.target, found.outcome) == ("cli", "干部名册.csv", "ok")
    counts = found.detail["files"]["干部名册.csv"]
    assert (counts["table"], counts["read"], counts["loaded"], counts["rejected"]) == ("cadres", 2, 1, 1)
    assert main(["load", "--dry-run", str(cadres)]) == 0  # a dry run changes nothing, and is not a load
    assert len(audit.AuditLog(ledger_store.open_store(settings.ledger_url())).search(action="load")) == 1
