-- purpose: the load each line (条线) puts on the region's grassroots cadres over [$from, $to], per cadre group: per cadre, apps held and used, fingertip hours and photos per cadre-week, share of cadres reached (千条线 → 一根针)
-- grain: one row per cadre group (village, town) and line with a cadre of the group reached in the period; a group's rows add up to the group's load
-- parameters: $region (code; null = province), $from (date, first month), $to (date, last month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (cadres of $region, $region within $scope)
with

regions as (
    select region_code, level from regions
),

line_region_month as (
    select * from line_region_month
),

root as (
    select region_code from regions
    where (($region is null and level = 'province') or region_code = $region)
        and starts_with(region_code, $scope)
),

rows_in_period as (
    select line_region_month.*
    from line_region_month
    inner join root on root.region_code = line_region_month.region_code
    where ($from is null or line_region_month.month >= $from)
        and ($to is null or line_region_month.month <= $to)
),

-- each group's cadre-months and cadre-weeks over the period, whichever lines reach it (the denominators)
group_months as (
    select cadre_group, sum(cadres) as cadre_months, sum(cadre_weeks) as cadre_weeks, max(cadres) as cadres
    from (select distinct month, cadre_group, cadres, cadre_weeks from rows_in_period)
    group by 1
),

totals as (
    select
        cadre_group,
        line,
        cast(sum(columns(* exclude (month, region_code, level, cadre_group, line, cadres, cadre_weeks))) as bigint)
    from rows_in_period
    group by 1, 2
),

final as (
    select
        totals.cadre_group,
        totals.line,
        cast(group_months.cadres as bigint) as cadres,
        cast(group_months.cadre_months as bigint) as cadre_months,
        group_months.cadre_weeks,
        totals.* exclude (cadre_group, line),
        totals.apps_held * 1.0 / group_months.cadre_months as apps_held_per_cadre,
        totals.apps_used * 1.0 / group_months.cadre_months as apps_used_per_cadre,
        totals.duration_s / 3600.0 / group_months.cadre_weeks as hours_per_cadre_week,
        totals.photos * 1.0 / group_months.cadre_weeks as photos_per_cadre_week,
        totals.cadres_reached * 1.0 / group_months.cadre_months as share_cadres_reached
    from totals
    inner join group_months on group_months.cadre_group = totals.cadre_group
)

select * from final
order by cadre_group desc, apps_held_per_cadre desc, line
