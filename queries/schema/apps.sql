-- purpose: the catalogue of government apps (SPEC "Data contract": apps)
-- grain: one row per app
-- parameters: none
create table if not exists apps (
    app_id              varchar primary key,
    name_zh             varchar not null,
    name_en             varchar not null,
    owner_dept          varchar not null,
    line                varchar,           -- 条线 code (data/lines.toml); a file without it: from owner_dept, else 'unknown'
    level               varchar not null,  -- province | city | county
    owner_region_code   varchar not null,
    platform            varchar not null,  -- standalone | 浙政钉 | 浙里办 | mini-program
    functions           varchar not null,  -- ';'-separated, e.g. 走访登记;巡查;打卡
    launched_on         date,
    is_integrated       boolean not null,  -- SSO plus data sharing with the unified platforms
    has_checkin         boolean not null,
    has_ranking         boolean not null,
    tracks_online_time  boolean not null,
    forced_install      boolean not null,
    photo_required      boolean not null
);
