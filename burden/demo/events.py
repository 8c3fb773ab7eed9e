"""Monthly usage logs: entries (tasks with photos), their planted repeats, and app sessions.

One month at a time, all in DuckDB SQL, so memory stays bounded at province scale. Counts that drive the
calibrated metrics (repeats, photos) are spread with low-discrepancy sequences rather than coin flips,
so a county's duplicate-entry rate follows its campaign phase without noise that would look like a rebound.

Event ids are built from the month, the cadre's index and the row's position in its task or session:
unique without a global sort, and the same whatever the thread count.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import polars as pl

from burden.demo.scenario import Scenario
from burden.demo.write import copy_out

_PHOTO_PURPOSE = (
    "case when fact_type in ('inspection', 'patrol') and u2('purpose', event_id) < 0.6 then 'evidence' else 'proof' end"
)


def county_month_params(con, sc: Scenario) -> None:
    """Table county_month: each county's campaign phase per month and the behaviour it implies."""
    b = sc["behaviour"]
    alerts = sc["alerts"]
    counties = con.execute("select county, county_class, shift from county_info order by county").fetchall()
    followup_start = sc.baseline_months + sc.campaign_months
    rows = []
    for county, klass, shift in counties:
        for m in sc.months:
            phase = sc.phase(m.index - shift) if m.index < followup_start else sc.phase(m.index)
            if klass == "lagging":
                phase *= b["lagging_phase_factor"]
            if county == alerts["rebound_county"] and m.index >= followup_start:
                phase = b["rebound_phase"][m.index - followup_start]
            rate = b["dup_rate_baseline"] - (b["dup_rate_baseline"] - b["dup_rate_end"]) * phase

            def between(key: str, p=phase) -> float:
                return b[f"{key}_baseline"] - (b[f"{key}_baseline"] - b[f"{key}_end"]) * p

            rows.append(
                {
                    "county": county,
                    "m": m.index,
                    "phase": phase,
                    "repeats_per_fact": rate / (1.0 - rate),
                    "photos_per_task": between("photos_per_task"),
                    "required_share": between("photo_required"),
                    "voided_share": between("voided"),
                }
            )
    con.register("county_month_src", pl.DataFrame(rows).to_arrow())
    con.execute("create or replace table county_month as select * from county_month_src")
    con.unregister("county_month_src")


def _range_sql(key: str, lo: int, hi: int, *args: str) -> str:
    return f"({lo} + floor(u{len(args) + 1}('{key}', {', '.join(args)}) * {hi - lo + 1}))::integer"


