-- purpose: the months up to a period's end that received log rows after a shared link's data date (late uploads
--   for old days, or more days of a month to date), so the page can say its figures moved since the link was made
-- grain: one row per month with such rows
-- parameters: $asof (date, the link's data date), $to (date, first day of the period's last month)
-- scope: none (which months received rows and when; no region-linked rows)
with

data_arrivals as (
    select loaded_at, as_of_before, day from data_arrivals
),

-- loaded while the data already ran to the link's date or later: after the link was made
since_link as (
    select
        cast(date_trunc('month', day) as date) as month,
        loaded_at
    from data_arrivals
    where as_of_before >= $asof
        and day < cast($to as date) + interval '1' month
),

final as (
    select month, max(loaded_at) as last_loaded_at
    from since_link
    group by 1
)

select * from final
order by month
