-- purpose: facts about the loaded data (as-of date, campaign start, source files)
-- grain: one row per key
-- parameters: none
create table if not exists load_meta (
    key    varchar primary key,
    value  varchar not null
);
