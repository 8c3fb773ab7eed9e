-- purpose: app_use(app, region, month_from, month_to, scope): one app's use by the cadres of a region (null = the province) in the months from month_from to month_to: accounts held at month end, active users, events, submits, duplicate entries. A county or a larger region sums the per-county rollup by code prefix (codes nest); a town or a village, which lies inside one county, counts its own cadres. Nothing outside the scope root `scope`, nothing at all for a null scope
-- grain: a table macro, rows of (month, county_code, accounts_held, active_users, events, submits, duplicate_submits) for the caller to sum by month or by county; app_counties and app_usage_by_month read it
-- parameters: none
create or replace temp macro app_use(app, region, month_from, month_to, scope) as table
    select month, county_code, accounts_held, active_users, events, submits, duplicate_submits
    from app_month_county
    where app_id = app
        and month between month_from and month_to
        and length(coalesce(region, '')) <= 6
        and (region is null or starts_with(county_code, region))
        and starts_with(county_code, scope)
    union all
    select
        app_cadre_month.month,
        substr(region, 1, 6) as county_code,
        case when app_cadre_month.is_held then 1 else 0 end as accounts_held,
        case when app_cadre_month.events > 0 then 1 else 0 end as active_users,
        app_cadre_month.events,
        app_cadre_month.submits,
        app_cadre_month.duplicate_submits
    from app_cadre_month
    inner join cadre_regions on cadre_regions.cadre_id = app_cadre_month.cadre_id
    where app_cadre_month.app_id = app
        and app_cadre_month.month between month_from and month_to
        and length(coalesce(region, '')) > 6
        and cadre_regions.region_code = region
        and starts_with(cadre_regions.region_code, scope);
