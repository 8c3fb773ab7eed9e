-- purpose: the apps held or used in a region, with accounts against active users and the zombie, island and prohibited-feature flags
-- grain: one row per app held or used by cadres in the region up to the as-of date
-- parameters: $region (code; null = province), $as_of (date; null = the last day with events; else a month's last day, or any day on or after the last day with events of its month: the Apps view's as-of dates), $zombie_share (fraction), $zombie_active_days (int), $zombie_silent_days (int), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (apps held or used by cadres of $region within $scope)
-- note: a county or larger region reads app_recency_month (cadres per county by last day with events), a town or a
--       village its own cadres' rows; both count a cadre as active when its last event up to the as-of month's end
--       falls in the window, which is why $as_of must not lie before an event of its own month
with

months as (
    select month, last_event_on from months
),

apps as (
    select * from apps
),

app_recency_month as (
    select month, app_id, county_code, is_held, last_event_on, cadres from app_recency_month
),

cadre_regions as (
    select cadre_id, level, region_code from cadre_regions
),

app_cadre_month as (
    select month, cadre_id, app_id, is_held, last_event_on from app_cadre_month
),

as_of as (
    select
        coalesce($as_of, max(last_event_on)) as as_of_on,
        cast(date_trunc('month', coalesce($as_of, max(last_event_on))) as date) as as_of_month,
        max(month) as last_month
    from months
),

-- the as-of month's rollup row (the last month's when the as-of date lies past the data); a clear error for an
-- as-of date the rollup cannot answer (before an event of its own month)
as_of_checked as (
    select
        as_of.as_of_on,
        as_of.as_of_month,
        least(as_of.as_of_month, as_of.last_month) as rollup_month,
        case
            when as_of.as_of_on < months.last_event_on
                then error('app_flags: $as_of must be a month''s last day or on or after the last event of its month')
            else true
        end as is_answerable
    from as_of
    left join months on months.month = as_of.as_of_month
),

-- a county or a larger region: cadres per county from the rollup, by code prefix (codes nest)
county_rows as (
    select
        app_recency_month.app_id,
        app_recency_month.is_held and app_recency_month.month = as_of_checked.as_of_month as is_held,
        app_recency_month.last_event_on,
        app_recency_month.cadres
    from app_recency_month
    inner join as_of_checked on app_recency_month.month = as_of_checked.rollup_month
    where as_of_checked.is_answerable
        and length(coalesce($region, '')) <= 6
        and ($region is null or starts_with(app_recency_month.county_code, $region))
        and starts_with(app_recency_month.county_code, $scope)
),

-- a town or a village lies inside one county: its own cadres, the same figures from their monthly rows
scope_cadres as (
    select cadre_id from cadre_regions
    where length(coalesce($region, '')) > 6 and region_code = $region and starts_with(region_code, $scope)
),

cadre_rows as (
    select
        app_cadre_month.app_id,
        bool_or(app_cadre_month.is_held and app_cadre_month.month = as_of_checked.as_of_month) as is_held,
        max(app_cadre_month.last_event_on) as last_event_on,
        1 as cadres
    from app_cadre_month
    inner join scope_cadres on scope_cadres.cadre_id = app_cadre_month.cadre_id
    inner join as_of_checked on app_cadre_month.month <= as_of_checked.as_of_month
    where as_of_checked.is_answerable
    group by app_cadre_month.app_id, app_cadre_month.cadre_id
),

-- a cadre is active when its last day with events (up to the as-of month's end, so up to the as-of date) is in the window
per_app as (
    select
        cadre_state.app_id,
        cast(coalesce(sum(cadre_state.cadres) filter (where cadre_state.is_held), 0) as bigint) as accounts_held,
        cast(coalesce(sum(cadre_state.cadres) filter (
            where cadre_state.last_event_on >= as_of_checked.as_of_on - $zombie_active_days * interval '1' day
        ), 0) as bigint) as active_users,
        cast(coalesce(sum(cadre_state.cadres) filter (
            where cadre_state.is_held
                and cadre_state.last_event_on >= as_of_checked.as_of_on - $zombie_active_days * interval '1' day
        ), 0) as bigint) as active_holders,
        coalesce(max(cadre_state.last_event_on) >= as_of_checked.as_of_on - $zombie_silent_days * interval '1' day,
            false) as has_recent_events,
        max(cadre_state.last_event_on) as last_event_on
    from (select * from county_rows union all select * from cadre_rows) as cadre_state
    cross join as_of_checked
    group by cadre_state.app_id, as_of_checked.as_of_on
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
