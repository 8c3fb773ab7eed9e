-- purpose: which days each load added log rows for, and how far the data ran before it: a shared link made on an
--   earlier data date can then say which of its months have received rows since (late uploads, days of a month to
--   date), instead of showing other figures silently
-- grain: one row per load and day with new event or photo rows (loads into an existing database only)
-- parameters: none
create table if not exists data_arrivals (
    loaded_at     timestamp not null,  -- wall-clock time in Asia/Shanghai
    as_of_before  date not null,       -- the data's last day before this load
    day           date not null        -- a day the load added rows for
);
