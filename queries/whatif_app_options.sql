-- purpose: the apps a what-if can delete or merge: those held or used by cadres in $region in month $to
-- grain: one row per app held or used in $region in month $to
-- parameters: $region (code; null = province), $to (date, the month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (apps of cadres of $region within $scope)
with

apps as (
    select app_id, name_zh, name_en, level from apps
),

app_cadre_month as (
    select cadre_id, app_id, is_held, events from app_cadre_month where month = $to
),

cadre_regions as (
    select cadre_id, region_code from cadre_regions
),

scoped as (
    select app_cadre_month.*
    from app_cadre_month
    inner join cadre_regions on cadre_regions.cadre_id = app_cadre_month.cadre_id
    where cadre_regions.region_code = coalesce($region, '33')
        and starts_with(cadre_regions.region_code, $scope)
),

final as (
    select
        scoped.app_id,
        apps.name_zh,
        apps.name_en,
        apps.level,
        count(case when scoped.is_held then 1 end) as holders,
        count(case when scoped.events > 0 then 1 end) as users
    from scoped
    inner join apps on apps.app_id = scoped.app_id
    group by 1, 2, 3, 4
)

select * from final
order by users desc, holders desc, app_id
