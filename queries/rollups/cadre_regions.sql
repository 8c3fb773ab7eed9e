-- purpose: each cadre's home region and all its ancestors (NBS codes nest by prefix)
-- grain: one row per cadre per ancestor level (province, city, county, town, and village when the home is one)
-- parameters: none
with

cadres as (
    select cadre_id, region_code from cadres
),

levels as (
    select 'province' as level, 2 as code_length
    union all select 'city', 4
    union all select 'county', 6
    union all select 'town', 9
    union all select 'village', 12
),

final as (
    select
        cadres.cadre_id,
        levels.level,
        substr(cadres.region_code, 1, levels.code_length) as region_code
    from cadres
    inner join levels on levels.code_length <= length(cadres.region_code)
)

select * from final
order by region_code, cadre_id
