-- purpose: the calendar of months with data; months before the campaign start are baseline
-- grain: one row per month from the first to the last month with events (gaps included)
-- parameters: $campaign_start (date, first month of the campaign)
with recursive

events as (
    select ts from app_events
),

event_days as (
    select
        cast(date_trunc('month', ts) as date) as month,
        cast(min(ts) as date) as first_event_on,
        cast(max(ts) as date) as last_event_on
    from events
    group by 1
),

calendar (month) as (
    select min(month) from event_days
    union all
    select cast(month + interval '1' month as date)
    from calendar
    where month < (select max(month) from event_days)
),

final as (
    select
        calendar.month,
        cast(calendar.month + interval '1' month - interval '1' day as date) as month_end,
        extract(day from calendar.month + interval '1' month - interval '1' day) as days,
        calendar.month < cast(date_trunc('month', $campaign_start) as date) as is_baseline,
        event_days.first_event_on,
        event_days.last_event_on
    from calendar
    left join event_days on event_days.month = calendar.month
    where calendar.month is not null
)

select * from final
order by month
