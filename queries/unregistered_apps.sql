-- purpose: 未备案 apps: app ids in log rows a load rejected as "app_id unknown" that the catalogue still does not list, as seen by the region's cadres in one month
-- grain: one row per unregistered app id with rejected rows of the region's cadres in $month (events and photos timed in it, accounts opened by its end)
-- parameters: $region (code; null = province), $month (date, first of month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (rejected rows of cadres homed within $region and $scope, counted per app id)
with

quarantine as (
    select table_name, file, app_id, cadre_id, ts from quarantine
    where reason = 'app_id unknown'
        and table_name in ('app_events', 'photo_uploads', 'app_accounts')
),

apps as (
    select app_id from apps
),

cadre_regions as (
    select cadre_id, region_code from cadre_regions
),

regions as (
    select region_code, level from regions
),

root as (
    select region_code from regions
    where (($region is null and level = 'province') or region_code = $region)
        and starts_with(region_code, $scope)
),

seen as (
    select quarantine.*
    from quarantine
    inner join cadre_regions on cadre_regions.cadre_id = quarantine.cadre_id
    inner join root on root.region_code = cadre_regions.region_code  -- cadre_regions lists every ancestor
    where quarantine.app_id is not null
        and quarantine.app_id not in (select app_id from apps)
        and quarantine.ts < $month + interval 1 month
        and (quarantine.table_name = 'app_accounts' or quarantine.ts >= $month)
),

final as (
    select
        app_id,
        cast(count(*) as bigint) as rows,
        cast(count(*) filter (where table_name = 'app_events') as bigint) as events,
        cast(count(*) filter (where table_name = 'photo_uploads') as bigint) as photos,
        cast(count(*) filter (where table_name = 'app_accounts') as bigint) as accounts,
        cast(count(distinct cadre_id) as bigint) as cadres,
        min(ts) as first_seen,
        max(ts) as last_seen,
        list(distinct file order by file) as files
    from seen
    group by app_id
)

select * from final
order by rows desc, app_id
