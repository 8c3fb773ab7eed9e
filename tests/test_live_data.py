"""A month the data has not finished is a month to date: rates count the days observed, views default to the
last complete month, and a shared link says when rows arrived for its months after it was made."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from burden import db, metrics, summary
from burden.i18n import EN, ZH, fmt_num
from burden.ingest.pipeline import load
from tests.apptest_util import open_view


def test_the_last_month_is_a_month_to_date(to_date_db):
    with duckdb.connect(str(to_date_db), read_only=True) as con:
        rows = con.execute(
            "select month, is_partial, days, days_in_month, observed_to from months where month >= '2024-02-01'"
        ).fetchall()
        period = db.run(con, "data_period").row(0, named=True)
    assert rows == [
        (date(2024, 2, 1), False, 29, 29, date(2024, 2, 29)),
        (date(2024, 3, 1), True, 6, 31, date(2024, 3, 6)),
    ]
    assert (period["last_month"], period["last_complete_month"]) == (date(2024, 3, 1), date(2024, 2, 1))
    assert (period["partial_month"], period["partial_days"], period["partial_days_in_month"]) == (
        date(2024, 3, 1),
        6,
        31,
    )


def test_rates_per_cadre_week_count_the_days_observed(to_date_db, use_db):
    """Recounted from the raw events: March's fingertip hours over cadres x 6/7 weeks, not 31/7."""
    use_db(to_date_db)
    with duckdb.connect(str(to_date_db), read_only=True) as con:
        con.execute("set TimeZone = 'Asia/Shanghai'")
        seconds, photo_seconds = con.execute(
            "select sum(duration_s), sum(duration_s) filter (where action = 'photo') from app_events "
            "where ts >= timestamptz '2024-03-01 00:00:00+08'"
        ).fetchone()
        cadres = con.execute("select count(*) from cadres").fetchone()[0]
    march = summary.summary("33", None, "2024-03")
    assert march["period"]["month_to_date"] == {"days": 6, "days_in_month": 31}
    metrics = march["metrics"]
    assert metrics["fingertip_hours_per_cadre_week"]["latest"] == pytest.approx(seconds / 3600 / (cadres * 6 / 7))
    assert metrics["photo_minutes_per_cadre_week"]["latest"] == pytest.approx(photo_seconds / 60 / (cadres * 6 / 7))
    # the campaign is over and the load steady: six days read like a whole month, not an 80% fall
    february = summary.summary("33", None, "2024-02")["metrics"]
    for key in ("fingertip_hours_per_cadre_week", "photo_minutes_per_cadre_week"):
        assert metrics[key]["latest"] == pytest.approx(february[key]["latest"], rel=0.15), key
    assert summary.summary("33", None, None)["period"]["to"] == "2024-02"


def test_apps_held_in_a_month_to_date_are_held_on_its_last_day(to_date_db):
    with duckdb.connect(str(to_date_db), read_only=True) as con:
        held = con.execute("select count(*) from app_cadre_month where month = '2024-03-01' and is_held").fetchone()[0]
        expected = con.execute(
            "select count(*) from (select distinct cadre_id, app_id from app_accounts "
            "where opened_on <= date '2024-03-06' and (closed_on is null or closed_on > date '2024-03-06'))"
        ).fetchone()[0]
    assert held == expected > 0


