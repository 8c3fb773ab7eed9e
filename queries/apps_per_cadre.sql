-- purpose: apps per cadre, held and used: exact median and p90 (percentile_cont over the histogram), mean, share above target
-- grain: one row per region ($region, or each child region when $children) per month when $by_month, else pooled over all cadre-months in [$from, $to]
-- parameters: $region (code; null = province), $children (bool), $from (date, first month), $to (date, last month), $by_month (bool), $target (int, apps), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
with

regions as (
    select region_code, name_zh, name_en, level, parent_code from regions
),

apps_hist as (
    select month, region_code, kind, n_apps, cadres from apps_hist
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

bins as (
    select
        case when $by_month then apps_hist.month end as month,
        apps_hist.region_code,
        apps_hist.kind,
        apps_hist.n_apps,
        cast(sum(apps_hist.cadres) as bigint) as cadres
    from apps_hist
    inner join picked on picked.region_code = apps_hist.region_code
    where ($from is null or apps_hist.month >= $from)
        and ($to is null or apps_hist.month <= $to)
    group by 1, 2, 3, 4
),

-- percentile_cont over the histogram: queries/macros/hist_quantile.sql
stats as (
    select
        bins.month,
        bins.region_code,
        bins.kind,
        cast(sum(bins.cadres) as bigint) as cadres,
        sum(bins.n_apps * bins.cadres) * 1.0 / sum(bins.cadres) as mean,
        sum(case when bins.n_apps > $target then bins.cadres else 0 end) * 1.0 / sum(bins.cadres) as share_above,
        hist_quantile(list({'v': bins.n_apps, 'n': bins.cadres} order by bins.n_apps), 0.5) as median,
        hist_quantile(list({'v': bins.n_apps, 'n': bins.cadres} order by bins.n_apps), 0.9) as p90
    from bins
    group by 1, 2, 3
),

final as (
    select
        held.month,
        picked.region_code,
        picked.name_zh,
        picked.name_en,
        picked.level,
        held.cadres,
        held.median as held_median,
        held.mean as held_mean,
        held.p90 as held_p90,
        held.share_above as held_share_above,
        used.median as used_median,
        used.mean as used_mean,
        used.p90 as used_p90,
        used.share_above as used_share_above
    from stats as held
    inner join stats as used
        on used.month is not distinct from held.month
        and used.region_code = held.region_code
        and used.kind = 'used'
    inner join picked on picked.region_code = held.region_code
    where held.kind = 'held'
)

select * from final
order by month, region_code
