-- purpose: the period the data covers: first and last month, baseline months, first campaign month, as-of date
-- grain: one row
-- parameters: none
-- scope: none (the months the data covers; no region-linked rows)
with

months as (
    select month, is_baseline, last_event_on from months
),

final as (
    select
        min(month) as first_month,
        max(month) as last_month,
        min(case when is_baseline then month end) as baseline_from,
        max(case when is_baseline then month end) as baseline_to,
        min(case when not is_baseline then month end) as campaign_from,
        max(last_event_on) as as_of
    from months
)

select * from final
