-- purpose: submits and duplicate submits by fact type (visit, patrol, inspection, report ...)
-- grain: one row per month, cadre home region (village or town code) and fact type with submits
-- parameters: $month_from, $month_to (dates, firsts of months: only months in [from, to) are built)
with

submits as (
    select cast(date_trunc('month', ts) as date) as month, cadre_id, fact_type
    from app_events
    where action = 'submit' and ts >= $month_from and ts < $month_to
),

duplicate_submits as (
    select month, cadre_id, fact_type from duplicate_submits
    where month >= $month_from and month < $month_to
),

cadres as (
    select cadre_id, region_code from cadres
),

submit_counts as (
    select month, cadre_id, fact_type, count(*) as submits
    from submits
    group by 1, 2, 3
),

duplicate_counts as (
    select month, cadre_id, fact_type, count(*) as duplicate_submits
    from duplicate_submits
    group by 1, 2, 3
),

-- a duplicate is itself a submit, so every duplicate's key has a submit row; null fact types never repeat
final as (
    select
        submit_counts.month,
        cadres.region_code,
        submit_counts.fact_type,
        cast(sum(submit_counts.submits) as bigint) as submits,
        cast(sum(coalesce(duplicate_counts.duplicate_submits, 0)) as bigint) as duplicate_submits
    from submit_counts
    inner join cadres on cadres.cadre_id = submit_counts.cadre_id
    left join duplicate_counts
        on duplicate_counts.month = submit_counts.month
        and duplicate_counts.cadre_id = submit_counts.cadre_id
        and duplicate_counts.fact_type = submit_counts.fact_type
    group by 1, 2, 3
)

select * from final
order by month, region_code, fact_type
