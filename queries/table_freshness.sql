-- purpose: row count, date range and last load of every base and derived table, for the Data page
-- grain: one row per table
-- parameters: none
-- scope: none (row counts and dates per table)
-- requires: import
-- note: the logs' and accounts' counts and date ranges come from the lake's file list (lake_files), not a scan of
--       the files;
--       the other tables are counted once per database version (the result is cached per file version).
with

load_meta as (
    select key, value from load_meta
),

last_load as (
    select try_cast(value as timestamp) as loaded_at from load_meta where key = 'loaded_at'
),

per_table_load as (
    select substr(key, length('loaded_at.') + 1) as table_name, try_cast(value as timestamp) as loaded_at
    from load_meta
    where key like 'loaded_at.%'
),

counted as (
    select 'base' as table_group, 1 as sort_order, 'apps' as table_name, count(*) as row_count,
        min(launched_on) as first_on, max(launched_on) as last_on
    from apps
    union all select 'base', 2, 'cadres', count(*), null::date, null::date from cadres
    union all select 'base', 3, 'app_accounts', coalesce(sum(row_count), 0)::bigint, min(first_ts)::date,
        max(last_ts)::date from lake_files where table_name = 'app_accounts'
    union all select 'base', 4, 'app_events', coalesce(sum(row_count), 0)::bigint, min(first_ts)::date,
        max(last_ts)::date from lake_files where table_name = 'app_events'
    union all select 'base', 5, 'photo_uploads', coalesce(sum(row_count), 0)::bigint, min(first_ts)::date,
        max(last_ts)::date from lake_files where table_name = 'photo_uploads'
    union all select 'load', 25, 'lake_files', count(*), min(month), max(month) from lake_files
    union all select 'base', 6, 'remediation_cases', count(*), min(identified_on), max(identified_on)
    from remediation_cases
    union all select 'reference', 7, 'regions', count(*), null::date, null::date from regions
    union all select 'quarantine', 8, 'quarantine', count(*), min(loaded_at)::date, max(loaded_at)::date
    from quarantine
    union all select 'load', 9, 'data_arrivals', count(*), min(day), max(day) from data_arrivals
    union all select 'derived', 10, 'months', count(*), min(month), max(month) from months
    union all select 'derived', 11, 'cadre_regions', count(*), null::date, null::date from cadre_regions
    union all select 'derived', 12, 'duplicate_submits', count(*), min(month), max(month) from duplicate_submits
    union all select 'derived', 13, 'app_cadre_month', count(*), min(month), max(month) from app_cadre_month
    union all select 'derived', 14, 'cadre_month', count(*), min(month), max(month) from cadre_month
    union all select 'derived', 15, 'apps_hist', count(*), min(month), max(month) from apps_hist
    union all select 'derived', 16, 'region_month', count(*), min(month), max(month) from region_month
    union all select 'derived', 17, 'line_region_month', count(*), min(month), max(month) from line_region_month
    union all select 'derived', 18, 'app_month_county', count(*), min(month), max(month) from app_month_county
    union all select 'derived', 19, 'duplicate_pair_month', count(*), min(month), max(month)
    from duplicate_pair_month
    union all select 'derived', 20, 'fact_type_month', count(*), min(month), max(month) from fact_type_month
    union all select 'derived', 21, 'photo_app_month', count(*), min(month), max(month) from photo_app_month
    union all select 'derived', 22, 'app_recency_month', count(*), min(month), max(month) from app_recency_month
    union all select 'derived', 23, 'app_pair_month', count(*), min(month), max(month) from app_pair_month
    union all select 'derived', 24, 'fix_use_month', count(*), min(month), max(month) from fix_use_month
),

final as (
    select
        c.table_name,
        c.table_group,
        c.row_count,
        c.first_on,
        c.last_on,
        -- derived tables are rebuilt by every load; a base table keeps the time it last received rows
        case when c.table_group = 'derived' then l.loaded_at else coalesce(p.loaded_at, l.loaded_at) end
            as last_loaded_at
    from counted as c
    cross join last_load as l
    left join per_table_load as p on p.table_name = c.table_name
    order by c.sort_order
)

select * from final
