-- purpose: submits that repeat an entry the same cadre already made in a different app (SPEC: duplicate-entry rate)
-- grain: one row per repeating submit event, with its original (the earliest earlier entry in another app)
-- parameters: $window_days (int, look-back, 7); $month_from, $month_to (dates: repeats in [from, to) only)
with

submits as (
    select
        event_id,
        ts,
        cadre_id,
        app_id,
        subject_key,
        fact_type,
        -- buckets as wide as the window: an earlier entry within the window is in this bucket or the one before
        cast(floor(extract(epoch from ts) / ($window_days * 86400)) as bigint) as bucket
    from app_events
    where action = 'submit'
        and subject_key is not null
        and subject_key <> ''
        and fact_type is not null
        -- an original may lie up to the window before the first month built
        and ts >= $month_from - $window_days * interval '1' day
        and ts < $month_to
),

probes as (
    select *, bucket as probe_bucket from submits
    union all
    select *, bucket - 1 as probe_bucket from submits
),

matches as (
    select
        repeat.event_id,
        repeat.ts,
        repeat.cadre_id,
        repeat.app_id,
        repeat.subject_key,
        repeat.fact_type,
        original.event_id as original_event_id,
        original.app_id as original_app_id,
        row_number() over (
            partition by repeat.event_id
            order by original.ts, original.event_id
        ) as match_rank
    from probes as repeat
    inner join submits as original
        on original.cadre_id = repeat.cadre_id
        and original.subject_key = repeat.subject_key
        and original.fact_type = repeat.fact_type
        and original.bucket = repeat.probe_bucket
    where original.app_id <> repeat.app_id
        and original.ts >= repeat.ts - $window_days * interval '1' day
        and (original.ts < repeat.ts or (original.ts = repeat.ts and original.event_id < repeat.event_id))
),

final as (
    select
        event_id,
        ts,
        cast(date_trunc('month', ts) as date) as month,
        cadre_id,
        app_id,
        original_event_id,
        original_app_id,
        subject_key,
        fact_type
    from matches
    where match_rank = 1 and ts >= $month_from
)

select * from final
order by month, cadre_id, ts
