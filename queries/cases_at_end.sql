-- purpose: the remediation ledger as at the end of month $to: each case's status then, and whether it was overdue
-- grain: one row per case whose scope region is $region or inside it
-- parameters: $region (code; null = province), $to (date, the period's last month; its last day is the as-at date), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: scope_region_code
with

remediation_cases as (
    select * from remediation_cases
),

apps as (
    select app_id, name_zh, name_en from apps
),

regions as (
    select region_code, name_zh, name_en from regions
),

as_at as (
    select cast(last_day(cast($to as date)) as date) as end_on
),

scoped as (
    select remediation_cases.*, as_at.end_on
    from remediation_cases
    cross join as_at
    where ($region is null or substr(remediation_cases.scope_region_code, 1, length($region)) = $region)
        and starts_with(remediation_cases.scope_region_code, $scope)
),

-- the ledger dates say when a case was done and verified, not when it was planned or started: a case
-- closed after the as-at date was open then, and counts as in progress; one entered later, as identified
staged as (
    select
        *,
        status in ('done', 'verified') and done_on <= end_on as is_done,
        case
            when status = 'verified' and verified_on <= end_on and done_on <= end_on then 'verified'
            when status in ('done', 'verified') and done_on <= end_on then 'done'
            when identified_on > end_on then 'identified'
            when status in ('done', 'verified') then 'in_progress'
            else status
        end as status_at_end
    from scoped
),

final as (
    select
        staged.case_id,
        staged.app_id,
        apps.name_zh as app_name_zh,
        apps.name_en as app_name_en,
        staged.scope_region_code,
        regions.name_zh as scope_name_zh,
        regions.name_en as scope_name_en,
        staged.finding,
        staged.source,
        staged.recommendation,
        staged.action,
        staged.target_app_id,
        staged.status,
        staged.status_at_end,
        staged.is_done,
        staged.identified_on,
        staged.due_on,
        staged.done_on,
        staged.verified_on,
        staged.is_done and staged.done_on <= staged.due_on as is_on_time,
        -- overdue: done late, or still open at the as-at date after its due date
        coalesce(
            case when staged.is_done then staged.done_on > staged.due_on else staged.due_on < staged.end_on end, false
        ) as is_overdue,
        case
            when staged.is_done and staged.done_on > staged.due_on then staged.done_on - staged.due_on
            when not staged.is_done and staged.due_on < staged.end_on then staged.end_on - staged.due_on
        end as days_overdue
    from staged
    left join apps on apps.app_id = staged.app_id
    left join regions on regions.region_code = staged.scope_region_code
)

select * from final
order by scope_region_code, case_id
