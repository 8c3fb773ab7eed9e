-- purpose: the rows a load rejected, newest load first, with file, line, reason and the raw row (to correct and re-load)
-- grain: one row per quarantined row, at most $limit rows
-- parameters: $limit (int, rows)
-- scope: none (rejected raw rows, for staff correcting a load)
-- requires: import
with

quarantine as (
    select loaded_at, file, line, table_name, reason, raw from quarantine
),

final as (
    select loaded_at, file, line, table_name, reason, raw
    from quarantine
    order by loaded_at desc, file, line
    limit $limit
)

select * from final
