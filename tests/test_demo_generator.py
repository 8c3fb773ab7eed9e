"""The demo generator: same seed -> same bytes, and the planted facts of the scenario are in the files."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from burden.demo import generate, load_scenario
from tests.conftest import SMALL_SCALE, TEST_SEED

SCALE, SEED = SMALL_SCALE, TEST_SEED  # the session's small demo's (its files are `out`)


def _digests(folder: Path) -> dict[str, str]:
    """Every written file's hash; not a resumable run's stamp (generated.json: it records seconds)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "generated.json"
    }


@pytest.fixture(scope="module")
def out(small_db) -> Path:
    """The files the session's small demo was loaded from (generated at SCALE with SEED; only read here)."""
    return small_db.parent / "files"


@pytest.fixture(scope="module")
def con(out):
    c = duckdb.connect()
    c.execute(f"create view apps as select * from read_parquet('{out}/apps.parquet')")
    c.execute(f"create view cadres as select * from read_parquet('{out}/cadres.parquet')")
    c.execute(f"create view accounts as select * from read_parquet('{out}/app_accounts.parquet')")
    c.execute(f"create view events as select * from read_parquet('{out}/app_events/*.parquet')")
    c.execute(f"create view photos as select * from read_parquet('{out}/photo_uploads/*.parquet')")
    c.execute(
        f"create view cases as select * from read_csv('{out}/remediation_cases.csv', "
        "types={'scope_region_code': 'VARCHAR'})"
    )
    return c


def _one(con, sql: str):
    return con.execute(sql).fetchall()[0][0]


def test_same_seed_same_bytes_other_seed_other_events(out, tmp_path):
    again = tmp_path / "again"
    counts = generate(again, scale=SCALE, seed=SEED)
    first = _digests(out)
    # apps, cadres, accounts, cases, the unregistered apps' county export + 18 months of events and photos
    assert len(first) == 5 + 2 * 18 and "unregistered_app_events.csv" in first
    assert first == _digests(again)
    assert counts["app_events"] > 1_000_000

    other = tmp_path / "other"
    generate(other, scale=SCALE, seed=SEED + 1)
    assert _digests(other)["app_events/2022-10.parquet"] != first["app_events/2022-10.parquet"]


def test_resumed_generation_keeps_whole_months_and_redoes_cut_ones(out, tmp_path):
    """A province-scale generation killed part-way resumes: whole month files are kept, a file cut off
    mid-write is written again, and the result is byte for byte a fresh run's. It starts from a copy of the session
    demo's files, which the bench's builder generated with resume on: a run with the same settings keeps them all."""
    folder = tmp_path / "resumed"
    shutil.copytree(out, folder)
    counts = generate(folder, scale=SCALE, seed=SEED, resume=True)
    stamp = json.loads((folder / "generated.json").read_text())
    assert len(stamp["months"]) == 18 and sum(m["events"] for m in stamp["months"].values()) == counts["app_events"]
    kept = folder / "app_events" / "2022-10.parquet"
    kept_mtime = kept.stat().st_mtime_ns
    cut = folder / "app_events" / "2023-05.parquet"
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])  # as if killed while writing
    (folder / "photo_uploads" / "2024-03.parquet").unlink()
    again = generate(folder, scale=SCALE, seed=SEED, resume=True)
    assert again == counts
    assert kept.stat().st_mtime_ns == kept_mtime  # not rewritten
    assert _digests(folder) == _digests(out)
    # other settings: the earlier months are not reused
    generate(folder, scale=SCALE, seed=SEED + 1, resume=True)
    assert _digests(folder)["app_events/2022-10.parquet"] != _digests(out)["app_events/2022-10.parquet"]


def test_every_city_and_county_has_cadres(con):
    assert _one(con, "select count(distinct substr(region_code, 1, 4)) from cadres") == 11
    assert _one(con, "select count(distinct substr(region_code, 1, 6)) from cadres") == 90
    assert _one(con, "select count(*) from cadres where length(region_code) = 9") >= 90  # town staff


