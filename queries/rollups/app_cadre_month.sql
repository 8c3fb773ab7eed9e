-- purpose: per cadre and app, whether the account was open at month end (in a month to date: on the data's last day) and what was done in the app that month
-- grain: one row per month, cadre and app held at month end or used (events or photos) in the month
-- parameters: $month_from, $month_to (dates, firsts of months: only months in [from, to) are built)
with

months as (
    select month, observed_to from months
    where month >= $month_from and month < $month_to
),

accounts as (
    select cadre_id, app_id, opened_on, closed_on from app_accounts
),

events as (
    select ts, cadre_id, app_id, action, duration_s from app_events
    where ts >= $month_from and ts < $month_to
),

duplicate_submits as (
    select month, cadre_id, app_id from duplicate_submits
    where month >= $month_from and month < $month_to
),

photo_uploads as (
    select ts, cadre_id, app_id from photo_uploads
    where ts >= $month_from and ts < $month_to
),

held as (
    select distinct months.month, accounts.cadre_id, accounts.app_id
    from accounts
    inner join months
        on accounts.opened_on <= months.observed_to
        and (accounts.closed_on is null or accounts.closed_on > months.observed_to)
),

used as (
    select
        cast(date_trunc('month', ts) as date) as month,
        cadre_id,
        app_id,
        count(*) as events,
        cast(sum(case when action = 'submit' then 1 else 0 end) as bigint) as submits,
        cast(sum(case when action = 'checkin' then 1 else 0 end) as bigint) as checkins,
        cast(sum(duration_s) as bigint) as duration_s,
        cast(sum(case when action = 'photo' then duration_s else 0 end) as bigint) as photo_duration_s,
        cast(min(ts) as date) as first_event_on,
        cast(max(ts) as date) as last_event_on
    from events
    group by 1, 2, 3
),

duplicates as (
    select month, cadre_id, app_id, count(*) as duplicate_submits
    from duplicate_submits
    group by 1, 2, 3
),

photos as (
    select cast(date_trunc('month', ts) as date) as month, cadre_id, app_id, count(*) as photos
    from photo_uploads
    group by 1, 2, 3
),

keys as (
    select month, cadre_id, app_id from held
    union
    select month, cadre_id, app_id from used
    union
    select month, cadre_id, app_id from photos
),

final as (
    select
        keys.month,
        keys.cadre_id,
        keys.app_id,
        held.app_id is not null as is_held,
        coalesce(used.events, 0) as events,
        coalesce(used.submits, 0) as submits,
        coalesce(used.checkins, 0) as checkins,
        coalesce(duplicates.duplicate_submits, 0) as duplicate_submits,
        coalesce(used.duration_s, 0) as duration_s,
        coalesce(used.photo_duration_s, 0) as photo_duration_s,
        coalesce(photos.photos, 0) as photos,
        used.first_event_on,
        used.last_event_on
    from keys
    inner join months on months.month = keys.month
    left join held
        on held.month = keys.month and held.cadre_id = keys.cadre_id and held.app_id = keys.app_id
    left join used
        on used.month = keys.month and used.cadre_id = keys.cadre_id and used.app_id = keys.app_id
    left join duplicates
        on duplicates.month = keys.month and duplicates.cadre_id = keys.cadre_id and duplicates.app_id = keys.app_id
    left join photos
        on photos.month = keys.month and photos.cadre_id = keys.cadre_id and photos.app_id = keys.app_id
)

select * from final
order by month, cadre_id, app_id
