-- purpose: duplicate submits per pair of apps (original entry's app -> repeating app) in a region and period
-- grain: one row per (original app, repeating app) pair with duplicates in [$from, $to], most duplicates first
-- parameters: $region (code; null = province), $from (date, first month), $to (date, last month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (home regions within $region and $scope)
with

duplicate_pair_month as (
    select * from duplicate_pair_month
),

apps as (
    select app_id, name_zh, name_en from apps
),

-- cadres' home codes are villages or towns; a region holds every code that starts with its own
pairs as (
    select
        original_app_id,
        app_id,
        cast(sum(duplicates) as bigint) as duplicates
    from duplicate_pair_month
    where starts_with(region_code, $scope)
        and ($region is null or starts_with(region_code, $region))
        and ($from is null or month >= $from)
        and ($to is null or month <= $to)
    group by 1, 2
),

final as (
    select
        pairs.original_app_id,
        originals.name_zh as original_name_zh,
        originals.name_en as original_name_en,
        pairs.app_id,
        repeats.name_zh,
        repeats.name_en,
        pairs.duplicates,
        pairs.duplicates * 1.0 / sum(pairs.duplicates) over () as share
    from pairs
    left join apps as originals on originals.app_id = pairs.original_app_id
    left join apps as repeats on repeats.app_id = pairs.app_id
)

select * from final
order by duplicates desc, original_app_id, app_id
