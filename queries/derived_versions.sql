-- purpose: the tables the database has, each with the definition version its derived table was built from (burden/rollups.py) and its columns (checked against the metric registry)
-- grain: one row per table in the main schema; version is null for base tables and for derived ones built before versions were recorded
-- parameters: none
-- scope: none (table names and definition hashes; no region-linked rows)
with

tables as (
    select table_name from duckdb_tables() where schema_name = 'main'
),

table_columns as (
    select table_name, list(column_name order by column_index) as columns
    from duckdb_columns()
    where schema_name = 'main'
    group by 1
),

recorded as (
    select substr(key, length('derived_version.') + 1) as table_name, value as version
    from load_meta
    where starts_with(key, 'derived_version.')
),

final as (
    select tables.table_name, recorded.version, table_columns.columns
    from tables
    left join recorded using (table_name)
    left join table_columns using (table_name)
)

select * from final order by table_name
