-- purpose: the apps a viewer may pick: id, names, level and owner region of every app visible in $scope
-- grain: one row per visible app
-- parameters: $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: apps (owned at or above $scope, owned inside it, or held or used by its cadres: queries/macros/visible_apps.sql)
with

visible as (
    select app_id, name_zh, name_en, level, owner_region_code from visible_apps($scope)
),

final as (
    select * from visible
)

select * from final
order by app_id
