-- purpose: the load on each cadre each month: apps held and used, entries, duplicates, time, photos
-- grain: one row per cadre per month (every cadre, every month; zeros when idle)
-- parameters: $month_from, $month_to (dates, firsts of months: only months in [from, to) are built)
with

months as (
    select month from months
    where month >= $month_from and month < $month_to
),

cadres as (
    select cadre_id, region_code from cadres
),

app_cadre_month as (
    select * from app_cadre_month
    where month >= $month_from and month < $month_to
),

submit_events as (
    select cast(date_trunc('month', ts) as date) as month, cadre_id, task_id
    from app_events
    where action = 'submit' and task_id is not null and ts >= $month_from and ts < $month_to
),

photo_uploads as (
    select
        cast(date_trunc('month', ts) as date) as month,
        cadre_id,
        task_id,
        is_required,
        task_voided_for_missing_photo
    from photo_uploads
    where ts >= $month_from and ts < $month_to
),

per_app as (
    select
        month,
        cadre_id,
        cast(sum(case when is_held then 1 else 0 end) as bigint) as apps_held,
        cast(sum(case when events > 0 then 1 else 0 end) as bigint) as apps_used,
        cast(sum(events) as bigint) as events,
        cast(sum(submits) as bigint) as submits,
        cast(sum(duplicate_submits) as bigint) as duplicate_submits,
        cast(sum(duration_s) as bigint) as duration_s,
        cast(sum(photo_duration_s) as bigint) as photo_duration_s,
        cast(sum(photos) as bigint) as photos
    from app_cadre_month
    group by 1, 2
),

tasks as (
    select month, cadre_id, count(distinct task_id) as tasks
    from submit_events
    group by 1, 2
),

photo_tasks as (
    select
        month,
        cadre_id,
        count(distinct case when is_required then task_id end) as tasks_photo_required,
        count(distinct case when task_voided_for_missing_photo then task_id end) as tasks_voided
    from photo_uploads
    group by 1, 2
),

grid as (
    select months.month, cadres.cadre_id, cadres.region_code
    from months
    cross join cadres
),

final as (
    select
        grid.month,
        grid.cadre_id,
        grid.region_code,
        coalesce(per_app.apps_held, 0) as apps_held,
        coalesce(per_app.apps_used, 0) as apps_used,
        coalesce(per_app.events, 0) as events,
        coalesce(per_app.submits, 0) as submits,
        coalesce(per_app.duplicate_submits, 0) as duplicate_submits,
        coalesce(per_app.duration_s, 0) as duration_s,
        coalesce(per_app.photo_duration_s, 0) as photo_duration_s,
        coalesce(tasks.tasks, 0) as tasks,
        coalesce(per_app.photos, 0) as photos,
        coalesce(photo_tasks.tasks_photo_required, 0) as tasks_photo_required,
        coalesce(photo_tasks.tasks_voided, 0) as tasks_voided
    from grid
    left join per_app on per_app.month = grid.month and per_app.cadre_id = grid.cadre_id
    left join tasks on tasks.month = grid.month and tasks.cadre_id = grid.cadre_id
    left join photo_tasks on photo_tasks.month = grid.month and photo_tasks.cadre_id = grid.cadre_id
)

select * from final
order by month, region_code, cadre_id
