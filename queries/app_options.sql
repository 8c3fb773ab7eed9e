-- purpose: the apps a viewer may pick: id, names, level and owner region of every app visible in $scope
-- grain: one row per visible app
-- parameters: $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: apps (owned at or above $scope, owned inside it, or held or used by its cadres; same rule as app_info)
with

apps as (
    select app_id, name_zh, name_en, level, owner_region_code from apps
),

app_month_county as (
    select app_id, county_code, accounts_held, active_users from app_month_county
),

-- the app-visibility rule (keep in step with app_info.sql): another county's own app stays hidden
visible as (
    select apps.*
    from apps
    where starts_with($scope, apps.owner_region_code)
        or starts_with(apps.owner_region_code, $scope)
        or exists (
            select 1 from app_month_county
            where app_month_county.app_id = apps.app_id
                and starts_with(app_month_county.county_code, $scope)
                and (app_month_county.accounts_held > 0 or app_month_county.active_users > 0)
        )
),

final as (
    select * from visible
)

select * from final
order by app_id
