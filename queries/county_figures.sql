-- purpose: the county map's figures in one query: median and mean apps held per cadre, and the sums every ratio metric divides, of every county under $region in month $month (same arithmetic as apps_per_cadre and burden_rates pooled over that month)
-- grain: one row per county under $region with cadres in $month
-- parameters: $region (code of the map's scope: the province or a city), $month (date, first of the month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
-- metrics: ratios (db.run adds every ratio metric of burden/metrics.toml as a column, from the month's sums)
with

regions as (
    select region_code, level from regions
),

apps_hist as (
    select month, region_code, kind, n_apps, cadres from apps_hist
),

region_month as (
    select * from region_month
),

counties as (
    select region_code
    from regions
    where level = 'county'
        and starts_with(region_code, $region)
        and starts_with(region_code, $scope)
),

bins as (
    select apps_hist.region_code, apps_hist.n_apps, cast(sum(apps_hist.cadres) as bigint) as cadres
    from apps_hist
    inner join counties on counties.region_code = apps_hist.region_code
    where apps_hist.month = $month and apps_hist.kind = 'held'
    group by 1, 2
),

-- the median as percentile_cont over the histogram: queries/macros/hist_quantile.sql
median as (
    select region_code, hist_quantile(list({'v': n_apps, 'n': cadres} order by n_apps), 0.5) as held_median
    from bins
    group by 1
),

held as (
    select
        bins.region_code,
        sum(bins.n_apps * bins.cadres) * 1.0 / sum(bins.cadres) as held_mean
    from bins
    group by 1
),

rates as (
    select region_month.* exclude (month, level), 1 as months
    from region_month
    inner join counties on counties.region_code = region_month.region_code
    where region_month.month = $month
),

final as (
    select
        held.region_code,
        median.held_median,
        held.held_mean,
        rates.* exclude (region_code)
    from held
    inner join median on median.region_code = held.region_code
    left join rates on rates.region_code = held.region_code
)

select * from final
order by region_code
