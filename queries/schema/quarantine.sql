-- purpose: rows a load rejected, kept with their reason for the data-quality view and for re-loading
-- grain: one row per rejected row per load
-- parameters: none
create table if not exists quarantine (
    loaded_at   timestamp not null,
    file        varchar not null,
    line        bigint,            -- line in a CSV, row in a sheet or Parquet file (1 = first data row)
    table_name  varchar not null,
    reason      varchar not null,
    raw         varchar,           -- the row as read, JSON
    -- the row's ids and time as typed, where its kind has them (the 未备案 rule counts unknown app ids by these)
    app_id      varchar,
    cadre_id    varchar,
    ts          timestamp          -- an event's or photo's time; an account's opened_on
);
