-- purpose: the evidence behind a fix checked against the logs: who still used the case's app in its scope after done_on
-- grain: one row per month and home region (village, or town for town staff) with use of the app from the month of done_on on
-- parameters: $region (code; null = province; the case's scope must lie inside it), $case_id (the case), $grace_days (int, days after done_on, 14), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
with

remediation_cases as (
    select case_id, app_id, scope_region_code, done_on from remediation_cases
),

app_cadre_month as (
    select month, cadre_id, app_id, events, duration_s, first_event_on, last_event_on
    from app_cadre_month
    where events > 0
),

cadres as (
    select cadre_id, region_code from cadres
),

regions as (
    select region_code, name_zh, name_en from regions
),

picked as (
    select *
    from remediation_cases
    where case_id = $case_id
        and done_on is not null
        and ($region is null or substr(scope_region_code, 1, length($region)) = $region)
        and starts_with(scope_region_code, $scope)
),

-- app_cadre_month is monthly: in the month of done_on a cadre counts only if the last event came after done_on
after_fix as (
    select
        app_cadre_month.month,
        cadres.region_code,
        app_cadre_month.cadre_id,
        app_cadre_month.events,
        app_cadre_month.duration_s,
        app_cadre_month.last_event_on,
        app_cadre_month.last_event_on > picked.done_on + $grace_days * interval '1' day as is_after_grace
    from picked
    inner join app_cadre_month on app_cadre_month.app_id = picked.app_id
    inner join cadres
        on cadres.cadre_id = app_cadre_month.cadre_id
        and substr(cadres.region_code, 1, length(picked.scope_region_code)) = picked.scope_region_code
    where app_cadre_month.month >= date_trunc('month', picked.done_on)
        and app_cadre_month.last_event_on > picked.done_on
),

final as (
    select
        after_fix.month,
        after_fix.region_code,
        regions.name_zh,
        regions.name_en,
        count(distinct after_fix.cadre_id) as active_users,
        cast(sum(after_fix.events) as bigint) as events,
        cast(sum(after_fix.duration_s) as bigint) as duration_s,
        max(after_fix.last_event_on) as last_event_on,
        bool_or(after_fix.is_after_grace) as is_after_grace
    from after_fix
    left join regions on regions.region_code = after_fix.region_code
    group by 1, 2, 3, 4
)

select * from final
order by month, region_code
