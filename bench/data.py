"""Data figures: generation, load and rollup rates for a fresh build, and a daily incremental load."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from bench.stats import say, timed
from burden import settings
from burden.db import open_duckdb
from burden.ingest.lake import lake_dir

CSV_SAMPLE = 1_000_000
REBUILD_IN_LOAD_EVENTS = 100_000_000


def _dir_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def build(db_path: Path, files_dir: Path, scale: float, seed: int | None) -> dict:
    """Generate the demo log files at `scale`, load them into a new db_path, then time a full rollup rebuild."""
    from burden import rollups
    from burden.demo import generate
    from burden.ingest.pipeline import load

    db_path, files_dir = Path(db_path), Path(files_dir)
    db_path.unlink(missing_ok=True)
    shutil.rmtree(lake_dir(db_path), ignore_errors=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    say(f"generating scale {scale:g} into {files_dir} (resuming an earlier, unfinished run if any)")
    gen_s, counts = timed(generate, files_dir, scale=scale, seed=seed, resume=True)
    events = int(counts["app_events"])
    months = list(json.loads((files_dir / "generated.json").read_text())["months"].values())
    month_rates = sorted(m["events"] / m["seconds"] for m in months if m["seconds"])
    if sum(m["events"] for m in months) == events:  # every month timed (possibly over several runs)
        gen_s = sum(m["seconds"] for m in months)
    rows = int(sum(v for v in counts.values() if isinstance(v, int)))
    say(f"generated {events:,} events in {gen_s:.1f} s; loading into {db_path}")
    total_s, report = timed(load, [files_dir], db_path)
    if not report.ok:
        raise RuntimeError("bench load failed: " + "; ".join(report.messages))
    load_s = report.seconds - report.rollup_seconds
    say(f"loaded in {total_s:.1f} s (rollups inside the load {report.rollup_seconds:.1f} s)")
    if events >= REBUILD_IN_LOAD_EVENTS:
        # A fresh load builds every derived table (rollups.build, what rollups.rebuild runs): at province scale
        # that is the rebuild figure; running it again would cost another quarter hour and the disk for a copy.
        rebuild_s = report.rollup_seconds
    else:
        say("full rollup rebuild")
        rebuild_s, _ = timed(rollups.rebuild, db_path)
        say(f"rollup rebuild {rebuild_s:.1f} s")
    return {
        "scale": scale,
        "events": events,
        "rows": rows,
        "files_bytes": _dir_bytes(files_dir),
        "db_bytes": db_path.stat().st_size,
        "lake_bytes": _dir_bytes(lake_dir(db_path)),
        "generate_s": round(gen_s, 3),
        "generate_events_per_s": round(events / gen_s),
        # a month starved by other work drags the total down: the median month is the machine's own pace
        "generate_median_month_events_per_s": round(month_rates[len(month_rates) // 2]) if month_rates else None,
        "load_s": round(load_s, 3),
        "load_events_per_s": round(report.rows("app_events") / load_s),
        "load_rows_per_s": round(sum(f.rows_read for f in report.files) / load_s),
        "load_rollups_s": round(report.rollup_seconds, 3),
        "rollup_rebuild_s": round(rebuild_s, 3),
        "rollup_rebuild_in_load": events >= REBUILD_IN_LOAD_EVENTS,
        "rollup_events_per_s": round(events / rebuild_s),
    }


def build_or_reuse(db_path: Path, files_dir: Path, scale: float, seed: int | None) -> dict:
    """Build once; later runs reuse the database and report the figures recorded when it was built."""
    sidecar = Path(str(db_path) + ".build.json")
    if db_path.exists() and sidecar.exists() and files_dir.exists():
        say(f"reusing {db_path} (built earlier; delete it to rebuild)")
        # built by older rollup definitions? rebuilt first, as `make run` does, so no measured load pays for it
        from burden.ingest.pipeline import upgrade

        upgrade(db_path, say)
        figures = json.loads(sidecar.read_text())
        figures["reused"] = True
        return figures
    figures = build(db_path, files_dir, scale, seed)
    sidecar.write_text(json.dumps(figures, indent=2))
    figures["reused"] = False
    return figures


def _write_events(con, out: Path, fmt: str, where: str, shift: str, limit: int | None = None, id_gap: int = 0) -> int:
    """Stored events matching `where`, moved later by `shift` with fresh ids (above every stored id), as one file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    options = "(format parquet)" if fmt == "parquet" else "(format csv, header true)"
    cap = f"limit {int(limit)}" if limit else ""
    con.execute(
        f"""
        copy (
            with picked as (select * from app_events where {where} order by ts, cadre_id {cap})
            select * replace (
                ts + {shift} as ts,
                event_id - (select min(event_id) from picked)
                    + (select max(event_id) from app_events) + 1 + {int(id_gap)} as event_id
            )
            from picked
            order by ts, cadre_id
        ) to '{out}' {options}
        """
    )
    return con.execute(f"select count(*) from '{out}'").fetchone()[0]


def _busiest_recent_day(con):
    """The busiest of the last 7 days with events: a typical working day's volume."""
    return con.execute(
        """
        select cast(ts as date) as day from app_events
        where ts >= (select max(last_ts) from lake_files where table_name = 'app_events') - interval 7 day
        group by 1 order by count(*) desc, 1 desc limit 1
        """
    ).fetchone()[0]


def _file_rate(report, name: str) -> float | None:
    for f in report.files:
        if Path(f.path).name == name and f.seconds:
            return round(f.rows_read / f.seconds)
    return None


