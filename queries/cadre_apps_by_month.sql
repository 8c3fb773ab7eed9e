-- purpose: one cadre's apps held (month end) and used, month by month
-- grain: one row per month
-- parameters: $cadre_id, $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (one cadre's months; the cadre's home must lie within $scope)
-- requires: cadre_rows
with

cadre_month as (
    select month, cadre_id, region_code, apps_held, apps_used from cadre_month
),

final as (
    select month, apps_held, apps_used
    from cadre_month
    where cadre_id = $cadre_id
        and starts_with(region_code, $scope)
)

select * from final
order by month
