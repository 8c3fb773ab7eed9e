"""App accounts: what each cadre holds at baseline, and how the ledger's closures and merges change it.

Internal column active_from: the first day the cadre really uses the account (null: a zombie account, held
but never opened). Events are generated only between active_from and closed_on, so "apps used" follows
from the accounts exactly, without sampling noise.
"""

from __future__ import annotations

from burden.demo.regions import sql_list
from burden.demo.scenario import Scenario


def _baseline(con, sc: Scenario) -> None:
    b = sc["behaviour"]
    seeds = sc["seed_places"]
    opened_from = sc["timeline"]["accounts_opened_from"]
    first = sc.months[0].start.isoformat()
    fixes = sc["alerts"]["superficial_fix"]
    patrol = sc["city_patrol"]
    fix_pairs = " union all ".join(f"select '{f['county']}' as county, '{f['app_id']}' as app_id" for f in fixes)
    lo, spread = b["held_base"] - b["held_spread"], 2 * b["held_spread"] + 1
    con.execute(
        f"""
        create or replace table held0 as
        with pool as (
            -- lagging counties built many apps of their own: their cadres hold every county app
            select c.cadre_id, a.app_id, a.zombie, a.level = 'county' and ci.county_class = 'lagging' as first
            from cadres c inner join county_info ci using (county) inner join apps_all a on
                (a.level = 'province' and a.fate <> 'platform' and a.role is null)
                or (a.level = 'city' and a.owner_region_code = c.city and a.role is null)
                or (a.level = 'county' and a.owner_region_code = c.county and not a.is_rebound)
        ),
        ranked as (
            select *, row_number() over (partition by cadre_id order by first desc, h2(cadre_id, app_id), app_id) as rn
            from pool
        ),
        chosen as (
            select r.cadre_id, r.app_id, r.zombie, false as sure
            from ranked r
            where r.rn <= {lo} + floor(u2('held', r.cadre_id) * {spread})
        ),
        platforms as (
            select c.cadre_id, a.app_id, false as zombie, true as sure
            from cadres c cross join apps_all a where a.fate = 'platform'
        ),
        river_staff as (
            -- river chiefs and water staff patrol in the provincial app, except in 绍兴 (its own app until the merge)
            select cadre_id, case when city = '{patrol["city"]}' then '{patrol["app_id"]}' else 'P33-03' end as app_id,
                false as zombie, true as sure
            from cadres where roles like '%河长%' or roles like '%镇水利员%'
        ),
        xs_cadres as (
            select cadre_id, (row_number() over (order by cadre_id) - 1) as k, count(*) over () as n
            from cadres where county = '{seeds["xiaoshan_county"]}'
        ),
        xs_apps as (
            select app_id, (row_number() over (order by app_id) - 1) as i
            from (select distinct app_id from cases
                  where scope_region_code = '{seeds["xiaoshan_county"]}' and source = 'assessment')
        ),
        xs_forced as (
            -- every app 萧山 assessed is held and used by at least one of its sampled cadres
            select x.cadre_id, a.app_id, false as zombie, true as sure
            from xs_apps a inner join xs_cadres x on x.k = a.i % x.n
        ),
        fix_forced as (
            -- the planted superficial fixes need someone still using the app after done_on
            select first(c.cadre_id order by c.cadre_id) as cadre_id, f.app_id, false as zombie, true as sure
            from ({fix_pairs}) f inner join cadres c on c.county = f.county
            group by f.app_id
        ),
        everything as (
            select * from chosen union all select * from platforms union all select * from river_staff
            union all select * from xs_forced union all select * from fix_forced
        ),
        merged as (
            select cadre_id, app_id, bool_or(sure) as sure, bool_or(zombie) as zombie_app
            from everything group by cadre_id, app_id
        )
        select m.cadre_id, m.app_id,
            greatest(a.launched_on, date '{opened_from}')
                + floor(u3('opened', m.cadre_id, m.app_id)
                        * (date '{first}' - greatest(a.launched_on, date '{opened_from}')))::integer as opened_on,
            not m.sure and u3('zombie', m.cadre_id, m.app_id)
                < case when m.zombie_app then {b["zombie_app_share"]} else {b["zombie_share"]} end as is_zombie
        from merged m inner join apps_all a using (app_id)
        """
    )


