-- purpose: the regions a filter can offer at the top levels: the province, its cities and counties
-- grain: one row per region (province, city, county)
-- parameters: $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
with

regions as (
    select region_code, name_zh, name_en, level, parent_code from regions
),

final as (
    select *
    from regions
    where level in ('province', 'city', 'county')
        and starts_with(region_code, $scope)
)

select * from final
order by region_code
