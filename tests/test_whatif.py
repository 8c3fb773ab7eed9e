"""The what-if projection equals an independent recomputation from the raw logs (Polars over app_events)."""

from __future__ import annotations

import calendar
from datetime import date
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from burden import db
from burden.views.whatif import Choice

DELETE = ("P33-04", "K330681-01")
MERGE = (("C3306-01", "K330681-01"), "P33-01")  # two apps into 浙政钉; K330681-01 is also deleted in one case


@cache
def _month_logs(path: str, month: date) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """All cadres, the month's raw events and the accounts open at its end, straight from the base tables."""
    con = db.connect(Path(path))
    end = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
    cadres = con.sql("select cadre_id, region_code from cadres").pl()
    events = con.sql(
        "select ts, cadre_id, app_id from app_events where ts >= $start and ts < $end + interval 1 day",
        params={"start": month, "end": end},
    ).pl()
    accounts = (
        con.sql("select cadre_id, app_id, opened_on, closed_on from app_accounts")
        .pl()
        .filter((pl.col("opened_on") <= end) & (pl.col("closed_on").is_null() | (pl.col("closed_on") > end)))
    )
    con.close()
    return cadres, events, accounts


def _raw(path, month: date, region: str | None) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Cadres in scope (home code under the region), with their events and held accounts."""
    cadres, events, accounts = _month_logs(str(path), month)
    cadres = cadres.filter(pl.col("region_code").str.starts_with(region or "33"))
    ids = cadres.select("cadre_id")
    return cadres, events.join(ids, on="cadre_id", how="semi"), accounts.join(ids, on="cadre_id", how="semi")


def _per_cadre(cadres: pl.DataFrame, rows: pl.DataFrame, choice: Choice) -> pl.Series:
    """Distinct apps per cadre after deleting apps and mapping merged apps onto their target (zeros kept)."""
    mapping = dict(zip(choice.params()["merge_from"], choice.params()["merge_to"], strict=True))
    kept = (
        rows.with_columns(after=pl.col("app_id").replace(mapping))
        .filter(~pl.col("app_id").is_in(list(choice.delete)) & ~pl.col("after").is_in(list(choice.delete)))
        .group_by("cadre_id")
        .agg(n=pl.col("after").n_unique())
    )
    return cadres.join(kept, on="cadre_id", how="left")["n"].fill_null(0)


@pytest.fixture(scope="module")
def con(small_db):
    connection = db.connect(small_db)
    yield connection
    connection.close()


@pytest.mark.parametrize("region", ["330681", None, "3306"])
@pytest.mark.parametrize(
    "choice",
    [Choice(delete=DELETE), Choice(merge_from=MERGE[0], merge_into=MERGE[1]), Choice(DELETE[:1], MERGE[0], MERGE[1])],
    ids=["delete", "merge", "both"],
)
def test_whatif_equals_raw_logs(con, small_db, region, choice):
    month = db.run(con, "data_period")["last_month"][0]
    cadres, events, accounts = _raw(small_db, month, region)
    got = db.run(con, "whatif_apps_per_cadre", region=region, to=month, **choice.params())
    total = got.filter("is_total").row(0, named=True)
    assert total["cadres"] == cadres.height
    for kind, rows in (("used", events), ("held", accounts)):
        before, after = _per_cadre(cadres, rows, Choice()), _per_cadre(cadres, rows, choice)
        assert total[f"{kind}_median_before"] == pytest.approx(before.median(), abs=1e-12), kind
        assert total[f"{kind}_mean_before"] == pytest.approx(before.mean(), abs=1e-12), kind
        assert total[f"{kind}_median_after"] == pytest.approx(after.median(), abs=1e-12), kind
        assert total[f"{kind}_mean_after"] == pytest.approx(after.mean(), abs=1e-12), kind
    assert total["used_mean_after"] < total["used_mean_before"]


def test_whatif_children_and_no_choice(con):
    month = db.run(con, "data_period")["last_month"][0]
    none = db.run(con, "whatif_apps_per_cadre", region="330681", to=month, **Choice().params())
    now = db.run(
        con, "apps_per_cadre", region="330681", children=True, target=5, by_month=False, to=month, **{"from": month}
    )
    children = none.filter(~pl.col("is_total")).sort("region_code")
    assert children["region_code"].to_list() == now.sort("region_code")["region_code"].to_list()
    assert children["held_median_before"].to_list() == now.sort("region_code")["held_median"].to_list()
    assert (none["held_mean_after"] == none["held_mean_before"]).all()
    assert (none["hours_returned_per_cadre_week"] == 0).all()


def test_hours_returned_by_a_delete_are_the_apps_time(con):
    month = db.run(con, "data_period")["last_month"][0]
    got = db.run(con, "whatif_apps_per_cadre", region="330681", to=month, **Choice(delete=DELETE).params())
    total = got.filter("is_total").row(0, named=True)
    seconds = con.sql(
        "select sum(duration_s) from app_events where cadre_id like 'C330681%' and app_id in ('P33-04', 'K330681-01')"
        " and date_trunc('month', ts) = $month",
        params={"month": month},
    ).fetchall()[0][0]
    assert total["hours_returned_per_cadre_week"] == pytest.approx(seconds / 3600 / total["cadre_weeks"])
    assert total["cadre_weeks"] == pytest.approx(total["cadres"] * 31 / 7)
