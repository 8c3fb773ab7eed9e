-- purpose: the line (条线, data/lines.toml) of each app a viewer may see; 'unknown' for an app no line claims (its owner department names no line, or several)
-- grain: one row per visible app
-- parameters: $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: apps (queries/macros/visible_apps.sql)
with

visible as (
    select app_id, line from visible_apps($scope)
),

final as (
    select app_id, coalesce(line, 'unknown') as line
    from visible
)

select * from final
order by app_id
