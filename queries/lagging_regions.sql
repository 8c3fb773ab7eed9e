-- purpose: regions whose remediation lags at the period's last month: the ledger is behind (progress < $min_progress) while the median cadre still holds more apps than $target; and, when the ledger is checked, regions with no case at all (reason no_ledger: no ledger yet, never silently 'not lagging')
-- grain: one row per lagging region at level $level inside $region (regions with cadres in the last month)
-- parameters: $region (code; null = province), $level (region level, e.g. 'county'), $from (date, first month), $to (date, last month), $target (int, apps; null = load not checked), $min_progress (fraction, 0.5; null = ledger not checked), $scope (the viewer's scope root, bound by db.query; null = sees nothing)
-- scope: region_code
with

months as (
    select month from months
),

regions as (
    select region_code, name_zh, name_en, level from regions
),

region_month as (
    select month, region_code, cases_total, cases_done from region_month
),

apps_hist as (
    select month, region_code, n_apps, cadres from apps_hist where kind = 'held'
),

last_month as (
    select max(month) as month
    from months
    where ($from is null or month >= $from)
        and ($to is null or month <= $to)
),

picked as (
    select *
    from regions
    where level = $level
        and starts_with(region_code, $scope)
        and ($region is null or substr(region_code, 1, length($region)) = $region)
),

-- the median as percentile_cont over the histogram, as in apps_per_cadre: queries/macros/hist_quantile.sql
held as (
    select
        apps_hist.region_code,
        hist_quantile(list({'v': apps_hist.n_apps, 'n': apps_hist.cadres} order by apps_hist.n_apps), 0.5)
            as held_median
    from apps_hist
    inner join last_month on last_month.month = apps_hist.month
    inner join picked on picked.region_code = apps_hist.region_code
    group by 1
),

progress as (
    select
        region_month.region_code,
        region_month.cases_total,
        region_month.cases_done,
        region_month.cases_done * 1.0 / nullif(region_month.cases_total, 0) as remediation_progress
    from region_month
    inner join last_month on last_month.month = region_month.month
    inner join picked on picked.region_code = region_month.region_code
),

checked as (
    select
        picked.region_code,
        picked.name_zh,
        picked.name_en,
        picked.level,
        held.held_median,
        progress.cases_total,
        progress.cases_done,
        progress.remediation_progress,
        coalesce(progress.remediation_progress < $min_progress, $min_progress is null) as is_ledger_behind,
        $min_progress is not null and progress.cases_total = 0 as has_no_ledger,
        coalesce(held.held_median > $target, $target is null) as is_load_above_target
    from picked
    inner join held on held.region_code = picked.region_code
    inner join progress on progress.region_code = picked.region_code
),

-- both conditions: a region whose ledger is behind but whose load already meets the target is not lagging,
-- and one whose ledger is done but whose load stays high is a superficial fix or rebound (their own alerts)
final as (
    select
        region_code,
        name_zh,
        name_en,
        level,
        held_median,
        cases_total,
        cases_done,
        remediation_progress,
        case
            when has_no_ledger then 'no_ledger'
            when $min_progress is not null and $target is not null then 'ledger_and_load'
            when $min_progress is not null then 'ledger'
            else 'load'
        end as reason
    from checked
    where (is_ledger_behind and is_load_above_target) or has_no_ledger
)

select * from final
order by remediation_progress, held_median desc, region_code
