-- purpose: the line (条线, data/lines.toml) and owner department of each app a viewer may see; 'unknown' for an app no line claims (its owner department names no line, or several)
-- grain: one row per visible app
-- parameters: $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: apps (queries/macros/visible_apps.sql)
with

visible as (
    select app_id, line, owner_dept from visible_apps($scope)
),

final as (
    select app_id, coalesce(line, 'unknown') as line, owner_dept
    from visible
)

select * from final
order by app_id
