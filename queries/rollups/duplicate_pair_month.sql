-- purpose: duplicate submits per pair of apps (the original entry's app, the repeating app), for the pair matrix
-- grain: one row per month, cadre home region (village or town code), original app and repeating app
-- parameters: $month_from, $month_to (dates, firsts of months: only months in [from, to) are built)
with

duplicate_submits as (
    select month, cadre_id, original_app_id, app_id from duplicate_submits
    where month >= $month_from and month < $month_to
),

cadres as (
    select cadre_id, region_code from cadres
),

final as (
    select
        duplicate_submits.month,
        cadres.region_code,
        duplicate_submits.original_app_id,
        duplicate_submits.app_id,
        count(*) as duplicates
    from duplicate_submits
    inner join cadres on cadres.cadre_id = duplicate_submits.cadre_id
    group by 1, 2, 3, 4
)

select * from final
order by month, region_code, original_app_id, app_id
