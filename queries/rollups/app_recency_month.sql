-- purpose: per app and county at each month's end: cadres by account held or not and by their last day with events so far, so the app flags (accounts against users active in the last N days) never scan cadre-months
-- grain: one row per month, app, county, is_held (account open at month end) and last_event_on (the cadre's last day with events in the app up to the month's end; null = none yet), for every cadre held or used the app in that month or before
-- parameters: $month_from (date, first of a month: the months from it on are built)
-- note: carried forward (a month's row depends on every earlier month): the months before $month_from come in as
--       one carried row per cadre and app, so an update after a late event for an old month rebuilds that month
--       and every month after it, and a daily load only the last
with

months as (
    select month from months
    where month >= $month_from
),

app_cadre_month as (
    select month, cadre_id, app_id, is_held, last_event_on from app_cadre_month
),

cadres as (
    select cadre_id, substr(region_code, 1, 6) as county_code from cadres
),

-- the months before the range as one row a month before it: not held then, the last day with events so far
carried as (
    select
        cast($month_from - interval '1' month as date) as month,
        cadre_id,
        app_id,
        false as is_held,
        max(last_event_on) as last_event_on
    from app_cadre_month
    where month < $month_from
    group by 2, 3
),

history as (
    select month, cadre_id, app_id, is_held, last_event_on from app_cadre_month
    where month >= $month_from
    union all
    select month, cadre_id, app_id, is_held, last_event_on from carried
),

-- months a cadre has a row for the app: held at month end, or used
present as (
    select
        month,
        cadre_id,
        app_id,
        is_held,
        max(last_event_on) over (partition by cadre_id, app_id order by month rows unbounded preceding)
            as last_event_on,
        lead(month) over (partition by cadre_id, app_id order by month) as next_month
    from history
),

-- months between two rows (or after the last): the account is closed, nothing was done, the last day carries over
gaps as (
    select months.month, present.cadre_id, present.app_id, false as is_held, present.last_event_on
    from present
    inner join months
        on months.month > present.month
        and (present.next_month is null or months.month < present.next_month)
),

cadre_state as (
    select month, cadre_id, app_id, is_held, last_event_on from present
    where month >= $month_from
    union all
    select month, cadre_id, app_id, is_held, last_event_on from gaps
),

final as (
    select
        cadre_state.month,
        cadre_state.app_id,
        cadres.county_code,
        cadre_state.is_held,
        cadre_state.last_event_on,
        count(*) as cadres
    from cadre_state
    inner join cadres on cadres.cadre_id = cadre_state.cadre_id
    group by 1, 2, 3, 4, 5
)

-- month first: the flags read one month; county next, so a county's scan skips the others' row groups
select * from final
order by month, county_code, app_id, is_held, last_event_on
