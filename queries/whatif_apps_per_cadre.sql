-- purpose: what-if: apps per cadre (held and used; median, mean) and fingertip hours returned if the chosen apps were deleted or merged, in month $to
-- grain: one row for $region (is_total) and one per child region with cadres
-- parameters: $region (code; null = province), $to (date, the month), $delete (list of app ids to delete), $merge_from (list of app ids), $merge_to (list of app ids, same length: $merge_from[i] goes into $merge_to[i]), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
with

regions as (
    select region_code, name_zh, name_en, level, parent_code from regions
),

months as (
    select month, days from months where month = $to
),

cadre_month as (
    select month, cadre_id from cadre_month where month = $to
),

cadre_regions as (
    select cadre_id, region_code from cadre_regions
),

app_cadre_month as (
    select cadre_id, app_id, is_held, events, duration_s from app_cadre_month where month = $to
),

choices as (
    select
        cast(coalesce($delete, []) as varchar[]) as deleted,
        cast(coalesce($merge_from, []) as varchar[]) as sources,
        cast(coalesce($merge_to, []) as varchar[]) as targets
),

root as (
    select region_code from regions
    where (($region is null and level = 'province') or region_code = $region)
        and starts_with(region_code, $scope)
),

picked as (
    select regions.*, true as is_total
    from regions
    inner join root on root.region_code = regions.region_code
    union all
    select regions.*, false as is_total
    from regions
    inner join root on root.region_code = regions.parent_code
),

-- a merged app's rows count for its target; an app is gone when it, or the app it is merged into, is deleted
mapped as (
    select
        app_cadre_month.*,
        case
            when list_contains(choices.sources, app_cadre_month.app_id)
                then choices.targets[list_position(choices.sources, app_cadre_month.app_id)]
            else app_cadre_month.app_id
        end as after_app_id,
        choices.deleted
    from app_cadre_month
    cross join choices
),

after_choice as (
    select
        *,
        not (list_contains(deleted, app_id) or list_contains(deleted, after_app_id)) as is_kept,
        app_id <> after_app_id as is_merged
    from mapped
),

target_users as (
    select distinct cadre_id, app_id from after_choice where events > 0
),

-- time returned: all of a deleted app's time; of a merged app, the time of cadres who also used the target
-- (their entry is made once, taking the target's time); a cadre new to the target keeps the source's time
per_cadre as (
    select
        after_choice.cadre_id,
        count(distinct case when after_choice.is_held then after_choice.app_id end) as held_before,
        count(distinct case when after_choice.events > 0 then after_choice.app_id end) as used_before,
        count(distinct case when after_choice.is_held and after_choice.is_kept then after_choice.after_app_id end)
            as held_after,
        count(distinct case when after_choice.events > 0 and after_choice.is_kept then after_choice.after_app_id end)
            as used_after,
        sum(after_choice.duration_s) as duration_s,
        sum(case
            when not after_choice.is_kept then after_choice.duration_s
            when after_choice.is_merged and target_users.cadre_id is not null then after_choice.duration_s
            else 0
        end) as returned_s
    from after_choice
    left join target_users
        on target_users.cadre_id = after_choice.cadre_id
        and target_users.app_id = after_choice.after_app_id
    group by 1
),

-- every cadre counts, with zeros when the cadre held and used nothing
cadres as (
    select
        picked.region_code,
        cadre_month.cadre_id,
        coalesce(per_cadre.held_before, 0) as held_before,
        coalesce(per_cadre.used_before, 0) as used_before,
        coalesce(per_cadre.held_after, 0) as held_after,
        coalesce(per_cadre.used_after, 0) as used_after,
        coalesce(per_cadre.duration_s, 0) as duration_s,
        coalesce(per_cadre.returned_s, 0) as returned_s
    from cadre_month
    inner join cadre_regions on cadre_regions.cadre_id = cadre_month.cadre_id
    inner join picked on picked.region_code = cadre_regions.region_code
    left join per_cadre on per_cadre.cadre_id = cadre_month.cadre_id
),

stats as (
    select
        region_code,
        count(*) as cadres,
        -- percentile_cont over each count's histogram (queries/macros/hist_quantile.sql)
        hist_quantile(hist_bins(histogram(held_before)), 0.5) as held_median_before,
        hist_quantile(hist_bins(histogram(held_after)), 0.5) as held_median_after,
        hist_quantile(hist_bins(histogram(used_before)), 0.5) as used_median_before,
        hist_quantile(hist_bins(histogram(used_after)), 0.5) as used_median_after,
        avg(held_before) as held_mean_before,
        avg(held_after) as held_mean_after,
        avg(used_before) as used_mean_before,
        avg(used_after) as used_mean_after,
        sum(duration_s) as duration_s,
        sum(returned_s) as returned_s
    from cadres
    group by 1
),

final as (
    select
        picked.region_code,
        picked.name_zh,
        picked.name_en,
        picked.level,
        picked.is_total,
        stats.cadres,
        stats.cadres * months.days / 7.0 as cadre_weeks,
        stats.held_median_before,
        stats.held_median_after,
        stats.held_mean_before,
        stats.held_mean_after,
        stats.used_median_before,
        stats.used_median_after,
        stats.used_mean_before,
        stats.used_mean_after,
        stats.duration_s / 3600.0 / (stats.cadres * months.days / 7.0) as hours_per_cadre_week,
        stats.returned_s / 3600.0 / (stats.cadres * months.days / 7.0) as hours_returned_per_cadre_week
    from stats
    inner join picked on picked.region_code = stats.region_code
    cross join months
)

select * from final
order by is_total desc, held_mean_after desc, region_code
