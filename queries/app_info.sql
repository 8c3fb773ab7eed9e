-- purpose: the catalogue entry of one app; an unknown app_id, or an app not visible in $scope, gives no rows
-- grain: one row per matching app (zero or one)
-- parameters: $app (app_id), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: apps (owned at or above $scope, owned inside it, or held or used by its cadres; same rule as app_options)
with

apps as (
    select * from apps
),

app_month_county as (
    select app_id, county_code, accounts_held, active_users from app_month_county
),

-- the app-visibility rule (keep in step with app_options.sql): another county's own app stays hidden
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
    select *
    from visible
    where app_id = $app
)

select * from final
