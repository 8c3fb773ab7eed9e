-- purpose: app usage log; the source of apps used, duplicate entry and fingertip hours
-- grain: one row per event; stored sorted by ts (month) then cadre_id (region-prefixed)
-- parameters: none
create table if not exists app_events (
    event_id     bigint not null,     -- unique within the log
    ts           timestamp not null,  -- Asia/Shanghai wall-clock time
    cadre_id     varchar not null,
    app_id       varchar not null,
    action       varchar not null,    -- open | submit | photo | checkin | view
    duration_s   integer not null,
    subject_key  varchar,             -- household, river segment or site; may be empty
    fact_type    varchar,             -- visit | patrol | inspection | report | ...
    task_id      varchar
);
