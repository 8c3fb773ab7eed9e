-- purpose: submits, duplicate submits and the duplicate-entry rate by fact type (visit, patrol, report ...)
-- grain: one row per fact type with submits in the region and [$from, $to], most duplicates first
-- parameters: $region (code; null = province), $from (date, first month), $to (date, last month), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: aggregate (home regions within $region and $scope)
with

fact_type_month as (
    select * from fact_type_month
),

totals as (
    select
        fact_type,
        cast(sum(submits) as bigint) as submits,
        cast(sum(duplicate_submits) as bigint) as duplicate_submits
    from fact_type_month
    where starts_with(region_code, $scope)
        and ($region is null or starts_with(region_code, $region))
        and ($from is null or month >= $from)
        and ($to is null or month <= $to)
    group by 1
),

final as (
    select
        fact_type,
        submits,
        duplicate_submits,
        duplicate_submits * 1.0 / nullif(submits, 0) as duplicate_entry_rate,
        duplicate_submits * 1.0 / nullif(sum(duplicate_submits) over (), 0) as share_of_duplicates
    from totals
)

select * from final
order by duplicate_submits desc, fact_type
