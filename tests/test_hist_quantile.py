"""queries/macros/hist_quantile.sql, the one percentile over a histogram (apps per cadre: rows n_apps, cadres),
against Polars' linear quantile of the values the histogram counts, one row per cadre."""

from __future__ import annotations

import random

import duckdb
import polars as pl
import pytest

from burden import db

QUANTILE = "select hist_quantile(list({'v': v, 'n': n} order by v), $p) from bins"


def _quantile(con: duckdb.DuckDBPyConnection, bins: list[tuple[int, int]], p: float) -> float | None:
    con.execute("create or replace temp table bins (v integer, n bigint)")
    if bins:
        con.executemany("insert into bins values (?, ?)", bins)
    db.define_macros(con, QUANTILE)
    return con.execute(QUANTILE, {"p": p}).fetchone()[0]


def _expected(bins: list[tuple[int, int]], p: float) -> float | None:
    values = [v for v, n in bins for _ in range(n)]
    return pl.Series(values, dtype=pl.Float64).quantile(p, interpolation="linear") if values else None


def _random_bins(rng: random.Random) -> list[tuple[int, int]]:
    apps = rng.sample(range(0, 40), rng.randint(1, 12))
    return [(v, rng.choice([0, 1, 2, 3, rng.randint(0, 500)])) for v in apps]  # zero-cadre bins included


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        yield connection


@pytest.mark.parametrize("seed", range(40))
def test_random_histograms_equal_polars(con, seed):
    rng = random.Random(seed)
    bins = _random_bins(rng)
    if sum(n for _, n in bins) == 0:
        bins.append((rng.randint(0, 40), 1))
        bins = list({v: n for v, n in bins}.items())
    for p in (0.5, 0.9, 0.1, rng.random()):
        assert _quantile(con, bins, p) == pytest.approx(_expected(bins, p), rel=1e-12, abs=1e-12), (bins, p)


@pytest.mark.parametrize(
    ("bins", "p", "value"),
    [
        ([(7, 1)], 0.5, 7.0),  # one cadre
        ([(7, 1)], 0.9, 7.0),
        ([(4, 250)], 0.9, 4.0),  # every cadre in one bin
        ([(2, 1), (5, 1)], 0.5, 3.5),  # interpolated between two cadres
        ([(2, 1), (5, 1)], 0.9, 4.7),
        ([(0, 0), (1, 2), (3, 0), (6, 2)], 0.5, 3.5),  # zero-cadre bins (also first) count for nothing
        ([(1, 3), (2, 0), (9, 1)], 0.9, 6.6),
        ([(1, 3), (9, 1)], 0.0, 1.0),
        ([(1, 3), (9, 1)], 1.0, 9.0),
    ],
)
def test_edge_cases(con, bins, p, value):
    assert _quantile(con, bins, p) == pytest.approx(value)
    assert _expected(bins, p) == pytest.approx(value)


@pytest.mark.parametrize("seed", range(10))
def test_hist_bins_of_the_values_themselves_equal_polars(con, seed):
    """The what-if has one row per cadre: hist_bins(histogram(x)) makes its bins."""
    rng = random.Random(seed)
    values = [rng.choice([0, 1, 2, 3, 5, 8, 13, rng.randint(0, 60)]) for _ in range(rng.randint(1, 400))]
    con.execute("create or replace temp table cadres (apps integer)")
    con.executemany("insert into cadres values (?)", [(v,) for v in values])
    sql = "select hist_quantile(hist_bins(histogram(apps)), $p) from cadres"
    db.define_macros(con, sql)
    for p in (0.5, 0.9):
        expected = pl.Series(values, dtype=pl.Float64).quantile(p, interpolation="linear")
        assert con.execute(sql, {"p": p}).fetchone()[0] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_no_cadres_is_null(con):
    assert _quantile(con, [], 0.5) is None
    assert _quantile(con, [(3, 0), (5, 0)], 0.5) is None


def test_the_macro_works_on_a_read_only_file_and_on_every_cursor(tmp_path):
    path = tmp_path / "hist.duckdb"
    with duckdb.connect(str(path)) as write:
        write.execute("create table bins as select * from (values (1, 2), (4, 1), (6, 3)) t(v, n)")
    with duckdb.connect(str(path), read_only=True) as read:
        for cursor in (read.cursor(), read.cursor()):
            db.define_macros(cursor, QUANTILE)
            assert cursor.execute(QUANTILE, {"p": 0.5}).fetchone()[0] == pytest.approx(5.0)
    assert db.macros_in(QUANTILE) == ("hist_quantile",)
    assert db.macros_in("select 1 -- hist_quantile(x) in a comment") == ()
