-- purpose: every app in the catalogue, for pickers: id, names, level and owner region
-- grain: one row per app
-- parameters: none
with

apps as (
    select app_id, name_zh, name_en, level, owner_region_code from apps
),

final as (
    select * from apps
)

select * from final
order by app_id
