-- purpose: burden rates: duplicate-entry rate, fingertip hours, trace burden (photos) and remediation progress
-- grain: one row per region ($region, or each child region when $children) per month when $by_month, else pooled over [$from, $to]
-- parameters: $region (code; null = province), $children (bool), $from (date, first month), $to (date, last month), $by_month (bool), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
with

regions as (
    select region_code, name_zh, name_en, level, parent_code from regions
),

region_month as (
    select * from region_month
),

-- note: town staff (homed at a town) belong to no village, so a town's villages need not add up to it
root as (
    select region_code from regions
    where ($region is null and level = 'province') or region_code = $region
),

picked as (
    select regions.*
    from regions
    inner join root
        on root.region_code = case when $children then regions.parent_code else regions.region_code end
    where starts_with(regions.region_code, $scope)
),

totals as (
    select
        case when $by_month then region_month.month end as month,
        region_month.region_code,
        cast(sum(region_month.cadres) as bigint) as cadres,
        sum(region_month.cadre_weeks) as cadre_weeks,
        cast(sum(region_month.submits) as bigint) as submits,
        cast(sum(region_month.duplicate_submits) as bigint) as duplicate_submits,
        cast(sum(region_month.duration_s) as bigint) as duration_s,
        cast(sum(region_month.photo_duration_s) as bigint) as photo_duration_s,
        cast(sum(region_month.tasks) as bigint) as tasks,
        cast(sum(region_month.photos) as bigint) as photos,
        cast(sum(region_month.tasks_photo_required) as bigint) as tasks_photo_required,
        cast(sum(region_month.tasks_voided) as bigint) as tasks_voided,
        -- both are cumulative as at month end, so the maximum is the value at the last month
        cast(max(region_month.cases_total) as bigint) as cases_total,
        cast(max(region_month.cases_done) as bigint) as cases_done
    from region_month
    inner join picked on picked.region_code = region_month.region_code
    where ($from is null or region_month.month >= $from)
        and ($to is null or region_month.month <= $to)
    group by 1, 2
),

final as (
    select
        totals.month,
        picked.region_code,
        picked.name_zh,
        picked.name_en,
        picked.level,
        totals.cadres,
        totals.submits,
        totals.duplicate_submits,
        totals.duplicate_submits * 1.0 / nullif(totals.submits, 0) as duplicate_entry_rate,
        totals.duration_s / 3600.0 / nullif(totals.cadre_weeks, 0) as fingertip_hours_per_cadre_week,
        totals.photos * 1.0 / nullif(totals.tasks, 0) as photos_per_task,
        totals.photo_duration_s / 60.0 / nullif(totals.cadre_weeks, 0) as photo_minutes_per_cadre_week,
        totals.tasks_photo_required * 1.0 / nullif(totals.tasks, 0) as share_tasks_photo_required,
        totals.tasks,
        totals.photos,
        totals.tasks_voided,
        totals.cases_total,
        totals.cases_done,
        totals.cases_done * 1.0 / nullif(totals.cases_total, 0) as remediation_progress
    from totals
    inner join picked on picked.region_code = totals.region_code
)

select * from final
order by month, region_code
