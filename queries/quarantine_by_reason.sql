-- purpose: rows kept in quarantine, counted by target table and reason, with the files they came from
-- grain: one row per table and reason
-- parameters: none
-- scope: none (counts of rejected rows per table and reason)
-- requires: import
with

quarantine as (
    select loaded_at, file, table_name, reason from quarantine
),

final as (
    select
        table_name,
        reason,
        count(*) as row_count,
        count(distinct file) as files,
        max(loaded_at) as last_loaded_at
    from quarantine
    group by table_name, reason
    order by row_count desc, table_name, reason
)

select * from final
