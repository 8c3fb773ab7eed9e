-- purpose: photos uploaded as proof (留痕) or evidence (取证)
-- grain: one row per photo
-- parameters: none
create table if not exists photo_uploads (
    photo_id                       bigint not null,
    ts                             timestamp not null,
    cadre_id                       varchar not null,
    app_id                         varchar not null,
    task_id                        varchar,
    purpose                        varchar not null,  -- proof | evidence
    bytes                          bigint not null,
    is_required                    boolean not null,
    task_voided_for_missing_photo  boolean not null
);
