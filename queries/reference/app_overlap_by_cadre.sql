-- purpose: one app's overlap with every other app in a region: users shared in a month, duplicate entries between the pair over the period
-- grain: one row per other app sharing a user in $month or a duplicate entry with the app in the period
-- parameters: $app (app_id), $region (code; null = province), $from (date, first month), $to (date, last month), $month (date, the month for shared users), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (users and duplicates of cadres of $region within $scope)
-- note: reference only, never run by the dashboard: the former app_overlap.sql, straight from cadre-level rows;
--       tests/test_app_rollup_queries.py checks that queries/app_overlap.sql (reading rollups) gives the same rows
with

apps as (
    select app_id, name_zh, name_en from apps
),

cadre_regions as (
    select cadre_id, level, region_code from cadre_regions
),

app_cadre_month as (
    select cadre_id, app_id, events from app_cadre_month
    where month = $month and events > 0
),

duplicate_submits as (
    select cadre_id, app_id, original_app_id from duplicate_submits
    where (app_id = $app or original_app_id = $app) and month between $from and $to
),

scope_cadres as (
    select cadre_id from cadre_regions
    where (($region is null and level = 'province') or region_code = $region)
        and starts_with(region_code, $scope)
),

app_users as (
    select app_cadre_month.cadre_id
    from app_cadre_month
    inner join scope_cadres on scope_cadres.cadre_id = app_cadre_month.cadre_id
    where app_cadre_month.app_id = $app
),

shared as (
    select app_cadre_month.app_id as other_app_id, count(*) as shared_users
    from app_cadre_month
    inner join app_users on app_users.cadre_id = app_cadre_month.cadre_id
    where app_cadre_month.app_id <> $app
    group by 1
),

-- either order: the entry was first made in the app and repeated in the other, or the reverse
pair_duplicates as (
    select
        case when duplicate_submits.app_id = $app then duplicate_submits.original_app_id
            else duplicate_submits.app_id end as other_app_id,
        count(*) filter (where duplicate_submits.original_app_id = $app) as repeated_in_other,
        count(*) filter (where duplicate_submits.app_id = $app) as repeated_in_app,
        count(*) as duplicate_entries
    from duplicate_submits
    inner join scope_cadres on scope_cadres.cadre_id = duplicate_submits.cadre_id
    group by 1
),

final as (
    select
        coalesce(shared.other_app_id, pair_duplicates.other_app_id) as other_app_id,
        apps.name_zh,
        apps.name_en,
        cast(coalesce(shared.shared_users, 0) as bigint) as shared_users,
        (select count(*) from app_users) as app_users,
        cast(coalesce(pair_duplicates.duplicate_entries, 0) as bigint) as duplicate_entries,
        cast(coalesce(pair_duplicates.repeated_in_other, 0) as bigint) as repeated_in_other,
        cast(coalesce(pair_duplicates.repeated_in_app, 0) as bigint) as repeated_in_app
    from shared
    full outer join pair_duplicates on pair_duplicates.other_app_id = shared.other_app_id
    left join apps on apps.app_id = coalesce(shared.other_app_id, pair_duplicates.other_app_id)
)

select * from final
order by duplicate_entries desc, shared_users desc, other_app_id