def _prepare_month(con, sc: Scenario, m) -> None:
    """Temp tables am (active account ranges), tasks (one row per entry) and sessions for month m."""
    ms, me = m.start.isoformat(), m.end.isoformat()
    day0 = (m.start - sc.months[0].start).days
    con.execute(
        f"""
        create or replace temp table am as
        select a.cadre_id, c.cadre_idx, c.county, a.app_id, p.app_num, p.mask, p.session_kind,
            day(greatest(a.active_from, date '{ms}'))::integer as d0,
            day(least(coalesce(a.closed_on - 1, date '{me}'), date '{me}'))::integer as d1
        from accounts a
        inner join apps_all p using (app_id)
        inner join cadres c using (cadre_id)
        where a.active_from is not null and a.active_from <= date '{me}'
            and (a.closed_on is null or a.closed_on > date '{ms}')
        """
    )
    con.execute(
        f"""
        create or replace temp table tasks as
        with lists as (
            select cadre_id, list(struct_pack(a := app_id, m := mask, d0 := d0, d1 := d1) order by app_id) as apps
            from am group by cadre_id
        ),
        facts as (
            select w.*, d.d
            from cadre_work w cross join range(1, {m.days + 1}) as d(d)
            where u4('fact', w.cadre_id, w.fact_type, ({day0} + d.d) * 8 + w.slot) < w.p
        ),
        numbered as (
            select f.*,
                (row_number() over by_cadre - 1)::integer as j,
                coalesce(sum(case when prefix <> '' then 1 else 0 end) over (by_cadre rows between unbounded preceding
                    and 1 preceding), 0) as x,
                count(*) over (partition by cadre_id) as n_all,
                sum(case when prefix <> '' then 1 else 0 end) over (partition by cadre_id) as n_subject
            from facts f
            window by_cadre as (partition by cadre_id order by d, fact_type, slot)
        ),
        planned as (
            select n.*, cm.photos_per_task, cm.required_share, cm.voided_share,
                least(1.0, cm.repeats_per_fact * n_all / greatest(n_subject, 1)) as q,
                u2('repeat_offset', n.cadre_id || '{m.label}') as o,
                (({day0} + d) * n_slots + slot + subject_offset) % pool as subject_idx,
                28800 + floor(u3('t0', cadre_id, j) * 34200)::integer as t0
            from numbered n inner join county_month cm on cm.county = n.county and cm.m = {m.index}
        ),
        chosen as (
            select p.*,
                case when prefix = '' then '' else prefix
                    || lpad((subject_idx + 1)::varchar, case when fact_type = 'visit' then 3 else 2 end, '0')
                end as subject_key,
                case when prefix = '' then 0
                    else (floor((x + 1) * q + o) - floor(x * q + o))::integer end as repeats,
                list_filter(l.apps, lambda e: e.d0 <= p.d and e.d1 >= p.d) as act
            from planned p inner join lists l using (cadre_id)
        ),
        primary_app as (
            select c.*, list_filter(act, lambda e: (e.m & c.fact_bit) <> 0) as fit
            from chosen c where len(act) > 0
        ),
        firsts as (
            select *, case when len(fit) > 0 then fit[1 + floor(u3('primary', cadre_id, j) * len(fit))::integer].a
                else act[1 + floor(u3('primary', cadre_id, j) * len(act))::integer].a end as app_id
            from primary_app
        ),
        others as (
            select *, list_filter(act, lambda e: e.a <> f.app_id) as oth from firsts f
        ),
        seconds as (
            select *, list_filter(oth, lambda e: (e.m & o.fact_bit) <> 0) as oth_fit from others o
        ),
        copies as (
            select cadre_id, cadre_idx, fact_type, subject_key, d, j, 0 as c, t0, app_id,
                photos_per_task, required_share, voided_share
            from seconds
            union all
            select cadre_id, cadre_idx, fact_type, subject_key, d, j, 1 as c,
                t0 + 1200 + floor(u3('repeat_t', cadre_id, j) * 14400)::integer as t0,
                case when len(oth_fit) > 0 then oth_fit[1 + floor(u3('repeat', cadre_id, j) * len(oth_fit))::integer].a
                    else oth[1 + floor(u3('repeat', cadre_id, j) * len(oth))::integer].a end as app_id,
                photos_per_task, required_share, voided_share
            from seconds where repeats > 0 and len(oth) > 0
        )
        select cadre_id, cadre_idx, fact_type, subject_key, d, j, c, t0, app_id,
            floor(photos_per_task + u4('photos', cadre_id, j, c))::integer as photos,
            u4('required', cadre_id, j, c) < required_share as is_required,
            u4('voided', cadre_id, j, c) < voided_share as is_voided,
            ((({m.index + 1}::bigint << 18) | cadre_idx) << 20) | (j::bigint << 6) | (c::bigint << 4) as task_key
        from copies
        """
    )
    con.execute(
        f"""
        create or replace temp table sessions as
        with counted as (
            select am.*, d1 - d0 + 1 as nd, cm.phase,
                case session_kind
                    when 'daily' then d1 - d0 + 1
                    when 'frequent' then ceil((d1 - d0 + 1) * 0.4)
                    when 'checkin' then round((d1 - d0 + 1) * (1 - cm.phase))
                    when 'online' then round((d1 - d0 + 1) * 0.8 * (1 - cm.phase))
                    else 2 + floor(u3('plain', cadre_id, app_id || '{m.label}') * 3)
                end as n
            from am inner join county_month cm on cm.county = am.county and cm.m = {m.index}
        )
        select cadre_id, cadre_idx, app_id, app_num, session_kind, d0, nd, greatest(1, n)::integer as n
        from counted
        """
    )


