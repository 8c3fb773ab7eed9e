-- purpose: the remediation ledger kept by departments
-- grain: one row per case
-- parameters: none
create table if not exists remediation_cases (
    case_id            varchar primary key,
    app_id             varchar not null,
    scope_region_code  varchar not null,
    finding            varchar not null,  -- zombie | island | duplicate_function | low_value | excessive_trace | prohibited_feature
    action             varchar not null,  -- delete | merge | iterate
    target_app_id      varchar,           -- for merge
    status             varchar not null,  -- identified | planned | in_progress | done | verified
    source             varchar not null,  -- self_check | inspection | assessment
    identified_on      date not null,
    due_on             date,
    done_on            date,
    verified_on        date,
    recommendation     varchar            -- 提升完善 | 整合优化 | 加快整改
);