def card_values(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_defaults_to_the_last_complete_month_and_labels_the_month_to_date(to_date_db, use_db, lang):
    use_db(to_date_db)
    catalogue = ZH if lang == "zh" else EN
    hours_label = catalogue["metric.fingertip_hours"]

    at = open_view("app_pages/overview.py", {"lang": lang})
    assert at.selectbox(key="f_to").value == "2024-02"
    expected = summary.summary("33", None, "2024-02")["metrics"]["fingertip_hours_per_cadre_week"]["latest"]
    assert card_values(at)[hours_label] == fmt_num(expected)
    assert not [i for i in at.info if "2024-03" in i.value]  # no month-to-date notice on a complete month

    at = open_view("app_pages/overview.py", {"lang": lang, "to": "2024-03"})
    expected = summary.summary("33", None, "2024-03")["metrics"]["fingertip_hours_per_cadre_week"]["latest"]
    assert card_values(at)[hours_label] == fmt_num(expected)
    label = "2024-03 (1–6日)" if lang == "zh" else "Mar 2024, days 1–6"
    assert any(label in i.value for i in at.info), [i.value for i in at.info]
    days = catalogue["metric.month_to_date"].format(days=6, total=31)
    assert sum(days in c.value for c in at.caption) == len(metrics.cards("overview"))  # a note under each card
    assert any(label in s.value for s in at.subheader)


def later_day_with_late_rows(db: Path, out: Path) -> Path:
    """A file of the next day's events (6 March's again, a day later) plus late rows: 10 January, 08:00-09:00 again."""
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute(
            f"copy (select * replace (event_id + 20000000000 as event_id, "
            f"case when ts < '2024-01-11' then ts else ts + interval 1 day end as ts) from app_events "
            f"where (ts >= '2024-01-10 08:00' and ts < '2024-01-10 09:00') or ts >= '2024-03-06' "
            f"order by ts, cadre_id) to '{out}' (format parquet)"
        )
    return out


def test_a_later_load_marks_the_months_that_received_rows(to_date_db, tmp_path, use_db):
    """Rows for 7 March (a new day of the month to date) and late rows for 10 January arrive after a link made
    on data as of 6 March: the link's months up to March are named; a link to a period before them is not."""
    path = tmp_path / "burden.duckdb"
    shutil.copyfile(to_date_db, path)
    day = later_day_with_late_rows(path, tmp_path / "day.parquet")
    assert load([day], path, progress=lambda _: None).ok
    use_db(path)
    arrived = db.query("late_arrivals", asof=date(2024, 3, 6), to=date(2024, 3, 1))
    assert arrived["month"].to_list() == [date(2024, 1, 1), date(2024, 3, 1)]
    assert db.query("late_arrivals", asof=date(2024, 3, 6), to=date(2023, 12, 1)).height == 0
    assert db.query("late_arrivals", asof=date(2024, 3, 7), to=date(2024, 3, 1)).height == 0  # made after the load

    at = open_view("app_pages/overview.py", {"lang": "en", "from": "2023-01", "to": "2024-02", "asof": "2024-03-06"})
    warnings = [w.value for w in at.warning]
    assert any("as of 2024-03-06. Rows for 2024-01 have arrived since" in w for w in warnings), warnings
    at = open_view("app_pages/overview.py", {"lang": "en", "from": "2023-01", "to": "2023-12", "asof": "2024-03-06"})
    assert not [w for w in at.warning if "arrived" in w.value]
    assert db.query("data_period")["as_of"][0] == date(2024, 3, 7)


def test_the_cadre_list_and_the_what_if_count_the_days_observed(to_date_db):
    """The same denominator in the village's cadre list and the what-if as in the headline: 6 days of March."""
    village, march = "330681120219", date(2024, 3, 1)
    with db.connect(to_date_db) as con:
        con.execute("set TimeZone = 'Asia/Shanghai'")
        raw = dict(
            con.execute(
                "select cadre_id, sum(duration_s) from app_events where ts >= timestamptz '2024-03-01 00:00:00+08' "
                "and cadre_id in (select cadre_id from cadres where region_code = $v) group by 1",
                {"v": village},
            ).fetchall()
        )
        listed = db.run(con, "cadres_in_region", region=village, month=march)
        whatif = db.run(con, "whatif_apps_per_cadre", region="330681", to=march, delete=(), merge_from=(), merge_to=())
        rates = db.run(
            con, "burden_rates", region="330681", children=False, by_month=False, **{"from": march, "to": march}
        )
    assert len(raw) == listed.height > 0
    for row in listed.iter_rows(named=True):
        assert row["fingertip_hours_per_week"] == pytest.approx(raw[row["cadre_id"]] / 3600 / (6 / 7))
    hours = whatif.filter(whatif["region_code"] == "330681")["hours_per_cadre_week"].to_list()
    assert hours == [pytest.approx(rates["fingertip_hours_per_cadre_week"][0])]
