-- purpose: remediation cases marked done or verified (delete or merge) by the period's end, checked against the logs of cadres in their scope up to that end, read from the per-case rollup fix_use_month; same rows as reference/superficial_fixes_by_cadre_month (the cadre-level form, kept as the tests' oracle)
-- grain: one row per done|verified delete or merge case whose scope region is $region or inside it
-- parameters: $region (code; null = province), $to (date, first day of the period's last month; null = the data's last month), $grace_days (int, 0 or more: days after done_on the old app may still be used, 14), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
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

-- the period's last month
period_month as (
    select coalesce(cast($to as date), (select max(month) from months)) as month
),

-- the period's end: its last month's last observed day (the data's last day in a month to date)
period_end as (
    select observed_to as end_on
    from months
    where month = (select month from period_month)
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

-- the scope's users of each case's app up to the period's end, by their last day when it is after done_on
-- (the rollup keeps those days, so any grace of 0 days or more is counted here)
fix_use_month as (
    select case_id, used_after, users, users_never_on_target, last_event_on from fix_use_month
    where month = (select month from period_month)
),

per_case as (
    select
        closed_cases.case_id,
        max(fix_use_month.last_event_on) as last_event_on,
        cast(coalesce(sum(fix_use_month.users), 0) as bigint) as users,
        cast(coalesce(sum(case when fix_use_month.used_after > closed_cases.done_on + $grace_days * interval '1' day
            then fix_use_month.users end), 0) as bigint) as users_after_grace,
        cast(coalesce(sum(fix_use_month.users_never_on_target), 0) as bigint) as users_never_on_target
    from closed_cases
    left join fix_use_month on fix_use_month.case_id = closed_cases.case_id
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
