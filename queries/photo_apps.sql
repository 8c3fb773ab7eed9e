-- purpose: the apps that demand photos: photos and required photos taken, tasks, voided tasks and photo time per app
-- grain: one row per app with tasks, photos or photo time in the region and [$from, $to], most required photos first
-- parameters: $region (code; null = province), $from (date, first month), $to (date, last month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (home regions within $region and $scope)
with

photo_app_month as (
    select * from photo_app_month
),

apps as (
    select app_id, name_zh, name_en, level, photo_required from apps
),

totals as (
    select
        app_id,
        cast(sum(tasks) as bigint) as tasks,
        cast(sum(photos) as bigint) as photos,
        cast(sum(photos_required) as bigint) as photos_required,
        cast(sum(tasks_photo_required) as bigint) as tasks_photo_required,
        cast(sum(tasks_voided) as bigint) as tasks_voided,
        cast(sum(photo_duration_s) as bigint) as photo_duration_s
    from photo_app_month
    where starts_with(region_code, $scope)
        and ($region is null or starts_with(region_code, $region))
        and ($from is null or month >= $from)
        and ($to is null or month <= $to)
    group by 1
),

final as (
    select
        totals.app_id,
        apps.name_zh,
        apps.name_en,
        apps.level,
        coalesce(apps.photo_required, false) as photo_required,
        totals.tasks,
        totals.photos,
        totals.photos_required,
        totals.photos * 1.0 / nullif(totals.tasks, 0) as photos_per_task,
        totals.tasks_photo_required * 1.0 / nullif(totals.tasks, 0) as share_tasks_photo_required,
        totals.tasks_voided,
        totals.photo_duration_s / 60.0 as photo_minutes
    from totals
    left join apps on apps.app_id = totals.app_id
    where totals.photos > 0 or totals.photo_duration_s > 0
)

select * from final
order by photos_required desc, photos desc, app_id
