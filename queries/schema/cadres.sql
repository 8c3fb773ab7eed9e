-- purpose: grassroots cadres, pseudonymous (no names); home region is a village or a town
-- grain: one row per cadre
-- parameters: none
create table if not exists cadres (
    cadre_id     varchar primary key,
    region_code  varchar not null,  -- village code (12 digits), or town code (9) for town staff
    roles        varchar not null,  -- ';'-separated, e.g. 村委委员;网格员
    age_band     varchar            -- e.g. 50-59
);
