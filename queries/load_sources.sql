-- purpose: what the loads recorded: when the last load ran, the as-of date, the source files, and when each table last received rows
-- grain: one row per load_meta key (loaded_at, as_of, first_event_on, source_files as a JSON list, loaded_at.<table>, ...)
-- parameters: none
-- scope: none (load metadata: file names and times)
-- requires: import
with

load_meta as (
    select key, value from load_meta
),

final as (
    select key, value from load_meta
)

select * from final
order by key
