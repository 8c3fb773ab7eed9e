-- purpose: per closed remediation case (done or verified, delete or merge, with a done date) and month: how the cadres in the case's scope used its app up to that month's end, grouped so fix_checks reads a few rows per case instead of every cadre-month (the period's grace days stay a parameter of fix_checks)
-- grain: one row per month, case_id and used_after (a scope cadre's last day with events in the case's app up to the month's end when it falls after done_on; null groups the cadres whose last day is on or before done_on), for every case whose scope had such a cadre in that month or before
-- parameters: $month_from (date, first of a month: the months from it on are built)
-- note: carried forward (a month's row carries every earlier month's last days): the months before $month_from come
--       in as one carried row per case and cadre. It reads the ledger, so a ledger change rebuilds it whole
with

months as (
    select month from months
    where month >= $month_from
),

cases as (
    select case_id, app_id, target_app_id, scope_region_code, done_on
    from remediation_cases
    where status in ('done', 'verified')
        and action in ('delete', 'merge')
        and done_on is not null
),

cadre_regions as (
    select cadre_id, region_code from cadre_regions
),

app_use as (
    select month, cadre_id, app_id, last_event_on from app_cadre_month
    where events > 0
),

-- per cadre and app used: the first month of use, and the last day of use before the range (one pass over the
-- history, before any join)
app_history as (
    select
        cadre_id,
        app_id,
        min(month) as first_month,
        max(case when month < $month_from then last_event_on end) as last_before
    from app_use
    group by 1, 2
),

-- the months of use in the range, and the months before it as one row a month before it, with the last day so far
use_rows as (
    select cadre_id, app_id, month, last_event_on from app_use
    where month >= $month_from
    union all
    select cadre_id, app_id, cast($month_from - interval '1' month as date) as month, last_before
    from app_history
    where first_month < $month_from
),

scope as (
    select cases.case_id, cases.app_id, cases.target_app_id, cadre_regions.cadre_id
    from cases
    inner join cadre_regions on cadre_regions.region_code = cases.scope_region_code
),

-- each month a scope cadre used the case's app (from the range on), with the last day of use so far
source_use as (
    select
        scope.case_id,
        use_rows.cadre_id,
        use_rows.month,
        max(use_rows.last_event_on) over (
            partition by scope.case_id, use_rows.cadre_id order by use_rows.month rows unbounded preceding
        ) as last_used_on,
        lead(use_rows.month) over (partition by scope.case_id, use_rows.cadre_id order by use_rows.month)
            as next_month
    from scope
    inner join use_rows on use_rows.cadre_id = scope.cadre_id and use_rows.app_id = scope.app_id
),

-- the first month a scope cadre used a merge case's target (only the scope's users, never the target's province-wide)
target_first as (
    select scope.case_id, scope.cadre_id, app_history.first_month
    from scope
    inner join app_history on app_history.cadre_id = scope.cadre_id and app_history.app_id = scope.target_app_id
),

-- each source user at each month's end from their first use on: the last day carries over months without use
cadre_state as (
    select months.month, source_use.case_id, source_use.cadre_id, source_use.last_used_on
    from source_use
    inner join months
        on months.month >= source_use.month
        and (source_use.next_month is null or months.month < source_use.next_month)
),

final as (
    select
        cadre_state.month,
        cadre_state.case_id,
        case when cadre_state.last_used_on > cases.done_on then cadre_state.last_used_on end as used_after,
        count(*) as users,
        count(case when target_first.first_month is null or target_first.first_month > cadre_state.month then 1 end)
            as users_never_on_target,
        max(cadre_state.last_used_on) as last_event_on
    from cadre_state
    inner join cases on cases.case_id = cadre_state.case_id
    left join target_first
        on target_first.case_id = cadre_state.case_id and target_first.cadre_id = cadre_state.cadre_id
    group by 1, 2, 3
)

-- month first: fix_checks reads one month
select * from final
order by month, case_id, used_after