def _events_sql(sc: Scenario, m) -> tuple[str, str]:
    """SELECTs of the month's events and photos (both read the temp tables of _prepare_month)."""
    d = sc["durations"]
    base_us = f"epoch_us(date '{m.start.isoformat()}')"
    task_events = f"""
        select (t.task_key | e)::bigint as event_id,
            make_timestamp({base_us} + ((t.d - 1) * 86400 + t.t0 + e * 150)::bigint * 1000000) as ts,
            t.cadre_id, t.app_id,
            case when e = 0 then 'open' when e = t.photos + 1 then 'submit' else 'photo' end as action,
            case when e = 0 then {_range_sql("dur_open", *d["task_open"], "t.task_key")}
                when e = t.photos + 1 then {_range_sql("dur_submit", *d["submit"], "t.task_key")}
                else {_range_sql("dur_photo", *d["photo"], "t.task_key", "e")} end as duration_s,
            t.subject_key, t.fact_type, 'T' || t.task_key::varchar as task_id,
            e, t.photos, t.is_required, t.is_voided
        from tasks t cross join range(t.photos + 2) as r(e)
    """
    kinds = {
        "daily": ("'view'", d["platform_view"]),
        "frequent": ("'open'", d["app_open"]),
        "checkin": ("'checkin'", d["checkin"]),
        "online": ("'view'", d["online_view"]),
        "plain": ("case when i % 2 = 0 then 'open' else 'view' end", d["app_open"]),
    }
    action = " ".join(f"when '{k}' then {a}" for k, (a, _) in kinds.items())
    duration = " ".join(f"when '{k}' then {_range_sql('dur_' + k, *r, 'event_id')}" for k, (_, r) in kinds.items())
    session_events = f"""
        select event_id,
            make_timestamp({base_us} + ((d - 1) * 86400 + 25200
                + floor(u2('session_t', event_id) * 50400))::bigint * 1000000) as ts,
            cadre_id, app_id,
            case session_kind {action} end as action,
            case session_kind {duration} end as duration_s,
            null::varchar as subject_key, null::varchar as fact_type, null::varchar as task_id
        from (
            select s.*, i, s.d0 + floor((i + 0.5) * s.nd / s.n)::integer as d,
                (((({m.index + 1}::bigint << 18) | s.cadre_idx) << 20) | (1 << 19)
                    | (s.app_num::bigint << 8) | i)::bigint as event_id
            from sessions s cross join range(s.n) as r(i)
        )
    """
    columns = (
        "event_id, ts, cadre_id, app_id, action, duration_s::integer as duration_s, subject_key, fact_type, task_id"
    )
    events = f"""
        select {columns} from ({task_events})
        union all
        select {columns} from ({session_events})
        order by cadre_id, ts, event_id
    """
    photos = f"""
        select event_id as photo_id, ts, cadre_id, app_id, task_id,
            {_PHOTO_PURPOSE} as purpose,
            (300000 + floor(u2('bytes', event_id) * 3700000))::bigint as bytes,
            is_required, is_voided as task_voided_for_missing_photo
        from ({task_events})
        where e between 1 and photos
        order by cadre_id, ts, photo_id
    """
    return events, photos


def _rows_if_whole(con, path: Path) -> int | None:
    """Row count of an earlier run's month file, or None when it is missing or unreadable (cut off)."""
    if not path.is_file():
        return None
    literal = "'" + str(path).replace("'", "''") + "'"
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    try:
        return con.execute(f"select count(*) from {reader}({literal})").fetchall()[0][0]
    except duckdb.Error:
        return None


def write_months(con, sc: Scenario, out_dir: Path, fmt: str, done: dict | None = None, after_month=None) -> dict:
    """Write app_events/YYYY-MM and photo_uploads/YYYY-MM, one month at a time; returns row counts.

    done: when given (a resumed run), months whose two files are already whole are counted, not written
    again, and every month written is recorded in it as {label: {events, photos, seconds}}, then handed to
    after_month(done)."""
    county_month_params(con, sc)
    (out_dir / "app_events").mkdir(parents=True, exist_ok=True)
    (out_dir / "photo_uploads").mkdir(parents=True, exist_ok=True)
    totals = {"app_events": 0, "photo_uploads": 0}
    for m in sc.months:
        if done is not None:
            kept = [_rows_if_whole(con, out_dir / t / f"{m.label}.{fmt}") for t in ("app_events", "photo_uploads")]
            if None not in kept:
                totals["app_events"] += kept[0]
                totals["photo_uploads"] += kept[1]
                print(f"[demo] {m.label}: kept from an earlier run ({kept[0]:,} events)", file=sys.stderr, flush=True)
                continue
        started = time.perf_counter()
        _prepare_month(con, sc, m)
        events_sql, photos_sql = _events_sql(sc, m)
        n_events = copy_out(con, events_sql, out_dir / "app_events" / f"{m.label}.{fmt}", fmt)
        n_photos = copy_out(con, photos_sql, out_dir / "photo_uploads" / f"{m.label}.{fmt}", fmt)
        totals["app_events"] += n_events
        totals["photo_uploads"] += n_photos
        seconds = time.perf_counter() - started
        if done is not None:
            done[m.label] = {"events": n_events, "photos": n_photos, "seconds": round(seconds, 3)}
            if after_month:
                after_month(done)
        print(
            f"[demo] {m.label}: {n_events:,} events, {n_photos:,} photos in {seconds:.1f} s "
            f"({n_events / max(seconds, 1e-9):,.0f} events/s)",
            file=sys.stderr,
            flush=True,
        )
    return totals
