-- purpose: duplicate submits between lines (条线): the original entry's line and the line of the app it was typed into again (最多报一次), in a region and period
-- grain: one row per (original line, repeating line) pair with duplicates in [$from, $to], most duplicates first; a line with itself is a pair too
-- parameters: $region (code; null = province), $from (date, first month), $to (date, last month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (home regions within $region and $scope)
with

duplicate_pair_month as (
    select * from duplicate_pair_month
),

apps as (
    select app_id, coalesce(line, 'unknown') as line from apps
),

-- cadres' home codes are villages or towns; a region holds every code that starts with its own
pairs as (
    select
        originals.line as original_line,
        repeats.line,
        cast(sum(duplicate_pair_month.duplicates) as bigint) as duplicates
    from duplicate_pair_month
    inner join apps as originals on originals.app_id = duplicate_pair_month.original_app_id
    inner join apps as repeats on repeats.app_id = duplicate_pair_month.app_id
    where starts_with(duplicate_pair_month.region_code, $scope)
        and ($region is null or starts_with(duplicate_pair_month.region_code, $region))
        and ($from is null or duplicate_pair_month.month >= $from)
        and ($to is null or duplicate_pair_month.month <= $to)
    group by 1, 2
),

final as (
    select
        original_line,
        line,
        duplicates,
        duplicates * 1.0 / sum(duplicates) over () as share
    from pairs
)

select * from final
order by duplicates desc, original_line, line
