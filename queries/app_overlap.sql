-- purpose: one app's overlap with every other app in a region: users shared in a month, duplicate entries between the pair over the period
-- grain: one row per other app sharing a user in $month or a duplicate entry with the app in the period
-- parameters: $app (app_id), $region (code; null = province), $from (date, first month), $to (date, last month), $month (date, the month for shared users), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (users and duplicates of cadres of $region within $scope)
-- note: a county or larger region reads the per-county rollups (app_pair_month, app_month_county); a town or a
--       village its own cadres' rows and its home regions' duplicate pairs (queries/reference/app_overlap_by_cadre.sql
--       is the cadre-level form for every region, kept to test this one against)
with

apps as (
    select app_id, name_zh, name_en from apps
),

-- a county or a larger region: the per-county rollups, by code prefix (codes nest)
app_pair_month as (
    select month, other_app_id, shared_users, repeated_in_other, repeated_in_app from app_pair_month
    where app_id = $app
        and (month = $month or month between $from and $to)
        and length(coalesce($region, '')) <= 6
        and ($region is null or starts_with(county_code, $region))
        and starts_with(county_code, $scope)
),

app_month_county as (
    select active_users from app_month_county
    where app_id = $app
        and month = $month
        and length(coalesce($region, '')) <= 6
        and ($region is null or starts_with(county_code, $region))
        and starts_with(county_code, $scope)
),

-- a town or a village lies inside one county: its own cadres' rows, its home regions' duplicate pairs
cadres as (
    select cadre_id from cadres
    where length(coalesce($region, '')) > 6 and starts_with(region_code, $region) and starts_with(region_code, $scope)
),

app_cadre_month as (
    select cadre_id, app_id from app_cadre_month
    where month = $month and events > 0
),

duplicate_pair_month as (
    select original_app_id, app_id, duplicates from duplicate_pair_month
    where (app_id = $app or original_app_id = $app)
        and month between $from and $to
        and length(coalesce($region, '')) > 6
        and starts_with(region_code, $region)
        and starts_with(region_code, $scope)
),

town_app_users as (
    select app_cadre_month.cadre_id
    from app_cadre_month
    inner join cadres on cadres.cadre_id = app_cadre_month.cadre_id
    where app_cadre_month.app_id = $app
),

app_users as (
    select cast(coalesce(sum(active_users), 0) as bigint) as users from app_month_county
    union all
    select count(*) from town_app_users
),

shared as (
    select other_app_id, sum(shared_users) as shared_users
    from app_pair_month
    where month = $month
    group by 1
    having sum(shared_users) > 0
    union all
    select app_cadre_month.app_id, count(*)
    from app_cadre_month
    inner join town_app_users on town_app_users.cadre_id = app_cadre_month.cadre_id
    where app_cadre_month.app_id <> $app
    group by 1
),

-- either order: the entry was first made in the app and repeated in the other, or the reverse
pair_duplicates as (
    select
        other_app_id,
        sum(repeated_in_other) as repeated_in_other,
        sum(repeated_in_app) as repeated_in_app,
        sum(repeated_in_other + repeated_in_app) as duplicate_entries
    from app_pair_month
    where month between $from and $to
    group by 1
    having sum(repeated_in_other + repeated_in_app) > 0
    union all
    select
        case when app_id = $app then original_app_id else app_id end,
        coalesce(sum(duplicates) filter (where original_app_id = $app), 0),
        coalesce(sum(duplicates) filter (where app_id = $app), 0),
        sum(duplicates)
    from duplicate_pair_month
    group by 1
),

final as (
    select
        coalesce(shared.other_app_id, pair_duplicates.other_app_id) as other_app_id,
        apps.name_zh,
        apps.name_en,
        cast(coalesce(shared.shared_users, 0) as bigint) as shared_users,
        (select cast(sum(users) as bigint) from app_users) as app_users,
        cast(coalesce(pair_duplicates.duplicate_entries, 0) as bigint) as duplicate_entries,
        cast(coalesce(pair_duplicates.repeated_in_other, 0) as bigint) as repeated_in_other,
        cast(coalesce(pair_duplicates.repeated_in_app, 0) as bigint) as repeated_in_app
    from shared
    full outer join pair_duplicates on pair_duplicates.other_app_id = shared.other_app_id
    left join apps on apps.app_id = coalesce(shared.other_app_id, pair_duplicates.other_app_id)
)

select * from final
order by duplicate_entries desc, shared_users desc, other_app_id
