-- purpose: the line (条线, data/lines.toml), owner and the catalogue facts the rules check (level, launch date, prohibited features, photos required, platform) of each app a viewer may see; 'unknown' for an app no line claims (its owner department names no line, or several)
-- grain: one row per visible app
-- parameters: $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: apps (queries/macros/visible_apps.sql)
with

visible as (
    select * from visible_apps($scope)
),

final as (
    select
        app_id,
        name_zh,
        name_en,
        coalesce(line, 'unknown') as line,
        owner_dept,
        level,
        owner_region_code,
        launched_on,
        has_checkin,
        has_ranking,
        tracks_online_time,
        forced_install,
        photo_required,
        platform
    from visible
)

select * from final
order by app_id
