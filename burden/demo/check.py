"""Calibration report: the scenario's targets measured on generated files, straight from the metric definitions.

    python -m burden.demo.check DIR     # DIR written by generate()

Independent of the rollups on purpose: it checks the generator against SPEC "Metrics", not against our
own rollup SQL.
"""

from __future__ import annotations

import sys
from pathlib import Path

from burden.db import open_duckdb
from burden.demo.scenario import load_scenario


def _source(out_dir: Path, name: str) -> str:
    for pattern in (f"{name}.parquet", f"{name}/*.parquet", f"{name}.csv", f"{name}/*.csv"):
        if list(out_dir.glob(pattern)):
            path = str(out_dir / pattern)
            if pattern.endswith("parquet"):
                return f"read_parquet('{path}')"
            codes = {"cadres": "region_code", "apps": "owner_region_code"}.get(name)
            return f"read_csv('{path}', types={{'{codes}': 'VARCHAR'}})" if codes else f"read_csv('{path}')"
    raise FileNotFoundError(out_dir / name)


def connect(out_dir: Path):
    """A DuckDB connection with views over the files and a months table."""
    sc = load_scenario()
    con = open_duckdb()
    con.execute("set enable_progress_bar = false")
    for name in ("apps", "cadres", "app_accounts", "app_events", "photo_uploads"):
        con.execute(f"create view {name} as select * from {_source(out_dir, name)}")
    con.execute(
        f"create view remediation_cases as select * from read_csv('{out_dir / 'remediation_cases.csv'}', "
        "types={'scope_region_code': 'VARCHAR'})"
    )
    values = ", ".join(f"(date '{m.start}', date '{m.end}', {m.days}, {m.index})" for m in sc.months)
    con.execute(f"create table months as select * from (values {values}) v(month, month_end, days, m)")
    con.execute(
        """
        create table held as
        select m.month, c.cadre_id, c.region_code, count(a.app_id) as held
        from months m cross join cadres c
        left join app_accounts a on a.cadre_id = c.cadre_id and a.opened_on <= m.month_end
            and (a.closed_on is null or a.closed_on > m.month_end)
        group by all;
        create table used as
        select m.month, c.cadre_id, c.region_code, count(distinct e.app_id) as used
        from months m cross join cadres c
        left join app_events e on e.cadre_id = c.cadre_id and date_trunc('month', e.ts) = m.month
        group by all;
        create table submits as
        select event_id, ts, cadre_id, app_id, subject_key, fact_type, date_trunc('month', ts)::date as month
        from app_events where action = 'submit';
        create table dups as
        select distinct r.event_id
        from submits r inner join submits o
            on o.cadre_id = r.cadre_id and o.subject_key = r.subject_key and o.fact_type = r.fact_type
        where r.subject_key <> '' and o.app_id <> r.app_id and o.ts >= r.ts - interval 7 day
            and (o.ts < r.ts or (o.ts = r.ts and o.event_id < r.event_id));
        """
    )
    return con, sc


