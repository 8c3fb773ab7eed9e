-- purpose: the apps held or used in a region, with accounts against active users and the zombie, island and prohibited-feature flags
-- grain: one row per app held or used by cadres in the region up to the as-of date
-- parameters: $region (code; null = province), $as_of (date; null = the last day with events), $zombie_share (fraction), $zombie_active_days (int), $zombie_silent_days (int), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (apps held or used by cadres of $region within $scope)
-- note: reference only, never run by the dashboard: the former app_flags.sql, straight from cadre-level rows;
--       tests/test_app_rollup_queries.py checks that queries/app_flags.sql (reading rollups) gives the same rows
with

months as (
    select month, last_event_on from months
),

apps as (
    select * from apps
),

cadre_regions as (
    select cadre_id, level, region_code from cadre_regions
),

app_cadre_month as (
    select month, cadre_id, app_id, is_held, events, first_event_on, last_event_on from app_cadre_month
),

as_of as (
    select
        coalesce($as_of, max(last_event_on)) as as_of_on,
        cast(date_trunc('month', coalesce($as_of, max(last_event_on))) as date) as as_of_month
    from months
),

scope_cadres as (
    select cadre_id from cadre_regions
    where (($region is null and level = 'province') or region_code = $region)
        and starts_with(region_code, $scope)
),

-- monthly rows know their first and last event day; a window longer than a month cuts at most one
-- month at each end, so "an event in [start, as_of]" is exactly: last_event_on >= start and first_event_on <= as_of
usage as (
    select
        app_cadre_month.*,
        app_cadre_month.month = as_of.as_of_month and app_cadre_month.is_held as is_held_at_as_of,
        app_cadre_month.events > 0
            and app_cadre_month.first_event_on <= as_of.as_of_on
            and app_cadre_month.last_event_on >= as_of.as_of_on - $zombie_active_days * interval '1' day
            as is_active,
        app_cadre_month.events > 0
            and app_cadre_month.first_event_on <= as_of.as_of_on
            and app_cadre_month.last_event_on >= as_of.as_of_on - $zombie_silent_days * interval '1' day
            as is_recent
    from app_cadre_month
    inner join scope_cadres on scope_cadres.cadre_id = app_cadre_month.cadre_id
    cross join as_of
    where app_cadre_month.month <= as_of.as_of_month
),

per_cadre as (
    select
        app_id,
        cadre_id,
        max(case when is_held_at_as_of then 1 else 0 end) as is_holder,
        max(case when is_active then 1 else 0 end) as is_active,
        max(case when is_recent then 1 else 0 end) as is_recent,
        max(last_event_on) as last_event_on
    from usage
    group by 1, 2
),

per_app as (
    select
        app_id,
        cast(sum(is_holder) as bigint) as accounts_held,
        cast(sum(is_active) as bigint) as active_users,
        cast(sum(case when is_holder = 1 and is_active = 1 then 1 else 0 end) as bigint) as active_holders,
        max(is_recent) = 1 as has_recent_events,
        max(last_event_on) as last_event_on
    from per_cadre
    group by 1
),

final as (
    select
        apps.app_id,
        apps.name_zh,
        apps.name_en,
        apps.level,
        apps.owner_dept,
        apps.owner_region_code,
        apps.platform,
        apps.functions,
        per_app.accounts_held,
        per_app.active_users as active_users_90d,
        per_app.active_holders,
        per_app.active_holders * 1.0 / nullif(per_app.accounts_held, 0) as share_active,
        per_app.last_event_on,
        per_app.accounts_held > 0 or per_app.has_recent_events as is_current,
        coalesce(per_app.active_holders * 1.0 / nullif(per_app.accounts_held, 0) < $zombie_share, false)
            or not per_app.has_recent_events as is_zombie,
        not apps.is_integrated as is_island,
        apps.is_integrated,
        apps.has_checkin,
        apps.has_ranking,
        apps.tracks_online_time,
        apps.forced_install,
        apps.photo_required,
        apps.has_checkin or apps.has_ranking or apps.tracks_online_time or apps.forced_install
            as has_prohibited_feature
    from per_app
    inner join apps on apps.app_id = per_app.app_id
)

select * from final
order by accounts_held desc, app_id
