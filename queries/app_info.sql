-- purpose: the catalogue entry of one app; an unknown app_id gives no rows
-- grain: one row per matching app (zero or one)
-- parameters: $app (app_id)
with

apps as (
    select * from apps
),

final as (
    select *
    from apps
    where app_id = $app
)

select * from final
