-- purpose: hist_quantile(bins, p): the percentile_cont at p (0 to 1) of the values a histogram counts, exactly what quantile_cont gives over one row per counted item (the value at 0-based rank p * (n - 1), interpolated between its two neighbours); null when the bins count nothing
-- grain: scalar macros; bins is a list of {'v': value, 'n': count} in ascending v with n >= 0, e.g. list({'v': n_apps, 'n': cadres} order by n_apps), or hist_bins(histogram(x)) over the values themselves; burden.db creates them on the connection of every query that calls hist_quantile
-- parameters: none

-- the bins of a histogram() aggregate (a map value -> count), in ascending value
create or replace temp macro hist_bins(counts) as
    list_sort(list_transform(map_entries(counts), lambda e: {'v': e.key, 'n': e.value}));

-- the value at 0-based rank r, given the bins' values and running counts: that of the first bin whose running count
-- exceeds r
create or replace temp macro hist_value_at(values, running, r) as
    values[list_position(list_transform(running, lambda c: c > r), true)];

-- bins is named three times only (values, running counts, position): each further use reads the struct h, which
-- keeps the expression DuckDB plans small
create or replace temp macro hist_quantile(bins, p) as (
    list_transform(
        [{
            'values': list_transform(bins, lambda b: b.v),
            'running': list_transform(range(1, len(bins) + 1), lambda i: list_sum(list_transform(bins[1:i], lambda b: b.n))),
            'position': cast(p as double) * (list_sum(list_transform(bins, lambda b: b.n)) - 1)
        }],
        lambda h: case when h.running[-1] > 0 then cast(
            hist_value_at(h.values, h.running, floor(h.position))
            + (h.position - floor(h.position))
            * (hist_value_at(h.values, h.running, ceil(h.position)) - hist_value_at(h.values, h.running, floor(h.position)))
            as double
        ) end
    )[1]
);
