-- purpose: per app and county each month: accounts held, active users, entries, duplicates, time, photos
-- grain: one row per app, month and county where the app was held or used
-- parameters: $month_from, $month_to (dates, firsts of months: only months in [from, to) are built)
with

app_cadre_month as (
    select * from app_cadre_month
    where month >= $month_from and month < $month_to
),

cadres as (
    select cadre_id, substr(region_code, 1, 6) as county_code from cadres
),

final as (
    select
        app_cadre_month.month,
        app_cadre_month.app_id,
        cadres.county_code,
        cast(sum(case when app_cadre_month.is_held then 1 else 0 end) as bigint) as accounts_held,
        cast(sum(case when app_cadre_month.events > 0 then 1 else 0 end) as bigint) as active_users,
        cast(sum(app_cadre_month.events) as bigint) as events,
        cast(sum(app_cadre_month.submits) as bigint) as submits,
        cast(sum(app_cadre_month.duplicate_submits) as bigint) as duplicate_submits,
        cast(sum(app_cadre_month.duration_s) as bigint) as duration_s,
        cast(sum(app_cadre_month.photos) as bigint) as photos
    from app_cadre_month
    inner join cadres on cadres.cadre_id = app_cadre_month.cadre_id
    group by 1, 2, 3
)

select * from final
order by month, county_code, app_id
