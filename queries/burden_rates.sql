-- purpose: the sums every ratio metric divides (burden/metrics.toml; metrics.with_ratios adds the ratios): entries, duplicates, time, tasks, photos, cadre-weeks, months, cases
-- grain: one row per region ($region, or each child region when $children) per month when $by_month, else pooled over [$from, $to]
-- parameters: $region (code; null = province), $children (bool), $from (date, first month), $to (date, last month), $by_month (bool), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
-- metrics: ratios (db.run adds every ratio metric of burden/metrics.toml as a column, from these sums)
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
        -- every additive column of the rollup, summed: a new column there reaches every ratio in burden/metrics.toml
        cast(sum(columns(region_month.* exclude (month, region_code, level, cadre_weeks, cases_total, cases_done)))
            as bigint),
        sum(region_month.cadre_weeks) as cadre_weeks,
        count(distinct region_month.month) as months,
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
        totals.* exclude (month, region_code)
    from totals
    inner join picked on picked.region_code = totals.region_code
)

select * from final
order by month, region_code