def _persona(con, sc: Scenario) -> None:
    """Replace the persona's holdings: exactly apps_baseline apps, of which apps_end survive to the end."""
    p = sc["persona"]
    end = sc.data_end.isoformat()
    region = con.execute("select region_code from cadres where cadre_id = ?", [p["cadre_id"]]).fetchall()[0][0]
    con.execute(
        f"""
        create or replace temp table persona_apps as
        with her as (select * from cadres where cadre_id = '{p["cadre_id"]}'),
        candidates as (
            select a.app_id, a.fate, a.target,
                exists (select 1 from closures cl where cl.app_id = a.app_id and starts_with('{region}', cl.scope)
                        and cl.close_on <= date '{end}') as closes
            from apps_all a cross join her
            where a.role is null and not a.is_rebound and (a.level = 'province'
                or (a.level = 'city' and a.owner_region_code = her.city)
                or (a.level = 'county' and a.owner_region_code = her.county))
        ),
        survivors as (
            select app_id from candidates where not closes
            order by fate = 'platform' desc, app_id limit {p["apps_end"]}
        ),
        closing as (
            select app_id from candidates
            where closes and (target is null or target in (select app_id from survivors))
            order by h2('persona', app_id), app_id limit {p["apps_baseline"] - p["apps_end"]}
        )
        select app_id from survivors union all select app_id from closing
        """
    )
    n = con.execute("select count(*) from persona_apps").fetchall()[0][0]
    if n != p["apps_baseline"]:
        raise ValueError(f"persona: only {n} suitable apps in her region")
    con.execute(
        f"""
        delete from held0 where cadre_id = '{p["cadre_id"]}';
        insert into held0
        select '{p["cadre_id"]}', pa.app_id,
            greatest(a.launched_on, date '2019-01-01') + floor(u2('persona_opened', pa.app_id) * 300)::integer, false
        from persona_apps pa inner join apps_all a using (app_id);
        """
    )


def build_accounts(con, sc: Scenario) -> None:
    """Table accounts: cadre_id, app_id, opened_on, closed_on (published) and active_from (internal)."""
    _baseline(con, sc)
    _persona(con, sc)
    alerts = sc["alerts"]
    rebound_apps = sql_list(alerts["rebound_apps"])
    con.execute(
        f"""
        create or replace table accounts as
        with closing as (
            -- the first done case in the cadre's scope closes the account (a superficial one only later, if ever)
            select h.cadre_id, h.app_id,
                arg_min(cl.close_on, cl.done_on) as close_on,
                arg_min(cl.target_app_id, cl.done_on) as target_app_id,
                min(cl.done_on) as done_on
            from held0 h
            inner join cadres c using (cadre_id)
            inner join closures cl on cl.app_id = h.app_id and starts_with(c.region_code, cl.scope)
            group by h.cadre_id, h.app_id
        ),
        base as (
            select h.cadre_id, h.app_id, h.opened_on,
                case when h.is_zombie then null else h.opened_on end as active_from,
                cl.close_on as closed_on, cl.target_app_id, cl.done_on
            from held0 h left join closing cl using (cadre_id, app_id)
        ),
        moved as (
            -- merge: the users of the old app get the target app from done_on (active if they used the old one)
            select cadre_id, target_app_id as app_id, min(done_on) as moved_on,
                bool_or(active_from is not null) as was_used
            from base where target_app_id is not null
            group by cadre_id, target_app_id
        ),
        combined as (
            select
                coalesce(b.cadre_id, m.cadre_id) as cadre_id,
                coalesce(b.app_id, m.app_id) as app_id,
                coalesce(b.opened_on, m.moved_on) as opened_on,
                b.closed_on,
                case
                    when m.was_used then least(coalesce(b.active_from, m.moved_on), m.moved_on)
                    else b.active_from
                end as active_from
            from base b full outer join moved m on m.cadre_id = b.cadre_id and m.app_id = b.app_id
        ),
        rebound as (
            select c.cadre_id, a.app_id, a.launched_on as opened_on, null::date as closed_on,
                a.launched_on as active_from
            from cadres c inner join apps_all a on a.owner_region_code = c.county
            where a.app_id in {rebound_apps}
        )
        select * from combined union all select * from rebound
        order by cadre_id, app_id
        """
    )
