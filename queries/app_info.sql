-- purpose: the catalogue entry of one app; an unknown app_id, or an app not visible in $scope, gives no rows
-- grain: one row per matching app (zero or one)
-- parameters: $app (app_id), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: apps (owned at or above $scope, owned inside it, or held or used by its cadres: queries/macros/visible_apps.sql)
with

visible as (
    select * from visible_apps($scope)
),

final as (
    select *
    from visible
    where app_id = $app
)

select * from final
