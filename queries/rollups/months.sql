-- purpose: the calendar of months with data; months before the campaign start are baseline
-- grain: one row per month from the first to the last month with events (gaps included)
-- parameters: $campaign_start (date, first month of the campaign); $month_from, $month_to (dates: the months
--   [from, to), all in the calendar; 1900-01-01 and 9999-01-01 mean the first and last month with events)
with recursive

events as (
    select ts from app_events
    where ts >= $month_from and ts < $month_to
),

event_days as (
    select
        cast(date_trunc('month', ts) as date) as month,
        cast(min(ts) as date) as first_event_on,
        cast(max(ts) as date) as last_event_on
    from events
    group by 1
),

-- a load's update names its months (gaps included); a full build spans the months with events
bounds as (
    select
        case when $month_from > date '1900-01-01' then cast($month_from as date) else min(month) end as first_month,
        case
            when $month_to < date '9999-01-01' then cast($month_to - interval '1' month as date) else max(month)
        end as last_month
    from event_days
),

calendar (month) as (
    select first_month from bounds
    union all
    select cast(month + interval '1' month as date)
    from calendar
    where month < (select last_month from bounds)
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
