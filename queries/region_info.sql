-- purpose: name and level of one region (null = the province); an unknown code gives no rows
-- grain: one row per matching region (zero or one)
-- parameters: $region (region code or null), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
with

regions as (
    select region_code, name_zh, name_en, level, parent_code from regions
),

final as (
    select *
    from regions
    where (($region is null and level = 'province') or region_code = $region)
        and starts_with(region_code, $scope)
)

select * from final