def test_seed_places_and_persona(con):
    regions = {r[0] for r in con.execute("select distinct region_code from cadres").fetchall()}
    for code in ("330681120219", "330681104005", "330681104", "330681120"):
        assert code in regions
    for prefix in ("330681", "330109", "330681104", "330681120"):
        assert any(r.startswith(prefix) for r in regions)
    sc = load_scenario()
    persona = sc["persona"]["cadre_id"]
    assert con.execute(f"select roles, age_band from cadres where cadre_id = '{persona}'").fetchall() == [
        ("村委委员", "55-59")
    ]
    held = """select count(*) from accounts where cadre_id = '{c}' and opened_on <= date '{d}'
        and (closed_on is null or closed_on > date '{d}')"""
    for month in sc.months[: sc.baseline_months]:
        assert _one(con, held.format(c=persona, d=month.end)) == 15
    assert _one(con, held.format(c=persona, d=sc.data_end)) == 5


def test_events_are_consistent_with_the_dimensions(con):
    assert _one(con, "select count(*) - count(distinct event_id) from events") == 0
    assert _one(con, "select count(*) from events where cadre_id not in (select cadre_id from cadres)") == 0
    assert _one(con, "select count(*) from events where app_id not in (select app_id from apps)") == 0
    assert _one(con, "select count(*) from events where action not in ('open','submit','photo','checkin','view')") == 0
    assert _one(con, "select min(duration_s) from events") >= 0
    assert _one(con, "select count(*) from photos where photo_id not in (select event_id from events)") == 0
    # no event of a closed account after it closed (closed_on is the first day without the app)
    assert (
        _one(
            con,
            """select count(*) from events e inner join accounts a using (cadre_id, app_id)
            where a.closed_on is not null and e.ts >= a.closed_on""",
        )
        == 0
    )


def test_shaoxing_patrol_app_replaced_in_july_2023(con):
    sc = load_scenario()
    city_app, done_on = sc["city_patrol"]["app_id"], sc["city_patrol"]["done_on"]
    assert _one(con, f"select count(*) from events where app_id = '{city_app}' and ts < '{done_on}'") > 0
    assert _one(con, f"select count(*) from events where app_id = '{city_app}' and ts >= '{done_on}'") == 0
    assert (
        _one(
            con,
            f"""select count(*) from accounts where app_id = '{city_app}'
            and (closed_on is null or closed_on > date '{done_on}')""",
        )
        == 0
    )
    merge = con.execute(
        f"select action, target_app_id, done_on::varchar from cases where app_id = '{city_app}' and status in "
        "('done', 'verified')"
    ).fetchall()
    assert merge == [("merge", sc["city_patrol"]["target"], done_on)]


def test_dianko_has_47_river_segments(con):
    assert (
        _one(
            con,
            """select count(distinct subject_key) from events
            where fact_type = 'patrol' and cadre_id like 'C330681104%'""",
        )
        == 47
    )


def test_xiaoshan_assessed_44_apps_used_there_at_baseline(con):
    assessed = [
        r[0]
        for r in con.execute(
            """select distinct app_id from cases where scope_region_code = '330109' and source = 'assessment'
            and recommendation in ('提升完善', '整合优化', '加快整改')"""
        ).fetchall()
    ]
    assert len(assessed) == 44
    used = _one(
        con,
        """select count(distinct app_id) from events
        where cadre_id like 'C330109%' and ts < '2023-01-01'
        and app_id in (select app_id from cases where scope_region_code = '330109')""",
    )
    assert used == 44


def test_planted_superficial_fixes_and_only_those(con):
    sc = load_scenario()
    late = con.execute(
        """select distinct c.case_id from cases c
        inner join events e on e.app_id = c.app_id and e.ts > c.done_on + interval 14 day
            and starts_with(substr(e.cadre_id, 2), c.scope_region_code)
        where c.status in ('done', 'verified') and c.action = 'delete' order by 1"""
    ).fetchall()
    assert [r[0] for r in late] == sorted(f["case_id"] for f in sc["alerts"]["superficial_fix"])


def test_ledger_progress_overall_and_in_lagging_counties(con):
    sc = load_scenario()
    done = "count(*) filter (where status in ('done', 'verified')) / count(*)"
    assert 0.8 <= _one(con, f"select {done} from cases") <= 0.92
    assert _one(con, f"select count(*) filter (where done_on < '{sc.campaign_start}') from cases") == 0
    for county in sc["alerts"]["lagging_counties"]:
        assert _one(con, f"select {done} from cases where starts_with(scope_region_code, '{county}')") < 0.5
