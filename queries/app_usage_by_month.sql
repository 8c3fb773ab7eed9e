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

-- the rollup's counties, or a town's or village's own cadres: queries/macros/app_use.sql
per_month as (
    select
        month,
        cast(sum(accounts_held) as bigint) as accounts_held,
        cast(sum(active_users) as bigint) as active_users,
        cast(sum(events) as bigint) as events,
        cast(sum(submits) as bigint) as submits,
        cast(sum(duplicate_submits) as bigint) as duplicate_submits
    from app_use($app, $region, $from, $to, $scope)
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
