-- purpose: reference list of Zhejiang divisions (data/zhejiang_divisions), all five levels
-- grain: one row per region
-- parameters: none
create table if not exists regions (
    region_code  varchar primary key,  -- NBS code: 2 province, 4 city, 6 county, 9 town, 12 village
    name_zh      varchar not null,
    name_en      varchar,              -- English name where known (cities, counties); else null
    level        varchar not null,     -- province | city | county | town | village
    parent_code  varchar
);
