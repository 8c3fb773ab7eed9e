-- purpose: the trace burden each app puts on cadres: submitted tasks, photos, required photos, voided tasks, photo time
-- grain: one row per month, cadre home region (village or town code) and app with tasks, photos or photo time
-- parameters: $month_from, $month_to (dates, firsts of months: only months in [from, to) are built)
with

app_events as (
    select ts, cadre_id, app_id, action, duration_s, task_id from app_events
    where ts >= $month_from and ts < $month_to
),

photo_uploads as (
    select ts, cadre_id, app_id, task_id, is_required, task_voided_for_missing_photo from photo_uploads
    where ts >= $month_from and ts < $month_to
),

cadres as (
    select cadre_id, region_code from cadres
),

-- per cadre first, like cadre_month: a task counts once per cadre, app and month
event_counts as (
    select
        cast(date_trunc('month', ts) as date) as month,
        cadre_id,
        app_id,
        count(distinct case when action = 'submit' then task_id end) as tasks,
        cast(sum(case when action = 'photo' then duration_s else 0 end) as bigint) as photo_duration_s
    from app_events
    where action in ('submit', 'photo')
    group by 1, 2, 3
),

photo_counts as (
    select
        cast(date_trunc('month', ts) as date) as month,
        cadre_id,
        app_id,
        count(*) as photos,
        count(*) filter (where is_required) as photos_required,
        count(distinct case when is_required then task_id end) as tasks_photo_required,
        count(distinct case when task_voided_for_missing_photo then task_id end) as tasks_voided
    from photo_uploads
    group by 1, 2, 3
),

per_cadre as (
    select
        coalesce(event_counts.month, photo_counts.month) as month,
        coalesce(event_counts.cadre_id, photo_counts.cadre_id) as cadre_id,
        coalesce(event_counts.app_id, photo_counts.app_id) as app_id,
        coalesce(event_counts.tasks, 0) as tasks,
        coalesce(event_counts.photo_duration_s, 0) as photo_duration_s,
        coalesce(photo_counts.photos, 0) as photos,
        coalesce(photo_counts.photos_required, 0) as photos_required,
        coalesce(photo_counts.tasks_photo_required, 0) as tasks_photo_required,
        coalesce(photo_counts.tasks_voided, 0) as tasks_voided
    from event_counts
    full outer join photo_counts
        on photo_counts.month = event_counts.month
        and photo_counts.cadre_id = event_counts.cadre_id
        and photo_counts.app_id = event_counts.app_id
),

final as (
    select
        per_cadre.month,
        cadres.region_code,
        per_cadre.app_id,
        cast(sum(per_cadre.tasks) as bigint) as tasks,
        cast(sum(per_cadre.photos) as bigint) as photos,
        cast(sum(per_cadre.photos_required) as bigint) as photos_required,
        cast(sum(per_cadre.tasks_photo_required) as bigint) as tasks_photo_required,
        cast(sum(per_cadre.tasks_voided) as bigint) as tasks_voided,
        cast(sum(per_cadre.photo_duration_s) as bigint) as photo_duration_s
    from per_cadre
    inner join cadres on cadres.cadre_id = per_cadre.cadre_id
    group by 1, 2, 3
)

select * from final
order by month, region_code, app_id
