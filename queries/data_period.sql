-- purpose: the period the data covers: first and last month, the last complete month (the views' default latest
--   month), the month to date if any, baseline months, first campaign month, as-of date
-- grain: one row
-- parameters: none
-- scope: none (the months the data covers; no region-linked rows)
with

months as (
    select month, is_baseline, is_partial, days, days_in_month, last_event_on from months
),

final as (
    select
        min(month) as first_month,
        max(month) as last_month,
        -- a month to date is not comparable with full months: defaults end at the month before it
        coalesce(max(case when not is_partial then month end), max(month)) as last_complete_month,
        max(case when is_partial then month end) as partial_month,
        max(case when is_partial then days end) as partial_days,
        max(case when is_partial then days_in_month end) as partial_days_in_month,
        min(case when is_baseline then month end) as baseline_from,
        max(case when is_baseline then month end) as baseline_to,
        min(case when not is_baseline then month end) as campaign_from,
        max(last_event_on) as as_of
    from months
)

select * from final
