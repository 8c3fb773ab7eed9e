-- purpose: the columns of the derived table every ratio metric divides (region_month), to check the metric registry against the database (frame.stop_if_stale)
-- grain: one row per column of region_month
-- parameters: none
-- scope: none (column names; no region-linked rows)
with

final as (
    select column_name
    from duckdb_columns()
    where schema_name = 'main' and table_name = 'region_month'
)

select * from final order by column_name
