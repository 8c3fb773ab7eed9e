"""`summary`: JSON shape and values on a small hand-made database; bad requests exit 2 with one line."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from burden import db, rollups, settings, summary
from burden.__main__ import main
from tests.test_duplicates import add_cadres, add_events, new_db

BASELINE = [date(2022, 10, 1), date(2022, 11, 1), date(2022, 12, 1)]
CAMPAIGN = [date(2023, 1, 1), date(2023, 2, 1), date(2023, 3, 1)]


def _events() -> list[tuple]:
    rows: list[tuple] = []

    def add(cadre, app, action, day, key=None, minute=0):
        event_id = len(rows) + 1
        ts = datetime(day.year, day.month, day.day, 9) + timedelta(minutes=minute)
        rows.append((event_id, ts, cadre, app, action, 600, key, "visit", f"t{event_id}"))

    for month in BASELINE:  # c1: one visit entered in A and again in B (a duplicate), plus C; c2: A
        day = month + timedelta(days=4)
        add("c1", "A", "submit", day, "h1")
        add("c1", "B", "submit", day, "h1", minute=60)
        add("c1", "C", "open", day)
        add("c2", "A", "submit", day, "h2")
    for month in CAMPAIGN[:2]:
        add("c1", "A", "submit", month + timedelta(days=4), "h1")
        add("c2", "A", "submit", month + timedelta(days=4), "h2")
    march = date(2023, 3, 6)
    add("c1", "A", "submit", march, "h1")
    add("c2", "A", "submit", march, "h3")
    add("c2", "B", "submit", march, "h4", minute=5)
    add("c3", "D", "submit", march, "x1")
    return rows


@pytest.fixture
def hand_db(tmp_path, use_db, monkeypatch):
    monkeypatch.setattr(settings, "APPS_TARGET", 3)
    path = tmp_path / "hand.duckdb"
    con = new_db(path)
    add_cadres(con, [("c1", "330681120219"), ("c2", "330681104"), ("c3", "330109001")])
    opened = date(2022, 1, 1)
    accounts = [("c1", app, opened, date(2023, 2, 15) if app != "A" else None) for app in "ABCD"]
    accounts += [("c2", "A", opened, None), ("c2", "B", opened, None), ("c3", "D", opened, None)]
    con.executemany("insert into app_accounts values (?, ?, ?, ?)", accounts)
    add_events(con, _events())
    photos = [
        (i, datetime(m.year, m.month, 5, 9), "c1", "A", f"p{i}", "proof", 1000, True, False)
        for i, m in enumerate(BASELINE)
    ]
    photos += [(10 + i, datetime(2023, 3, 6, 9), "c2", "A", "t99", "proof", 1000, True, i == 0) for i in range(3)]
    con.executemany("insert into photo_uploads values (?, ?, ?, ?, ?, ?, ?, ?, ?)", photos)
    cases = [
        ("k1", "B", "330681", "done", date(2023, 2, 10)),
        ("k2", "C", "330681104", "planned", None),
        ("k3", "D", "330109", "done", date(2023, 1, 5)),
    ]
    for case_id, app_id, scope, status, done_on in cases:
        con.execute(
            "insert into remediation_cases (case_id, app_id, scope_region_code, finding, action, status, source, "
            "identified_on, done_on) values (?, ?, ?, 'zombie', 'delete', ?, 'inspection', date '2022-12-01', ?)",
            [case_id, app_id, scope, status, done_on],
        )
    rollups.build(con)
    con.close()
    return use_db(path)


def test_default_period_ends_at_the_last_complete_month(hand_db):
    """The data ends on 2023-03-06: March is a month to date, so the default latest month is February."""
    result = summary.summary("330681", None, None)
    assert result["period"] == {
        "from": "2023-01",
        "to": "2023-02",
        "baseline": ["2022-10", "2022-12"],
        "as_of": "2023-03-06",
        "month_to_date": None,
    }
    # February: c1 and c2 one 600 s entry each, over 2 cadres x 28 days
    hours = result["metrics"]["fingertip_hours_per_cadre_week"]["latest"]
    assert hours == pytest.approx(2 * 600 / 3600 / (2 * 28 / 7))


def test_county_summary_shape_and_values(hand_db):
    result = summary.summary("330681", None, "2023-03")
    assert result["region"] == {"code": "330681", "name": "诸暨市", "name_en": "Zhuji", "level": "county"}
    assert result["period"] == {
        "from": "2023-01",
        "to": "2023-03",
        "baseline": ["2022-10", "2022-12"],
        "as_of": "2023-03-06",
        "month_to_date": {"days": 6, "days_in_month": 31},
    }
    m = result["metrics"]
    # held: baseline c1 4, c2 2 in each of 3 months; March c1 1 (B-D closed in Feb), c2 2
    assert m["apps_held_per_cadre_median"] == {"baseline": 3.0, "latest": 1.5}
    assert m["apps_held_per_cadre_mean"] == {"baseline": 3.0, "latest": 1.5}
    assert m["apps_held_per_cadre_p90"] == {"baseline": 4.0, "latest": pytest.approx(1.9)}
    assert m["share_cadres_above_target"] == {"baseline": 0.5, "latest": 0.0}  # target 3: held 4 > 3
    # used: baseline c1 3 (A, B, C), c2 1; March c1 1, c2 2
    assert m["apps_used_per_cadre_median"] == {"baseline": 2.0, "latest": 1.5}
    assert m["apps_used_per_cadre_p90"] == {"baseline": 3.0, "latest": pytest.approx(1.9)}
    assert m["duplicate_entry_rate"] == {"baseline": pytest.approx(3 / 9), "latest": 0.0}
    # 600 s per event; baseline 12 events over 2 cadres x 92 days; March (to date) 3 events over 2 cadres x 6 days
    assert m["fingertip_hours_per_cadre_week"]["baseline"] == pytest.approx(12 * 600 / 3600 / (2 * 92 / 7))
    assert m["fingertip_hours_per_cadre_week"]["latest"] == pytest.approx(3 * 600 / 3600 / (2 * 6 / 7))
    assert m["photos_per_task"] == {"baseline": pytest.approx(3 / 9), "latest": 1.0}  # March: 3 photos, 3 tasks
    assert m["remediation_progress"] == {"baseline": 0.0, "latest": 0.5}  # k1 of k1, k2 done in Feb


def test_province_and_explicit_period(hand_db):
    result = summary.summary("33", "2022-11", "2023-02")
    assert result["period"]["from"] == "2022-11" and result["period"]["to"] == "2023-02"
    m = result["metrics"]
    assert m["remediation_progress"] == {"baseline": 0.0, "latest": pytest.approx(2 / 3)}
    # February's end: c1 holds A only (B-D closed on the 15th), c2 holds A and B, c3 holds D
    assert m["apps_held_per_cadre_median"] == {"baseline": 2.0, "latest": 1.0}
    assert m["apps_held_per_cadre_mean"]["latest"] == pytest.approx(4 / 3)
    assert m["duplicate_entry_rate"]["latest"] == 0.0


def test_print_json(hand_db, capsys):
    assert main(["summary", "--region", "330681", "--from", "2023-01", "--to", "2023-03", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) >= {"region", "period", "metrics"}
    assert set(printed["metrics"]) >= {
        "apps_held_per_cadre_median",
        "apps_used_per_cadre_median",
        "share_cadres_above_target",
        "duplicate_entry_rate",
        "photos_per_task",
        "fingertip_hours_per_cadre_week",
        "remediation_progress",
    }
    assert printed["metrics"]["remediation_progress"]["latest"] == 0.5


def test_print_table_is_aligned(hand_db, capsys):
    assert summary.print_summary("330681", None, "2023-03", "table") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("诸暨市 (330681, county)")
    assert lines[1] == "2023-03 is a month to date: 6 of 31 days"
    assert len({len(line) for line in lines[2:]}) == 1
    assert any(line.split() == ["duplicate_entry_rate", "33.3%", "0.0%"] for line in lines)


@pytest.mark.parametrize(
    ("region", "start", "end", "message"),
    [
        ("999999", None, None, "unknown region code '999999'"),
        ("330681", "2023-13", None, "bad --from month '2023-13'"),
        ("330681", None, "2023/03", "bad --to month '2023/03'"),
        ("330681", "2023-03", "2023-01", "--from 2023-03 is after --to 2023-01"),
        ("330681", "2021-01", None, "outside the data (2022-10..2023-03)"),
    ],
)
def test_bad_request_exits_2_with_one_line(hand_db, capsys, region, start, end, message):
    assert summary.print_summary(region, start, end, "json") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and message in captured.err


def test_missing_database_exits_2(tmp_path, use_db, capsys):
    use_db(tmp_path / "none.duckdb")
    assert summary.print_summary("33", None, None, "table") == 2
    assert "does not exist" in capsys.readouterr().err


def test_rebuild_with_another_campaign_start(hand_db):
    rollups.rebuild(hand_db, campaign_start=date(2022, 12, 15))
    period = summary.summary("330681", None, None)["period"]
    assert (period["from"], period["baseline"]) == ("2022-12", ["2022-10", "2022-11"])


def test_campaign_start_from_load_meta(hand_db):
    con = db.connect(hand_db, read_only=False)
    con.execute("insert into load_meta values ('campaign_start', '2022-11')")
    assert rollups.campaign_start_for(con) == date(2022, 11, 1)
    assert rollups.campaign_start_for(con, date(2023, 2, 3)) == date(2023, 2, 1)
    con.close()
