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
        -- every count of app_cadre_month, summed: a count added there reaches region_month and the metrics
        cast(sum(columns(* exclude (month, cadre_id, app_id, is_held, first_event_on, last_event_on))) as bigint)
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
        coalesce(columns(per_app.* exclude (month, cadre_id)), 0),
        coalesce(tasks.tasks, 0) as tasks,
        coalesce(photo_tasks.tasks_photo_required, 0) as tasks_photo_required,
        coalesce(photo_tasks.tasks_voided, 0) as tasks_voided
    from grid
    left join per_app on per_app.month = grid.month and per_app.cadre_id = grid.cadre_id
    left join tasks on tasks.month = grid.month and tasks.cadre_id = grid.cadre_id
    left join photo_tasks on photo_tasks.month = grid.month and photo_tasks.cadre_id = grid.cadre_id
)

select * from final
order by month, region_code, cadre_id
