-- purpose: the load each line (条线, apps.line) puts on a region's grassroots cadres, per cadre group: apps held and used, entries, duplicates, time, photos (千条线 → 一根针)
-- grain: one row per month, region (every level with cadres), cadre group (village: cadres homed in a village; town: town staff) and line that holds or is used by a cadre of the group that month
-- parameters: $month_from, $month_to (dates, firsts of months: only months in [from, to) are built)
with

months as (
    select month, days from months
    where month >= $month_from and month < $month_to
),

app_cadre_month as (
    select * from app_cadre_month
    where month >= $month_from and month < $month_to
),

apps as (
    select app_id, coalesce(line, 'unknown') as line from apps
),

cadres as (
    select
        cadre_id,
        region_code,
        case when length(region_code) = 12 then 'village' else 'town' end as cadre_group
    from cadres
),

levels as (
    select 'province' as level, 2 as code_length
    union all select 'city', 4
    union all select 'county', 6
    union all select 'town', 9
    union all select 'village', 12
),

-- each cadre's load from each line: a cadre counts once per line however many of its apps they have
per_cadre as (
    select
        app_cadre_month.month,
        app_cadre_month.cadre_id,
        apps.line,
        cast(sum(case when app_cadre_month.is_held then 1 else 0 end) as bigint) as apps_held,
        cast(sum(case when app_cadre_month.events > 0 then 1 else 0 end) as bigint) as apps_used,
        -- every count of app_cadre_month, summed (as cadre_month does)
        cast(sum(columns(app_cadre_month.* exclude (
            month, cadre_id, app_id, is_held, first_event_on, last_event_on
        ))) as bigint)
    from app_cadre_month
    inner join apps on apps.app_id = app_cadre_month.app_id
    group by 1, 2, 3
),

-- summed in each home region (village or town) first; the counts add up the prefix tree from there
homes as (
    select
        per_cadre.month,
        cadres.region_code,
        cadres.cadre_group,
        per_cadre.line,
        count(*) as cadres_reached,
        cast(sum(columns(per_cadre.* exclude (month, cadre_id, line))) as bigint)
    from per_cadre
    inner join cadres on cadres.cadre_id = per_cadre.cadre_id
    group by 1, 2, 3, 4
),

totals as (
    select
        homes.month,
        substr(homes.region_code, 1, levels.code_length) as region_code,
        levels.level,
        homes.cadre_group,
        homes.line,
        cast(sum(columns(homes.* exclude (month, region_code, cadre_group, line))) as bigint)
    from homes
    inner join levels on levels.code_length <= length(homes.region_code)
    group by 1, 2, 3, 4, 5
),

-- the group's size in each region: every cadre of the group, reached by the line or not
group_sizes as (
    select
        substr(cadres.region_code, 1, levels.code_length) as region_code,
        cadres.cadre_group,
        count(*) as cadres
    from cadres
    inner join levels on levels.code_length <= length(cadres.region_code)
    group by 1, 2
),

final as (
    select
        totals.month,
        totals.region_code,
        totals.level,
        totals.cadre_group,
        totals.line,
        group_sizes.cadres,
        group_sizes.cadres * months.days / 7.0 as cadre_weeks,
        totals.* exclude (month, region_code, level, cadre_group, line)
    from totals
    inner join months on months.month = totals.month
    inner join group_sizes
        on group_sizes.region_code = totals.region_code and group_sizes.cadre_group = totals.cadre_group
)

select * from final
order by month, region_code, cadre_group, line
