"""The remediation ledger: one governing case per app in its owner's region, plus 萧山's assessment cases.

The ledger decides the logs, not the other way round: a done delete or merge case closes its app's accounts
in the case's scope on done_on (table closures), except for the planted superficial fixes.
"""

from __future__ import annotations

from burden.demo.regions import sql_list
from burden.demo.scenario import Scenario


def build_cases(con, sc: Scenario) -> None:
    """Tables cases (the published ledger columns) and closures (what really closes, and when)."""
    b = sc["behaviour"]
    seeds = sc["seed_places"]
    alerts = sc["alerts"]
    end = sc.data_end.isoformat()
    fixes = alerts["superficial_fix"]
    fix_ids = sql_list(f["app_id"] for f in fixes)
    fix_done = " ".join(f"when '{f['app_id']}' then date '{f['done_on']}'" for f in fixes)
    fix_close = " ".join(
        f"when '{f['app_id']}' then " + (f"date '{f['really_closed_on']}'" if f["really_closed_on"] else "null")
        for f in fixes
    )
    seed_cities = sql_list({c[:4] for c in seeds["counties"]})
    xiaoshan = seeds["xiaoshan_county"]
    patrol = sc["city_patrol"]
    con.execute(
        f"""
        create or replace table cases as
        with governing as (
            select a.app_id, a.owner_region_code as scope, a.level, a.fate, a.target, a.finding, a.done_on as fixed_on,
                coalesce(ci.county_class, 'city') as county_class, coalesce(ci.shift, 0) as shift
            from apps_all a left join county_info ci on ci.county = a.owner_region_code
            where a.fate <> 'platform' and not a.is_rebound
        ),
        decided as (
            select *,
                case
                    when level = 'province' or app_id in {fix_ids} or app_id = '{patrol["app_id"]}' then true
                    when level = 'city' then scope in {seed_cities} or u2('done', app_id) < {b["city_cases_done"]}
                    when county_class = 'seed' then true
                    -- a lagging county improves some kept apps but deletes and merges few
                    when county_class = 'lagging' then u2('done', app_id)
                        < case when fate = 'keep' then {b["lagging_cases_done"]} else {b["lagging_closures_done"]} end
                    when fate = 'keep' then u2('done', app_id) < {b["county_iterate_done"]}
                    else u2('done', app_id) < {b["county_cases_done"]}
                end as is_done,
                case
                    when app_id = '{patrol["app_id"]}' then date '{patrol["done_on"]}'
                    when app_id in {fix_ids} then case app_id {fix_done} end
                    when fixed_on is not null then fixed_on
                    when level = 'city' then date '2023-03-01' + floor(u2('done_on', app_id) * 260)::integer
                    when county_class = 'lagging' then date '2023-09-01' + floor(u2('done_on', app_id) * 170)::integer
                    else date '2023-03-01' + 30 * shift + floor(u2('done_on', app_id) * (290 - 30 * shift))::integer
                end as planned_on
            from governing
        ),
        dated as (
            select *,
                -- merges switch users over on the first of a month, so a month never counts both apps
                case when fate = 'merge' then date_trunc('month', planned_on)::date else planned_on end as done_day,
                case when finding = 'zombie' then date '2022-11-15' + floor(u2('found', app_id) * 40)::integer
                    else date '2023-01-04' + floor(u2('found', app_id) * 60)::integer end as found_on
            from decided
        ),
        cases as (
            select
                'RC-' || scope || '-' || app_id as case_id,
                app_id, scope as scope_region_code, finding,
                case fate when 'keep' then 'iterate' else fate end as action,
                target as target_app_id,
                is_done, done_day, county_class,
                least(found_on, done_day - 20) as identified_on,
                case when scope = '{xiaoshan}' then 'assessment'
                    when u2('source', app_id) < 0.65 then 'self_check' else 'inspection' end as source
            from dated
        ),
        statused as (
            select *,
                identified_on + 90 + floor(u2('due', case_id) * 120)::integer as due_on,
                case when is_done then done_day end as done_on,
                case when is_done and done_day + 30 + floor(u2('verify_lag', case_id) * 60)::integer <= date '{end}'
                        and u2('verify', case_id) < 0.75
                    then done_day + 30 + floor(u2('verify_lag', case_id) * 60)::integer end as verified_on
            from cases
        ),
        published as (
            select case_id, app_id, scope_region_code, finding, action, target_app_id,
                case
                    when verified_on is not null then 'verified'
                    when done_on is not null then 'done'
                    when u2('status', case_id) < 0.55 then 'in_progress'
                    when u2('status', case_id) < 0.85 then 'planned'
                    else 'identified'
                end as status,
                source, identified_on, due_on, done_on, verified_on
            from statused
        ),
        -- 萧山 assessed every app its cadres had: the provincial and Hangzhou apps get an assessment case that
        -- mirrors the governing one (same action and dates), its own county apps' cases are assessments already.
        xiaoshan as (
            select 'RC-{xiaoshan}-' || p.app_id as case_id, p.app_id, '{xiaoshan}' as scope_region_code, p.finding,
                p.action, p.target_app_id, p.status, 'assessment' as source,
                least(date '2023-02-01' + floor(u2('assessed', p.app_id) * 40)::integer,
                    coalesce(p.done_on - 10, date '2099-12-31')) as identified_on,
                p.due_on, p.done_on, p.verified_on
            from published p
            inner join apps_all a using (app_id)
            where a.level = 'province' or a.owner_region_code = '{xiaoshan[:4]}'
        )
        select *,
            case when source = 'assessment' then
                case action when 'iterate' then '提升完善' when 'merge' then '整合优化' else '加快整改' end
            end as recommendation
        from (select * from published union all select * from xiaoshan)
        order by case_id
        """
    )
    con.execute(
        f"""
        create or replace table closures as
        select case_id, app_id, scope_region_code as scope, action, target_app_id, done_on,
            case when app_id in {fix_ids} then case app_id {fix_close} end else done_on end as close_on
        from cases
        where status in ('done', 'verified') and action in ('delete', 'merge')
        order by case_id
        """
    )