def _room_for(db_path: Path, in_place: bool | None) -> tuple[bool | None, str | None]:
    """Whether the daily load runs on a copy (in_place False) or on the bench database itself, by free disk.

    The loader copies the served file to a staging file (issue 4's atomic swap), so a load needs its size free
    again; a copy for the bench needs it once more. The logs are in the lake, which neither copies, so the served
    file is small; a disk that cannot hold it skips the section with the figures that say why.
    """
    size = db_path.stat().st_size
    free = shutil.disk_usage(db_path.parent).free
    margin = 2 * 1024**3
    if in_place is None:
        in_place = free < 2 * size + margin
    needed = (1 if in_place else 2) * size + margin
    if free < needed:
        return None, (
            f"needs {needed / 1e9:.1f} GB free for the loader's staging copy of a {size / 1e9:.1f} GB database"
            f"{'' if in_place else ' and a bench copy'}, {free / 1e9:.1f} GB free"
            " (the raw Parquet under files/ may be removed once the peers section has run)"
        )
    return in_place, None


def daily(db_path: Path, in_place: bool | None = False) -> dict:
    """One more day of events (the volume of the busiest recent day) loaded and rolled up, end to end, on a copy
    of the database unless in_place (None: on a copy when the disk holds one, else in place); plus the CSV rate
    (validation included) from a dry run of a CSV sample."""
    from burden.ingest.pipeline import load

    db_path = Path(db_path)
    in_place, no_room = _room_for(db_path, in_place)
    if no_room:
        say(f"daily load skipped: {no_room}")
        return {"skipped": no_room, "db_bytes": db_path.stat().st_size}
    with tempfile.TemporaryDirectory(prefix="bench-daily-", dir=db_path.parent) as tmp:
        tmp = Path(tmp)
        con = open_duckdb(db_path, read_only=True)
        day_parquet, day_csv = tmp / "day" / "app_events_day1.parquet", tmp / "csv" / "app_events_sample.csv"
        day = _busiest_recent_day(con)
        last = con.execute(
            "select cast(max(last_ts) as date) from lake_files where table_name = 'app_events'"
        ).fetchone()[0]
        shift = f"interval {(last - day).days + 1} day"  # the day after the last one with data
        shift_late = f"interval {(last - day).days} day"  # the last day with data
        n_day = _write_events(con, day_parquet, "parquet", f"cast(ts as date) = date '{day}'", shift)
        # CSV: up to 1M events of the last month, moved 40 days on, dry-run loaded (validated, not committed)
        n_csv = _write_events(
            con,
            day_csv,
            "csv",
            "ts >= (select date_trunc('month', max(ts)) from app_events)",
            "interval 40 day",
            limit=CSV_SAMPLE,
            id_gap=10**10,  # above the daily file's ids
        )
        # the same day's events again under other ids, on the last day with data: a day into a month that already
        # holds the month to date (every month-ranged table re-reads that month), measured after the first load
        day_late = tmp / "late" / "app_events_month_end.parquet"
        if not in_place:
            _write_events(con, day_late, "parquet", f"cast(ts as date) = date '{day}'", shift_late, id_gap=2 * 10**10)
        con.close()
        target = db_path
        if not in_place:
            target = tmp / "daily.duckdb"
            say(f"copying {db_path.name} for the daily load ({db_path.stat().st_size / 1e9:.1f} GB)")
            shutil.copyfile(db_path, target)
            # with its ledger store beside it, as served: without it the load would open every case again and
            # rebuild the tables that read the ledger
            store, copy = settings.ledger_url(db_path), settings.ledger_url(target)
            if store.startswith("sqlite:///") and Path(store.removeprefix("sqlite:///")).exists():
                shutil.copyfile(store.removeprefix("sqlite:///"), copy.removeprefix("sqlite:///"))
        say(f"daily load: {n_day:,} events into {target}")
        started = time.perf_counter()
        report = load([day_parquet], target, kind="events", progress=lambda _m: None)
        end_to_end = time.perf_counter() - started
        if not report.ok:
            raise RuntimeError("daily load failed: " + "; ".join(report.messages))
        # The load as `python -m burden load day.parquet` runs it: copy the live file, validate and append,
        # update the derived tables of the months the day reaches, checkpoint, fsync and rename.
        phases = {
            "copy_s": report.copy_seconds,
            "load_s": sum(f.seconds for f in report.files),
            "rollup_s": report.rollup_seconds,
            "checkpoint_s": report.checkpoint_seconds,
            "swap_s": report.swap_seconds,
        }
        say("daily phases: " + ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in phases.items()) + f"; {end_to_end:.1f} s")
        month_end = {}
        if not in_place:
            say(f"daily load into the month to date: {n_day:,} events on {last}")
            started = time.perf_counter()
            late = load([day_late], target, kind="events", progress=lambda _m: None)
            if not late.ok:
                raise RuntimeError("month-end load failed: " + "; ".join(late.messages))
            month_end = {
                "day": str(last),
                "seconds": round(time.perf_counter() - started, 3),
                "rollup_s": round(late.rollup_seconds, 3),
            }
            say(f"  {month_end['seconds']:.1f} s (rollup {month_end['rollup_s']:.1f} s)")
        say(f"dry run of {n_csv:,} events from CSV")
        dry = load([day_csv], target, kind="events", progress=lambda _m: None, commit=False)
        csv_rate = _file_rate(dry, day_csv.name)
        return {
            "events": int(n_day),
            "seconds": round(end_to_end, 3),
            **{k: round(v, 3) for k, v in phases.items()},
            "db_bytes": target.stat().st_size,
            "in_place": in_place,
            "parquet_file_events_per_s": _file_rate(report, day_parquet.name),
            "csv_events": int(n_csv),
            "csv_file_events_per_s": csv_rate,
            "csv_dry_run_s": round(dry.seconds, 3),
            "month_end": month_end,
        }
