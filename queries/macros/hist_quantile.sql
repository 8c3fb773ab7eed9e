-- purpose: hist_quantile(bins, p): the percentile_cont at p (0 to 1) of the values a histogram counts, exactly what quantile_cont gives over one row per counted item (the value at 0-based rank p * (n - 1), interpolated between its two neighbours); null when the bins count nothing
-- grain: scalar macros; bins is a list of {'v': value, 'n': count} in ascending v with n >= 0, e.g. list({'v': n_apps, 'n': cadres} order by n_apps); burden.db creates them on the connection of every query that calls one
-- parameters: none
create or replace temp macro hist_count(bins) as list_sum(list_transform(bins, lambda b: b.n));

-- the value at 0-based rank r: the value of the first bin whose running count exceeds r
create or replace temp macro hist_value_at(bins, r) as
    bins[list_position(list_transform(range(1, len(bins) + 1), lambda i: hist_count(bins[1:i]) > r), true)].v;

create or replace temp macro hist_position(bins, p) as cast(p as double) * (hist_count(bins) - 1);

create or replace temp macro hist_quantile(bins, p) as
    case when hist_count(bins) > 0 then cast(
        hist_value_at(bins, floor(hist_position(bins, p)))
        + (hist_position(bins, p) - floor(hist_position(bins, p)))
        * (hist_value_at(bins, ceil(hist_position(bins, p))) - hist_value_at(bins, floor(hist_position(bins, p))))
        as double
    ) end;
