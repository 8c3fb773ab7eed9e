-- purpose: one cadre's apps held (month end) and used, month by month
-- grain: one row per month
-- parameters: $cadre_id
with

cadre_month as (
    select month, cadre_id, apps_held, apps_used from cadre_month
),

final as (
    select month, apps_held, apps_used
    from cadre_month
    where cadre_id = $cadre_id
)

select * from final
order by month
