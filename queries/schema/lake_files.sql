-- purpose: the raw logs' files in the Parquet lake that make up this version of the database (burden/ingest/lake.py)
-- grain: one row per Parquet file; a file is written once and never changed
-- parameters: none
create table if not exists lake_files (
    table_name  varchar not null,    -- app_events | photo_uploads | app_accounts
    month       date not null,       -- the Hive partition: <lake>/<table>/month=YYYY-MM/ (of ts; of opened_on)
    path        varchar not null,    -- absolute
    row_count   bigint not null,
    first_ts    timestamp not null,
    last_ts     timestamp not null,
    added_at    timestamp not null   -- Asia/Shanghai wall-clock time of the load that wrote it
);
