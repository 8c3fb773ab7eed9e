-- purpose: the counties (within a region) where one app is still held or used in a month
-- grain: one row per county with accounts held at month end or active users in the month
-- parameters: $app (app_id), $region (code; null = province), $month (date, first of the month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: county_code
with

app_month_county as (
    select county_code, accounts_held, active_users, events, submits, duplicate_submits
    from app_month_county
    where app_id = $app and month = $month
),

app_cadre_month as (
    select cadre_id, is_held, events, submits, duplicate_submits
    from app_cadre_month
    where app_id = $app and month = $month
),

cadre_regions as (
    select cadre_id, level, region_code from cadre_regions
),

regions as (
    select region_code, name_zh, name_en from regions
),

-- a county or a larger region: the per-county rollup, by code prefix (codes nest)
county_rows as (
    select county_code, accounts_held, active_users, events, submits, duplicate_submits
    from app_month_county
    where length(coalesce($region, '')) <= 6
        and ($region is null or starts_with(county_code, $region))
        and starts_with(county_code, $scope)
),

-- a town or a village lies inside one county: count its own cadres
scope_cadres as (
    select cadre_id from cadre_regions
    where length(coalesce($region, '')) > 6 and region_code = $region and starts_with(region_code, $scope)
),

cadre_rows as (
    select
        substr($region, 1, 6) as county_code,
        case when app_cadre_month.is_held then 1 else 0 end as accounts_held,
        case when app_cadre_month.events > 0 then 1 else 0 end as active_users,
        app_cadre_month.events,
        app_cadre_month.submits,
        app_cadre_month.duplicate_submits
    from app_cadre_month
    inner join scope_cadres on scope_cadres.cadre_id = app_cadre_month.cadre_id
),

per_county as (
    select
        county_code,
        cast(sum(accounts_held) as bigint) as accounts_held,
        cast(sum(active_users) as bigint) as active_users,
        cast(sum(events) as bigint) as events,
        cast(sum(submits) as bigint) as submits,
        cast(sum(duplicate_submits) as bigint) as duplicate_submits
    from (select * from county_rows union all select * from cadre_rows)
    group by 1
),

final as (
    select
        per_county.county_code,
        regions.name_zh,
        regions.name_en,
        per_county.accounts_held,
        per_county.active_users,
        per_county.events,
        per_county.submits,
        per_county.duplicate_submits
    from per_county
    left join regions on regions.region_code = per_county.county_code
    where per_county.accounts_held > 0 or per_county.active_users > 0
)

select * from final
order by active_users desc, accounts_held desc, county_code
