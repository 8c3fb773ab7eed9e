-- purpose: one app's overlap with every other app in a region: users shared in a month, duplicate entries between the pair over the period
-- grain: one row per other app sharing a user in $month or a duplicate entry with the app in the period
-- parameters: $app (app_id), $region (code; null = province), $from (date, first month), $to (date, last month), $month (date, the month for shared users), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (users and duplicates of cadres of $region within $scope)
with

apps as (
    select app_id, name_zh, name_en from apps
),

cadres as (
    select cadre_id, region_code from cadres
),

app_cadre_month as (
    select cadre_id, app_id, events from app_cadre_month
    where month = $month and events > 0
),

-- duplicates per pair of apps and home region (village or town): a region's are those under its code (codes nest)
duplicate_pair_month as (
    select region_code, app_id, original_app_id, duplicates from duplicate_pair_month
    where (app_id = $app or original_app_id = $app) and month between $from and $to
        and ($region is null or starts_with(region_code, $region))
        and starts_with(region_code, $scope)
),

-- the region's cadres by their home's code (codes nest), as the duplicates are picked
scope_cadres as (
    select cadre_id from cadres
    where ($region is null or starts_with(region_code, $region))
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
        case when app_id = $app then original_app_id else app_id end as other_app_id,
        coalesce(sum(duplicates) filter (where original_app_id = $app), 0) as repeated_in_other,
        coalesce(sum(duplicates) filter (where app_id = $app), 0) as repeated_in_app,
        sum(duplicates) as duplicate_entries
    from duplicate_pair_month
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
