-- purpose: the cadres homed in one village (or a town's own staff) and their load in one month; pseudonymous, no names
-- grain: one row per cadre whose home region is exactly $region
-- parameters: $region (village or town code), $month (date, first of month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
-- requires: cadre_rows
with

cadres as (
    select cadre_id, region_code, roles, age_band from cadres
),

regions as (
    select region_code, name_zh from regions
),

cadre_month as (
    select * from cadre_month
),

months as (
    select month, days from months
),

final as (
    select
        cadres.cadre_id,
        cadres.region_code,
        regions.name_zh as region_name_zh,
        cadres.roles,
        cadres.age_band,
        cadre_month.apps_held,
        cadre_month.apps_used,
        cadre_month.events,
        cadre_month.submits,
        cadre_month.duplicate_submits,
        cadre_month.duplicate_submits * 1.0 / nullif(cadre_month.submits, 0) as duplicate_entry_rate,
        -- one cadre's weeks in the month: days / 7, as in fingertip_hours_per_cadre_week
        cadre_month.duration_s / 3600.0 / (months.days / 7.0) as fingertip_hours_per_week
    from cadres
    inner join regions on regions.region_code = cadres.region_code
    inner join cadre_month on cadre_month.cadre_id = cadres.cadre_id
    inner join months on months.month = cadre_month.month
    where cadres.region_code = $region
        and starts_with(cadres.region_code, $scope)
        and cadre_month.month = $month
)

select * from final
order by cadre_id
