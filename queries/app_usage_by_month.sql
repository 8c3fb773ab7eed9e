-- purpose: one app's use in a region by month: accounts held at month end, active users, events, submits, duplicate entries
-- grain: one row per month of the period (zeros where the app was neither held nor used)
-- parameters: $app (app_id), $region (code; null = province), $from (date, first month), $to (date, last month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (one app's use by cadres of $region within $scope)
with

months as (
    select month from months
    where month between $from and $to
        and $scope is not null  -- no scope, no rows (not even the zero-filled months)
),

app_month_county as (
    select month, county_code, accounts_held, active_users, events, submits, duplicate_submits
    from app_month_county
    where app_id = $app and month between $from and $to
),

app_cadre_month as (
    select month, cadre_id, is_held, events, submits, duplicate_submits
    from app_cadre_month
    where app_id = $app and month between $from and $to
),

cadre_regions as (
    select cadre_id, level, region_code from cadre_regions
),

-- a county or a larger region: the per-county rollup, by code prefix (codes nest)
county_rows as (
    select month, accounts_held, active_users, events, submits, duplicate_submits
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
        app_cadre_month.month,
        case when app_cadre_month.is_held then 1 else 0 end as accounts_held,
        case when app_cadre_month.events > 0 then 1 else 0 end as active_users,
        app_cadre_month.events,
        app_cadre_month.submits,
        app_cadre_month.duplicate_submits
    from app_cadre_month
    inner join scope_cadres on scope_cadres.cadre_id = app_cadre_month.cadre_id
),

per_month as (
    select
        month,
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
        months.month,
        coalesce(per_month.accounts_held, 0) as accounts_held,
        coalesce(per_month.active_users, 0) as active_users,
        coalesce(per_month.events, 0) as events,
        coalesce(per_month.submits, 0) as submits,
        coalesce(per_month.duplicate_submits, 0) as duplicate_submits
    from months
    left join per_month on per_month.month = months.month
)

select * from final
order by month
