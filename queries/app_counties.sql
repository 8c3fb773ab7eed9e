-- purpose: the counties (within a region) where one app is still held or used in a month
-- grain: one row per county with accounts held at month end or active users in the month
-- parameters: $app (app_id), $region (code; null = province), $month (date, first of the month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: county_code
with

regions as (
    select region_code, name_zh, name_en from regions
),

-- the rollup's counties, or a town's or village's own cadres: queries/macros/app_use.sql
per_county as (
    select
        county_code,
        cast(sum(accounts_held) as bigint) as accounts_held,
        cast(sum(active_users) as bigint) as active_users,
        cast(sum(events) as bigint) as events,
        cast(sum(submits) as bigint) as submits,
        cast(sum(duplicate_submits) as bigint) as duplicate_submits
    from app_use($app, $region, $month, $month, $scope)
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
