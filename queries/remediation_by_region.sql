-- purpose: remediation progress, overdue cases, on-time rate, and cases by source and by recommendation, per child region as at the end of month $to
-- grain: one row per child region of $region with cases in scope, plus one for $region itself when cases are scoped at it
-- parameters: $region (code; null = province), $to (date, the period's last month; its last day is the as-at date), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
with

regions as (
    select region_code, name_zh, name_en, level, parent_code from regions
),

remediation_cases as (
    select case_id, scope_region_code, status, due_on, done_on, source, recommendation from remediation_cases
),

as_at as (
    select cast(last_day(cast($to as date)) as date) as end_on
),

root as (
    select region_code from regions
    where (($region is null and level = 'province') or region_code = $region)
        and starts_with(region_code, $scope)
),

children as (
    select regions.*, false as is_self
    from regions
    inner join root on root.region_code = regions.parent_code
),

self as (
    select regions.*, true as is_self
    from regions
    inner join root on root.region_code = regions.region_code
),

-- same rule as region_month.cases_done: done or verified, with done_on on or before the as-at date
cases as (
    select
        remediation_cases.*,
        remediation_cases.status in ('done', 'verified') and remediation_cases.done_on <= as_at.end_on as is_done,
        as_at.end_on
    from remediation_cases
    cross join as_at
),

-- a case counts for the child its scope lies in; a case scoped at $region itself counts for the "self" row
assigned as (
    select children.region_code, children.is_self, cases.*
    from cases
    inner join children on substr(cases.scope_region_code, 1, length(children.region_code)) = children.region_code
    union all
    select self.region_code, self.is_self, cases.*
    from cases
    inner join self on cases.scope_region_code = self.region_code
),

totals as (
    select
        region_code,
        is_self,
        count(*) as cases_total,
        count(case when is_done then 1 end) as cases_done,
        count(case when is_done and done_on <= due_on then 1 end) as cases_on_time,
        count(case when (is_done and done_on > due_on) or (not is_done and due_on < end_on) then 1 end)
            as cases_overdue,
        -- where the cases came from (the ledger's source) and the assessment's recommendations (评估建议)
        count(case when source = 'self_check' then 1 end) as from_self_check,
        count(case when source = 'inspection' then 1 end) as from_inspection,
        count(case when source = 'assessment' then 1 end) as from_assessment,
        count(case when recommendation = '提升完善' then 1 end) as recommended_improve,
        count(case when recommendation = '整合优化' then 1 end) as recommended_integrate,
        count(case when recommendation = '加快整改' then 1 end) as recommended_hasten
    from assigned
    group by 1, 2
),

final as (
    select
        totals.region_code,
        regions.name_zh,
        regions.name_en,
        regions.level,
        totals.is_self,
        totals.cases_total,
        totals.cases_done,
        totals.cases_overdue,
        totals.cases_on_time,
        totals.* exclude (region_code, is_self, cases_total, cases_done, cases_overdue, cases_on_time),
        totals.cases_done * 1.0 / totals.cases_total as remediation_progress,
        totals.cases_on_time * 1.0 / nullif(totals.cases_done, 0) as on_time_rate
    from totals
    inner join regions on regions.region_code = totals.region_code
)

select * from final
order by remediation_progress, region_code