def report(out_dir: Path) -> list[str]:
    con, sc = connect(Path(out_dir))
    q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    lines = ["month | held median/mean | used median/mean | dup rate | hours/cadre-week | photos/task | voided"]
    rows = q(
        """
        with h as (select month, median(held) md, avg(held) mn from held group by 1),
        u as (select month, median(used) md, avg(used) mn from used group by 1),
        d as (select s.month, count(dups.event_id) / count(*) r from submits s left join dups using (event_id)
              group by 1),
        t as (select date_trunc('month', ts)::date as month, sum(duration_s) dur from app_events group by 1),
        k as (select month, count(distinct task_id) tasks from submits s
              inner join app_events e using (event_id) group by 1),
        p as (select date_trunc('month', ts)::date as month, count(*) photos,
              count(distinct case when task_voided_for_missing_photo then task_id end) voided from photo_uploads
              group by 1)
        select m.month, h.md, h.mn, u.md, u.mn, d.r,
            t.dur / 3600 / ((select count(*) from cadres) * m.days / 7), p.photos / k.tasks, p.voided / k.tasks
        from months m join h using (month) join u using (month) join d using (month) join t using (month)
            join k using (month) join p using (month) order by 1
        """
    )
    for r in rows:
        lines.append(
            f"{r[0]:%Y-%m} | {r[1]:.0f} / {r[2]:.2f} | {r[3]:.0f} / {r[4]:.2f} | {r[5]:.1%} | {r[6]:.1f} | "
            f"{r[7]:.2f} | {r[8]:.1%}"
        )
    persona = sc["persona"]["cadre_id"]
    held = q(f"select list(held order by month) from held where cadre_id = '{persona}'")[0][0]
    lines.append(f"persona {persona} held by month: {held}")
    seeds = sc["seed_places"]
    patrol = sc["city_patrol"]
    lines.append(
        "店口镇 patrol segments: "
        + str(
            q(
                f"""select count(distinct subject_key) from app_events
                where fact_type = 'patrol' and cadre_id like 'C{seeds["dianko_town"]}%'"""
            )[0][0]
        )
    )
    lines.append(
        f"{patrol['app_id']} events on/after {patrol['done_on']}: "
        + str(q(f"select count(*) from app_events where app_id = '{patrol['app_id']}' and ts >= '{patrol['done_on']}'"))
        + ", accounts open then: "
        + str(
            q(
                f"""select count(*) from app_accounts where app_id = '{patrol["app_id"]}'
                and (closed_on is null or closed_on > date '{patrol["done_on"]}')"""
            )
        )
    )
    xs = seeds["xiaoshan_county"]
    lines.append(
        "萧山 assessed apps / with baseline events there: "
        + str(
            q(
                f"""with a as (select distinct app_id from remediation_cases
                    where scope_region_code = '{xs}' and source = 'assessment')
                select count(*), count(*) filter (where app_id in (select app_id from app_events
                    where cadre_id like 'C{xs}%' and ts < '{sc.campaign_start}')) from a"""
            )[0]
        )
    )
    lines.append(
        "cases done+verified / all, by month end: "
        + str(
            [
                round(r[0], 3) if r[0] is not None else None
                for r in q(
                    """select count(*) filter (where done_on <= month_end) / count(*) from months
                    left join remediation_cases on identified_on <= month_end group by month order by month"""
                )
            ]
        )
    )
    lines.append(
        "superficial (delete done/verified with events > 14 d after done_on in scope): "
        + str(
            q(
                """select c.case_id, c.app_id, c.scope_region_code, count(e.event_id), max(e.ts)::date
                from remediation_cases c inner join app_events e on e.app_id = c.app_id
                    and starts_with(substr(e.cadre_id, 2, 12), c.scope_region_code)
                    and e.ts >= c.done_on
                where c.status in ('done', 'verified') and c.action = 'delete'
                group by all order by 1"""
            )
        )
    )
    lines += _county_alerts(con, sc)
    return lines


def _county_alerts(con, sc) -> list[str]:
    """Rebound (2 rises after the low), lagging (progress, median held) per county."""
    con.execute(
        f"""
        create or replace table county_series as
        with u as (select month, substr(region_code, 1, 6) county, avg(used) v from used group by all),
        d as (select s.month, substr(s.cadre_id, 2, 6) county, count(dups.event_id) / count(*) v
              from submits s left join dups using (event_id) group by all)
        select 'apps' metric, * from u where month >= '{sc.campaign_start}'
        union all select 'dup', * from d where month >= '{sc.campaign_start}'
        """
    )
    rises = con.execute(
        """
        with o as (select *, row_number() over (partition by metric, county order by v, month desc) low_rank,
            lead(v, 1) over w v1, lead(v, 2) over w v2 from county_series
            window w as (partition by metric, county order by month))
        select metric, county, low_rank, month, round(v, 3), round(v1 - v, 3), round(v2 - v1, 3) from o
        where low_rank = 1 and v1 - v >= case metric when 'apps' then 0.25 else 0.02 end
            and v2 - v1 >= case metric when 'apps' then 0.25 else 0.02 end order by 1, 2
        """
    ).fetchall()
    out = [f"rebounds (0.25 apps / 2 points, twice after the low): {rises}"]
    for county in [sc["alerts"]["rebound_county"], *sc["alerts"]["lagging_counties"]]:
        series = con.execute(
            f"select metric, list(round(v, 3) order by month) from county_series where county = '{county}' group by 1"
        ).fetchall()
        progress = con.execute(
            f"""select count(*) filter (where status in ('done', 'verified')) / count(*) from remediation_cases
            where starts_with(scope_region_code, '{county}')"""
        ).fetchall()[0][0]
        median_end = con.execute(
            f"""select median(held) from held
            where month = (select max(month) from months) and region_code like '{county}%'"""
        ).fetchall()[0][0]
        out.append(f"county {county}: progress {progress:.0%}, median held at end {median_end}, {series}")
    return out


if __name__ == "__main__":
    print("\n".join(report(Path(sys.argv[1]))))
