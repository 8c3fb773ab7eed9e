-- purpose: additive burden totals per region and month, plus the remediation cases in the region's scope
-- grain: one row per region (every level with cadres) per month
-- parameters: $month_from, $month_to (dates, firsts of months: only months in [from, to) are built)
with

months as (
    select month, month_end, days from months
    where month >= $month_from and month < $month_to
),

cadre_month as (
    select * from cadre_month
    where month >= $month_from and month < $month_to
),

cadre_regions as (
    select cadre_id, level, region_code from cadre_regions
),

remediation_cases as (
    select case_id, scope_region_code, status, done_on from remediation_cases
),

levels as (
    select 2 as code_length
    union all select 4
    union all select 6
    union all select 9
    union all select 12
),

totals as (
    select
        cadre_month.month,
        cadre_regions.region_code,
        cadre_regions.level,
        count(*) as cadres,
        -- every count of cadre_month, summed
        cast(sum(columns(cadre_month.* exclude (month, cadre_id, region_code))) as bigint)
    from cadre_month
    inner join cadre_regions on cadre_regions.cadre_id = cadre_month.cadre_id
    group by 1, 2, 3
),

-- a case counts for its scope region and every region above it
case_regions as (
    select
        remediation_cases.case_id,
        remediation_cases.status,
        remediation_cases.done_on,
        substr(remediation_cases.scope_region_code, 1, levels.code_length) as region_code
    from remediation_cases
    inner join levels on levels.code_length <= length(remediation_cases.scope_region_code)
),

cases_total as (
    select region_code, count(*) as cases_total
    from case_regions
    group by 1
),

cases_done as (
    select months.month, case_regions.region_code, count(*) as cases_done
    from case_regions
    inner join months on case_regions.done_on <= months.month_end
    where case_regions.status in ('done', 'verified')
    group by 1, 2
),

final as (
    select
        totals.month,
        totals.region_code,
        totals.level,
        totals.cadres,
        totals.cadres * months.days / 7.0 as cadre_weeks,
        totals.* exclude (month, region_code, level, cadres),
        coalesce(cases_total.cases_total, 0) as cases_total,
        coalesce(cases_done.cases_done, 0) as cases_done
    from totals
    inner join months on months.month = totals.month
    left join cases_total on cases_total.region_code = totals.region_code
    left join cases_done on cases_done.month = totals.month and cases_done.region_code = totals.region_code
)

select * from final
order by month, region_code
