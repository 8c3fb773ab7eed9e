-- purpose: remediation cases marked done or verified (delete or merge) by the period's end, checked against the logs of cadres in their scope up to that end; same rows as reference/superficial_fixes_by_cadre_month (another form, kept as the tests' oracle)
-- grain: one row per done|verified delete or merge case whose scope region is $region or inside it
-- parameters: $region (code; null = province), $to (date, first day of the period's last month; null = the data's last month), $grace_days (int, days after done_on the old app may still be used, 14), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: scope_region_code
with

remediation_cases as (
    select case_id, app_id, action, target_app_id, scope_region_code, status, done_on from remediation_cases
),

apps as (
    select app_id, name_zh, name_en from apps
),

regions as (
    select region_code, name_zh, name_en from regions
),


cadre_regions as (
    select cadre_id, region_code from cadre_regions
),

-- the period's end: its last month's last observed day (the data's last day in a month to date)
period_end as (
    select observed_to as end_on
    from months
    where month = coalesce(cast($to as date), (select max(month) from months))
),

-- each cadre's use of each app up to the period's end
cadre_app_use as (
    select cadre_id, app_id, max(last_event_on) as last_event_on
    from app_cadre_month
    where events > 0 and month <= coalesce(cast($to as date), date '9999-01-01')
    group by 1, 2
),

closed_cases as (
    select *
    from remediation_cases
    where status in ('done', 'verified')
        and action in ('delete', 'merge')
        and done_on is not null
        and done_on <= (select end_on from period_end)
        and ($region is null or substr(scope_region_code, 1, length($region)) = $region)
        and starts_with(scope_region_code, $scope)
),

-- each scope cadre who used the case's app: the last day they did, and whether they used the merge target
-- (only the scope's users are looked up on the target, never the target's users province-wide)
source_use as (
    select
        closed_cases.case_id,
        source.cadre_id,
        source.last_event_on as last_used_on,
        target.cadre_id is not null as used_target
    from closed_cases
    inner join cadre_regions on cadre_regions.region_code = closed_cases.scope_region_code
    inner join cadre_app_use as source
        on source.cadre_id = cadre_regions.cadre_id
        and source.app_id = closed_cases.app_id
    left join cadre_app_use as target
        on target.cadre_id = cadre_regions.cadre_id
        and target.app_id = closed_cases.target_app_id
),

per_case as (
    select
        closed_cases.case_id,
        max(source_use.last_used_on) as last_event_on,
        count(source_use.cadre_id) as users,
        count(case when source_use.last_used_on > closed_cases.done_on + $grace_days * interval '1' day
            then 1 end) as users_after_grace,
        count(case when source_use.cadre_id is not null and not source_use.used_target then 1 end)
            as users_never_on_target
    from closed_cases
    left join source_use on source_use.case_id = closed_cases.case_id
    group by 1
),

final as (
    select
        closed_cases.case_id,
        closed_cases.app_id,
        source_app.name_zh as app_name_zh,
        source_app.name_en as app_name_en,
        closed_cases.action,
        closed_cases.target_app_id,
        target_app.name_zh as target_name_zh,
        target_app.name_en as target_name_en,
        closed_cases.scope_region_code,
        scope.name_zh as scope_name_zh,
        scope.name_en as scope_name_en,
        closed_cases.status,
        closed_cases.done_on,
        per_case.last_event_on,
        per_case.users,
        per_case.users_after_grace,
        case when closed_cases.action = 'merge' then per_case.users_never_on_target end as users_never_on_target,
        case
            when closed_cases.action = 'delete' then per_case.users_after_grace > 0
            else per_case.users_after_grace > 0
                or (per_case.users_never_on_target > 0
                    and period_end.end_on > closed_cases.done_on + $grace_days * interval '1' day)
        end as is_superficial
    from closed_cases
    inner join per_case on per_case.case_id = closed_cases.case_id
    cross join period_end
    left join apps as source_app on source_app.app_id = closed_cases.app_id
    left join apps as target_app on target_app.app_id = closed_cases.target_app_id
    left join regions as scope on scope.region_code = closed_cases.scope_region_code
)

select * from final
order by is_superficial desc, scope_region_code, case_id
