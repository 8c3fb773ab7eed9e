-- purpose: the calendar of months with data; months before the campaign start are baseline; the last month is
--   a month to date (is_partial) while the data's last day comes before its end
-- grain: one row per month from the first to the last month with events (gaps included)
-- columns: days = days observed (the calendar month, or in a month to date its first day to the data's last day:
--   the denominator of every rate per cadre-week); observed_to = the month's last observed day (month_end, or
--   the data's last day), the day apps held "at month end" are judged
-- parameters: $campaign_start (date, first month of the campaign), $month_from, $month_to (dates: the months [from, to), all in the calendar), $data_last_on (date, the last day with events in all the data)
-- note: $month_from 1900-01-01 and $month_to 9999-01-01 mean the first and last month with events
with

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

-- every month from the first to the last, gaps included (a series, not a recursive CTE: Spark runs a recursion
-- as a job per month)
series as (
    select unnest(generate_series(first_month, last_month, interval '1' month)) as first_day
    from bounds
),

calendar as (
    select cast(first_day as date) as month from series
),

final as (
    select
        calendar.month,
        cast(calendar.month + interval '1' month - interval '1' day as date) as month_end,
        extract(day from calendar.month + interval '1' month - interval '1' day) as days_in_month,
        coalesce(date_trunc('month', cast($data_last_on as date)) = calendar.month
            and cast($data_last_on as date) < month_end, false) as is_partial,
        case when is_partial then extract(day from cast($data_last_on as date)) else days_in_month end as days,
        case when is_partial then cast($data_last_on as date) else month_end end as observed_to,
        calendar.month < cast(date_trunc('month', $campaign_start) as date) as is_baseline,
        event_days.first_event_on,
        event_days.last_event_on
    from calendar
    left join event_days on event_days.month = calendar.month
    where calendar.month is not null
)

select * from final
order by month
