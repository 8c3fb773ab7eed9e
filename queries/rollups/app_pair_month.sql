-- purpose: per county and month, each app against every other app: cadres who used both that month, and duplicate entries between the two (either way round), so one app's overlap never scans cadre-months
-- grain: one row per month, county, app and other app used by one cadre in the same month or sharing a duplicate entry (both orders of each pair)
-- parameters: $month_from, $month_to (dates, firsts of months: only months in [from, to) are built)
with

app_cadre_month as (
    select month, cadre_id, app_id from app_cadre_month
    where month >= $month_from and month < $month_to and events > 0
),

duplicate_pair_month as (
    select month, region_code, original_app_id, app_id, duplicates from duplicate_pair_month
    where month >= $month_from and month < $month_to
),

cadres as (
    select cadre_id, substr(region_code, 1, 6) as county_code from cadres
),

shared as (
    select
        app_cadre_month.month,
        cadres.county_code,
        app_cadre_month.app_id,
        other.app_id as other_app_id,
        count(*) as shared_users,
        0 as repeated_in_other,
        0 as repeated_in_app
    from app_cadre_month
    inner join app_cadre_month as other
        on other.month = app_cadre_month.month
        and other.cadre_id = app_cadre_month.cadre_id
        and other.app_id <> app_cadre_month.app_id
    inner join cadres on cadres.cadre_id = app_cadre_month.cadre_id
    group by 1, 2, 3, 4
),

-- each duplicate once from either app's side: first entered in the app and repeated in the other, or the reverse
duplicates as (
    select
        month, substr(region_code, 1, 6) as county_code, original_app_id as app_id, app_id as other_app_id,
        0 as shared_users, duplicates as repeated_in_other, 0 as repeated_in_app
    from duplicate_pair_month
    union all
    select
        month, substr(region_code, 1, 6), app_id, original_app_id,
        0, 0, duplicates
    from duplicate_pair_month
),

final as (
    select
        month,
        county_code,
        app_id,
        other_app_id,
        cast(sum(shared_users) as bigint) as shared_users,
        cast(sum(repeated_in_other) as bigint) as repeated_in_other,
        cast(sum(repeated_in_app) as bigint) as repeated_in_app
    from (select * from shared union all select * from duplicates)
    group by 1, 2, 3, 4
)

-- app first: one app's rows over a period lie together, so zone maps skip the other apps' row groups (a load's
-- months are appended as their own block, also app first)
select * from final
order by app_id, month, county_code, other_app_id
