-- purpose: histogram of cadres by number of apps (held at month end, used in the month) in one region and month
-- grain: one row per kind (held | used) and app count with at least one cadre
-- parameters: $region (code; null = province), $month (date, first of month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (cadres of $region, $region within $scope)
with

regions as (
    select region_code, level from regions
),

apps_hist as (
    select month, region_code, kind, n_apps, cadres from apps_hist
),

root as (
    select region_code from regions
    where (($region is null and level = 'province') or region_code = $region)
        and starts_with(region_code, $scope)
),

counts as (
    select apps_hist.kind, apps_hist.n_apps, cast(apps_hist.cadres as bigint) as cadres
    from apps_hist
    inner join root on root.region_code = apps_hist.region_code
    where apps_hist.month = $month
),

final as (
    select
        kind,
        n_apps,
        cadres,
        cadres * 1.0 / sum(cadres) over (partition by kind) as share
    from counts
)

select * from final
order by kind, n_apps
