"""The metric registry (burden/metrics.toml): its rules, and that what it declares is what the app computes."""

from __future__ import annotations

from datetime import date

import pytest

from burden import access, db, metrics, settings, summary
from burden.charts import theme
from burden.i18n import EN, ZH
from burden.views import overview
from tests.apptest_util import open_view

REGION, MONTH = "330681", date(2023, 6, 1)  # 诸暨市, a complete month of the small demo, mid-campaign


def test_the_registry_keeps_its_rules():
    assert metrics.problems() == []
    assert len(metrics.all_metrics()) >= 15


def test_every_metric_text_exists_in_both_languages():
    for metric in metrics.all_metrics():
        for key in (metric.label, metric.help, metric.unit):
            assert key in ZH and key in EN, f"{metric.id}: {key}"
        assert isinstance(getattr(theme, metric.colour, None), str), f"{metric.id}: no theme colour {metric.colour}"


def test_the_rules_catch_a_bad_entry(monkeypatch):
    bad = metrics.Metric(
        id="Bad-Id", type="ratio", label="x", help="x", doc="x", format="pct", digits=1, unit="x",
        direction="up", colour="HELD", on=("card:nowhere",), numerator="submits",
    )  # fmt: skip
    original = metrics.all_metrics()
    monkeypatch.setattr(metrics, "all_metrics", lambda: (*original, bad))
    found = " ".join(metrics.problems())
    for problem in ("not snake_case", "format 'pct'", "direction 'up'", "numerator and a denominator", "surface"):
        assert problem in found


def test_every_metric_column_is_served(small_db):
    """Each ratio's parts are columns of burden_rates, and each metric's column is in its query's frame."""
    period = {"from": MONTH, "to": MONTH, "children": False, "by_month": False}
    with access.using(access.Scope("local", "33", "local")), db.connect(small_db) as con:
        frames = {
            "burden_rates": db.run(con, "burden_rates", region=REGION, **period),
            "apps_per_cadre": db.run(con, "apps_per_cadre", region=REGION, target=settings.APPS_TARGET, **period),
        }
    for metric in metrics.all_metrics():
        frame = frames[metric.query]
        assert metric.column in frame.columns, metric.id
        if metric.type == "ratio":
            assert {metric.numerator, metric.denominator} <= set(frame.columns), metric.id
            assert frame[metric.column][0] is not None, metric.id


def test_checkins_per_cadre_week_is_a_headline_metric_everywhere(small_db, use_db):
    """Added through the registry alone: summary, the Overview's cards, the map, the briefing, the ranking."""
    metric = metrics.get("checkins_per_cadre_week")
    for surface in ("summary", "map", "briefing", "ranking", "card:overview"):
        assert metric in metrics.on(surface), surface
    use_db(small_db)
    values = summary.summary(REGION, "2023-01", "2023-06")["metrics"][metric.id]
    assert values["baseline"] > values["latest"] > 0  # the demo's apps drop their check-ins under remediation
    assert metric.id in overview.map_metrics()


def test_checkins_per_cadre_week_equals_a_recount_from_the_raw_events(small_db, use_db):
    """Check-in events of the region's cadres in a complete month, divided by cadres x days / 7."""
    use_db(small_db)
    shown = summary.summary(REGION, "2023-01", "2023-06")["metrics"]["checkins_per_cadre_week"]["latest"]
    with db.connect(small_db) as con:
        checkins, cadres = con.execute(
            """
            select
                (select count(*) from app_events e join cadres c using (cadre_id)
                 where e.action = 'checkin' and starts_with(c.region_code, $region)
                   and e.ts >= $month and e.ts < $month + interval 1 month),
                (select count(*) from cadres where starts_with(region_code, $region))
            """,
            {"region": REGION, "month": MONTH},
        ).fetchone()
    assert checkins > 0
    assert shown == pytest.approx(checkins / (cadres * 30 / 7), rel=1e-12)


def test_a_metric_whose_column_the_database_lacks_stops_the_page_with_a_notice(small_db, use_db, caplog, monkeypatch):
    """Freshness is checked against the registry too: an entry naming a column no rollup of the file has."""
    use_db(small_db)
    tables = db.query("derived_versions")
    served = set(dict(zip(tables["table_name"], tables["columns"].to_list(), strict=True))["region_month"])
    assert metrics.missing_columns(served) == {}  # every ratio's parts are columns of region_month
    assert metrics.missing_columns(served - {"checkins"}) == {"checkins_per_cadre_week": ["checkins"]}
    ghost = metrics.Metric(
        id="ghost_rate", type="ratio", label="metric.checkins", help="def.checkins", doc="checkins_per_cadre_week",
        format="number", digits=1, unit="unit.checkins_week", direction="lower_is_better", colour="HELD",
        on=("summary",), numerator="ghosts", denominator="cadre_weeks",
    )  # fmt: skip
    original = metrics.all_metrics()
    monkeypatch.setattr(metrics, "all_metrics", lambda: (*original, ghost))
    at = open_view("app_pages/overview.py", {"lang": "en"})
    assert [e.value for e in at.error] == [EN["notice.stale_db"].format(tables="ghost_rate (ghosts)")]
    assert not at.metric
    assert any("lacks columns the metric registry needs" in r.getMessage() for r in caplog.records)
