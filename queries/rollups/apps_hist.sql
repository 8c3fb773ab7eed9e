-- purpose: histogram of apps per cadre (held at month end, used in the month) for exact medians and p90 at any pooling
-- grain: one row per region (every level), month, kind (held | used) and app count
-- parameters: $month_from, $month_to (dates, firsts of months: only months in [from, to) are built)
with

cadre_month as (
    select month, cadre_id, apps_held, apps_used from cadre_month
    where month >= $month_from and month < $month_to
),

cadre_regions as (
    select cadre_id, region_code from cadre_regions
),

per_cadre as (
    select month, cadre_id, 'held' as kind, apps_held as n_apps from cadre_month
    union all
    select month, cadre_id, 'used' as kind, apps_used as n_apps from cadre_month
),

final as (
    select
        per_cadre.month,
        cadre_regions.region_code,
        per_cadre.kind,
        per_cadre.n_apps,
        count(*) as cadres
    from per_cadre
    inner join cadre_regions on cadre_regions.cadre_id = per_cadre.cadre_id
    group by 1, 2, 3, 4
)

select * from final
order by month, region_code, kind, n_apps
