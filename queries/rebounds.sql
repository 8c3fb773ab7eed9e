-- purpose: regions whose mean apps used per cadre or duplicate-entry rate rose in each of the 2 months right after their campaign low, within the chosen period (campaign months in [$from, $to]; a month to date is not comparable with full months and is left out)
-- grain: one row per rebounding region and metric (apps_used_mean | duplicate_entry_rate)
-- parameters: $region (code; null = province), $level (region level; null = every level), $from (date, first month; null = the first), $to (date, last month; null = the last), $min_rise_apps (apps), $min_rise_rate (fraction), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
with

months as (
    select month, is_baseline, is_partial from months
    where ($from is null or month >= $from)
        and ($to is null or month <= $to)
),

region_month as (
    select month, region_code, level, cadres, apps_used, submits, duplicate_submits from region_month
),

regions as (
    select region_code, name_zh, name_en from regions
),

campaign as (
    select region_month.*
    from region_month
    inner join months on months.month = region_month.month
    where not months.is_baseline
        and not months.is_partial
        and ($level is null or region_month.level = $level)
        and starts_with(region_month.region_code, $scope)
        and ($region is null or substr(region_month.region_code, 1, length($region)) = $region)
),

series as (
    select region_code, level, month, 'apps_used_mean' as metric,
        apps_used * 1.0 / cadres as value, $min_rise_apps as min_rise
    from campaign
    where cadres > 0
    union all
    select region_code, level, month, 'duplicate_entry_rate' as metric,
        duplicate_submits * 1.0 / submits as value, $min_rise_rate as min_rise
    from campaign
    where submits > 0
),

ordered as (
    select
        *,
        lead(month, 1) over by_month as month_1,
        lead(value, 1) over by_month as value_1,
        lead(month, 2) over by_month as month_2,
        lead(value, 2) over by_month as value_2,
        last_value(month) over whole_series as latest_month,
        last_value(value) over whole_series as latest_value,
        -- the low point: the minimum, and the latest month at it when it is reached more than once
        row_number() over (partition by region_code, metric order by value, month desc) as low_rank
    from series
    window
        by_month as (partition by region_code, metric order by month),
        whole_series as (
            partition by region_code, metric order by month rows between unbounded preceding and unbounded following
        )
),

final as (
    select
        ordered.region_code,
        regions.name_zh,
        regions.name_en,
        ordered.level,
        ordered.metric,
        ordered.month as low_month,
        ordered.value as low_value,
        ordered.month_1,
        ordered.value_1,
        ordered.month_2,
        ordered.value_2,
        ordered.latest_month,
        ordered.latest_value
    from ordered
    left join regions on regions.region_code = ordered.region_code
    where ordered.low_rank = 1
        and ordered.value_1 - ordered.value >= ordered.min_rise
        and ordered.value_2 - ordered.value_1 >= ordered.min_rise
)

select * from final
order by metric, region_code
