-- purpose: reference form of fix_checks over cadre-months (the dashboard reads fix_checks; tests compare the two): remediation cases marked done or verified (delete or merge) checked against the logs of cadres in their scope, as at the period's end
-- grain: one row per done|verified delete or merge case whose scope region is $region or inside it
-- parameters: $region (code; null = province), $to (date, first day of the period's last month; null = the data's last month), $grace_days (int, days after done_on the old app may still be used, 14), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: scope_region_code
with

remediation_cases as (
    select * from remediation_cases
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

last_month as (
    select coalesce(cast($to as date), max(month)) as month from months
),

app_cadre_month as (
    select cadre_id, app_id, events, first_event_on, last_event_on
    from app_cadre_month
    where events > 0 and month <= (select month from last_month)
),

-- the period's last observed day: cases done by then are checked; a merge, like a delete, is judged only once
-- its grace days are over
period_end as (
    select months.observed_to as as_of_on
    from months
    inner join last_month on last_month.month = months.month
),

closed_cases as (
    select case_id, app_id, action, target_app_id, scope_region_code, status, done_on
    from remediation_cases
    where status in ('done', 'verified')
        and action in ('delete', 'merge')
        and done_on is not null
        and done_on <= (select as_of_on from period_end)
        and ($region is null or substr(scope_region_code, 1, length($region)) = $region)
        and starts_with(scope_region_code, $scope)
),

-- each scope cadre's use of the case's app: before the fix, and after the grace period
source_use as (
    select
        closed_cases.case_id,
        app_cadre_month.cadre_id,
        min(app_cadre_month.first_event_on) as first_used_on,
        max(app_cadre_month.last_event_on) as last_used_on
    from closed_cases
    inner join cadre_regions on cadre_regions.region_code = closed_cases.scope_region_code
    inner join app_cadre_month
        on app_cadre_month.cadre_id = cadre_regions.cadre_id
        and app_cadre_month.app_id = closed_cases.app_id
    group by 1, 2
),

target_use as (
    select distinct closed_cases.case_id, app_cadre_month.cadre_id
    from closed_cases
    inner join app_cadre_month on app_cadre_month.app_id = closed_cases.target_app_id
),

per_case as (
    select
        closed_cases.case_id,
        max(source_use.last_used_on) as last_event_on,
        count(source_use.cadre_id) as users,
        count(case when source_use.last_used_on > closed_cases.done_on + $grace_days * interval '1' day
            then 1 end) as users_after_grace,
        count(case when source_use.cadre_id is not null and target_use.cadre_id is null then 1 end)
            as users_never_on_target
    from closed_cases
    left join source_use on source_use.case_id = closed_cases.case_id
    left join target_use
        on target_use.case_id = source_use.case_id
        and target_use.cadre_id = source_use.cadre_id
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
                    and period_end.as_of_on > closed_cases.done_on + $grace_days * interval '1' day)
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
