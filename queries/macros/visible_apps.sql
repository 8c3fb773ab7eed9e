-- purpose: visible_apps(scope): the apps a viewer with scope root `scope` may see: owned at or above the scope, owned inside it, or held or used by its cadres (another county's own app stays hidden); none for a null scope (docs/access.md)
-- grain: a table macro, one row per visible app with every column of apps; app_info and app_options read it, so the rule has one copy
-- parameters: none
create or replace temp macro visible_apps(scope) as table
    select apps.*
    from apps
    where starts_with(scope, apps.owner_region_code)
        or starts_with(apps.owner_region_code, scope)
        or exists (
            select 1 from app_month_county
            where app_month_county.app_id = apps.app_id
                and starts_with(app_month_county.county_code, scope)
                and (app_month_county.accounts_held > 0 or app_month_county.active_users > 0)
        );
