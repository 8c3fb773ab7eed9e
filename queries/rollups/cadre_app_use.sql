-- purpose: each cadre's use of each app over the whole data period (first and last day with events), so the fix checks never scan cadre-months
-- grain: one row per cadre and app used (events > 0) in at least one month
-- parameters: none
with

app_cadre_month as (
    select cadre_id, app_id, events, first_event_on, last_event_on from app_cadre_month where events > 0
),

final as (
    select
        app_id,
        cadre_id,
        min(first_event_on) as first_event_on,
        max(last_event_on) as last_event_on,
        cast(sum(events) as bigint) as events
    from app_cadre_month
    group by 1, 2
)

-- app first: the fix checks look up a case's app (and its merge target), so zone maps skip other apps
select * from final
order by app_id, cadre_id
