-- purpose: the apps that carry the load in one region and month: holders, active users, entries, duplicates, time
-- grain: one row per app held or used by the region's cadres in $month
-- parameters: $region (code; null = province), $month (date, first of month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (apps of $region's cadres, $region within $scope)
with

regions as (
    select region_code, level from regions
),

apps as (
    select app_id, name_zh, name_en, level, owner_dept, owner_region_code, platform from apps
),

app_month_county as (
    select * from app_month_county
),

app_cadre_month as (
    select * from app_cadre_month
),

cadre_regions as (
    select cadre_id, region_code from cadre_regions
),

region_month as (
    select month, region_code, cadres, cadre_weeks from region_month
),

root as (
    select region_code from regions
    where (($region is null and level = 'province') or region_code = $region)
        and starts_with(region_code, $scope)
),

-- a county or above: the county rollup suffices (codes nest by prefix)
from_counties as (
    select
        app_month_county.app_id,
        sum(app_month_county.accounts_held) as accounts_held,
        sum(app_month_county.active_users) as active_users,
        sum(app_month_county.events) as events,
        sum(app_month_county.submits) as submits,
        sum(app_month_county.duplicate_submits) as duplicate_submits,
        sum(app_month_county.duration_s) as duration_s
    from app_month_county
    inner join root on starts_with(app_month_county.county_code, root.region_code)
    where length(root.region_code) <= 6
        and app_month_county.month = $month
    group by 1
),

-- a town or village: count the cadres homed in it
from_cadres as (
    select
        app_cadre_month.app_id,
        sum(case when app_cadre_month.is_held then 1 else 0 end) as accounts_held,
        sum(case when app_cadre_month.events > 0 then 1 else 0 end) as active_users,
        sum(app_cadre_month.events) as events,
        sum(app_cadre_month.submits) as submits,
        sum(app_cadre_month.duplicate_submits) as duplicate_submits,
        sum(app_cadre_month.duration_s) as duration_s
    from app_cadre_month
    inner join cadre_regions on cadre_regions.cadre_id = app_cadre_month.cadre_id
    inner join root on root.region_code = cadre_regions.region_code
    where length(root.region_code) > 6
        and app_cadre_month.month = $month
    group by 1
),

per_app as (
    select * from from_counties
    union all
    select * from from_cadres
),

region_size as (
    select region_month.cadres, region_month.cadre_weeks
    from region_month
    inner join root on root.region_code = region_month.region_code
    where region_month.month = $month
),

final as (
    select
        per_app.app_id,
        apps.name_zh,
        apps.name_en,
        apps.level,
        apps.owner_dept,
        apps.platform,
        cast(per_app.accounts_held as bigint) as accounts_held,
        cast(per_app.active_users as bigint) as active_users,
        cast(per_app.events as bigint) as events,
        cast(per_app.submits as bigint) as submits,
        cast(per_app.duplicate_submits as bigint) as duplicate_submits,
        per_app.duplicate_submits * 1.0 / nullif(per_app.submits, 0) as duplicate_entry_rate,
        per_app.duration_s / 3600.0 as hours,
        -- the app's share of the region's fingertip hours: these add up to the region's figure
        per_app.duration_s / 3600.0 / nullif(region_size.cadre_weeks, 0) as hours_per_cadre_week,
        per_app.active_users * 1.0 / nullif(region_size.cadres, 0) as share_cadres_active
    from per_app
    inner join apps on apps.app_id = per_app.app_id
    cross join region_size
)

select * from final
order by hours desc, app_id
