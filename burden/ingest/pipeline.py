"""Load log files into the database: validate -> quarantine -> load -> roll up, atomically.

A load holds <db>.lock (one load at a time), works on a staging copy of the database file, checkpoints
and fsyncs it, and replaces the live file in one rename only when everything succeeded. A refused file,
an error or a kill -9 at any moment leaves the previous file as it was. The dashboard opens the file
read-only per file version (burden/db.py): page runs going on during the swap finish on the old file
(one version per page run), later ones open the new one. A dry run (commit=False) validates and counts into a
small scratch database beside the live file, which it reads but never copies (storage.open_scratch), and then
removes it.

A load that only appends log rows (events, photos) to a database with derived tables rebuilds just the
months those rows can change (rollups.update); a new database or any other change rebuilds them all.
The staging copy costs a full read and write of the file: at province scale (~30 GB) it, not the load,
bounds a daily load (see copy_file in ingest_db).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from burden import rollups, settings
from burden.db import open_duckdb
from burden.ingest import lake
from burden.ingest.kinds import KINDS, LOAD_ORDER, detect
from burden.ingest.merge import merge
from burden.ingest.read import ReadError, Source, find_files, open_source, unreadable
from burden.ingest.stage import missing_columns, stage_file
from burden.ingest.storage import (
    LIVE,
    LoadLocked,
    clean_staging,
    copy_to_staging,
    create_database,
    create_schema,
    load_lock,
    open_scratch,
    remove_staging,
    schema_gaps,
    staging_path,
    swap_in,
    write_meta,
)
from burden.ledger import served
from burden.ledger.store import open_store

# Tracebacks of failed loads go to the load log only: the command line and the Data page show one line.
_failures = logging.getLogger("burden.ingest.failures")
_failures.propagate = False


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class FileReport:
    path: str
    kind: str | None = None
    table: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0  # new or changed rows written (in a dry run: that would be written)
    rows_updated: int = 0  # of rows_loaded, those that replaced a stored row with the same key
    rows_duplicate: int = 0  # already stored (or repeated within the load): skipped
    rejected: dict[str, int] = field(default_factory=dict)  # reason -> rows (kept in quarantine)
    seconds: float = 0.0
    error: str | None = None  # the file was refused
    warnings: list[str] = field(default_factory=list)  # from reading and validation: encoding, delimiter, extra columns

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected.values())


@dataclass
class LoadReport:
    ok: bool = True
    dry_run: bool = False
    files: list[FileReport] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rollup_seconds: float = 0.0
    copy_seconds: float = 0.0  # the staging copy of the live file
    checkpoint_seconds: float = 0.0
    swap_seconds: float = 0.0  # fsync and rename

    def rows(self, table: str) -> int:
        return sum(f.rows_loaded for f in self.files if f.table == table)

    def audit(self) -> tuple[str, str, dict]:
        """The load as an audit record's target (the files), outcome and detail (counts per file)."""
        names = ", ".join(Path(f.path).name for f in self.files)
        detail = {
            Path(f.path).name: {
                "table": f.table,
                "read": f.rows_read,
                "loaded": f.rows_loaded,
                "duplicates": f.rows_duplicate,
                "rejected": f.rows_rejected,
            }
            for f in self.files
        }
        return names, "ok" if self.ok else "failed", {"files": detail, "dry_run": self.dry_run}


class LoadRefused(RuntimeError):
    pass


def load(
    paths: list[Path],
    db_path: Path,
    kind: str | None = None,
    progress: Callable[[str], None] = _stderr,
    commit: bool = True,
    wait_s: float = 60.0,
    who: str = "loader",
    ledger_url: str | None = None,
    lake_root: Path | None = None,
) -> LoadReport:
    """Load CSV/Parquet/XLSX files (or folders of them) into db_path; the report says what happened.

    commit=False is a dry run: files are validated, deduplicated and counted against the current data
    exactly as a load would, but the live file is never touched. wait_s: how long to wait for another
    load into the same database to finish before giving up. A ledger file's changes become events in the ledger's
    store (ledger_url, default beside db_path), recorded as made by `who`. The raw tables' rows (logs, accounts) go
    to the lake at lake_root (default: lake.lake_dir(db_path)); a dry run writes them to a scratch lake it removes.
    """
    started = time.perf_counter()
    report = LoadReport(dry_run=not commit)
    db_path = Path(db_path)
    staging = staging_path(db_path)
    root = Path(lake_root).resolve() if lake_root else lake.lake_dir(db_path)
    writer = lake.Writer(root if commit else staging.with_name(f"{staging.name}.lake"))
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        with load_lock(db_path, wait_s, progress):
            try:
                for stale in clean_staging(db_path):
                    progress(f"removed {stale.name}, left by a load that did not finish")
                ledger = (ledger_url or settings.ledger_url(db_path)) if commit else None
                _load_into_staging(paths, db_path, staging, kind, report, progress, ledger, who, writer)
                if commit:
                    progress("replacing the database")
                    t0 = time.perf_counter()
                    writer.sync()  # the lake files the new version lists are on disk before it is swapped in
                    swap_in(staging, db_path)
                    report.swap_seconds = time.perf_counter() - t0
            finally:
                remove_staging(staging)
                if not commit:
                    lake.remove(writer.root)
    except (LoadRefused, LoadLocked) as exc:
        report.ok = False
        report.messages.append(str(exc))
    except Exception as exc:  # a crash mid-load: the old database stays, the user gets one line, the log the rest
        report.ok = False
        report.messages.append(failure_line(db_path, exc))
        if os.environ.get("BURDEN_DEBUG"):
            raise
    report.seconds = time.perf_counter() - started
    for message in report.messages:
        progress(message)
    progress(_summary(report, db_path))
    return report


def load_log_path(db_path: Path) -> Path:
    """Where failed loads keep their traceback: <db>.load.log beside the database (docs/data-format.md)."""
    return Path(db_path).with_name(f"{Path(db_path).name}.load.log")


def failure_line(db_path: Path, exc: BaseException) -> str:
    """Append the failure's traceback to the load log; the one line for the user, naming the log."""
    first = next(iter(str(exc).splitlines()), "")
    line = f"load failed, database unchanged: {type(exc).__name__}" + (f": {first}" if first else "")
    path = load_log_path(db_path)
    handler = None
    try:
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        _failures.addHandler(handler)
        _failures.error("load into %s failed", db_path, exc_info=exc)
    except OSError:  # the folder is not writable: the line is all there is
        return line
    finally:
        if handler is not None:
            _failures.removeHandler(handler)
            handler.close()
    return f"{line} (details: {path})"


def _summary(report: LoadReport, db_path: Path) -> str:
    loaded = sum(f.rows_loaded for f in report.files)
    read = sum(f.rows_read for f in report.files)
    dup = sum(f.rows_duplicate for f in report.files)
    rejected = sum(f.rows_rejected for f in report.files)
    if report.dry_run:
        status = "dry run, nothing written to" if report.ok else "dry run: REFUSED"
        verb = "would load"
    else:
        status, verb = ("loaded into" if report.ok else "REFUSED, unchanged:"), "loaded"
    rate = f" ({read / report.seconds:,.0f} rows/s)" if read and report.seconds else ""
    return (
        f"{status} {db_path}: {len(report.files)} files, {read:,} rows read, {loaded:,} {verb}, "
        f"{dup:,} duplicates skipped, {rejected:,} rejected to quarantine, {report.seconds:.1f} s{rate}"
    )


def _load_into_staging(paths, db_path, staging, kind, report, progress, ledger: str | None, who: str, writer) -> None:
    """ledger: the URL of the ledger's store (None in a dry run, which changes nothing); writer: the lake's."""
    commit = ledger is not None
    files, problems = find_files(list(paths))
    if problems:
        raise LoadRefused("; ".join(problems))
    if kind is not None and kind not in KINDS:
        raise LoadRefused(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    fresh = not db_path.exists()
    if not fresh and commit:
        t0 = time.perf_counter()
        copy_to_staging(db_path, staging)
        report.copy_seconds = time.perf_counter() - t0
        progress(f"staging copy of {db_path.name} made ({report.copy_seconds:.1f} s)")
    con = _connect(staging)
    try:
        if fresh:
            create_database(con)
        else:
            create_schema(con)  # every table is `create ... if not exists`: adds tables new since the file was made
        if commit and not fresh:
            _tidy_lake(con, writer, progress)
        plan = _plan(con, files, kind, report)
        if not commit and not fresh:
            open_scratch(con, db_path, {KINDS[k].table for k, sources in plan.items() if sources})
        store = open_store(ledger) if commit else None  # only once the files are accepted
        caught_up = commit and served.catch_up(con, store)  # the dashboard's changes first: a file cannot undo them
        _run_plan(con, plan, report, progress, writer, live=None if commit or fresh else LIVE)
        if not commit:
            return  # a dry run counts; it needs no quarantine housekeeping, metadata or derived tables
        if any(f.rows_rejected for f in report.files):
            _dedupe_quarantine(con)
        ledger = _record_ledger(con, store, report, who, progress) or caught_up
        changed = sorted(
            {f.table for f in report.files if f.rows_loaded}
            | ({"regions"} if fresh else set())
            | ({"remediation_cases"} if ledger else set())
        )
        if any(f.rows_rejected for f in report.files):
            changed.append("quarantine")
        write_meta(con, [str(Path(f).resolve()) for f in files], changed)  # before rollups: they may read as_of
        _rollups(con, report, progress, fresh, ledger)
        t0 = time.perf_counter()
        con.execute("checkpoint")
        report.checkpoint_seconds = time.perf_counter() - t0
        progress("checkpoint written")
    finally:
        con.close()


def _tidy_lake(con, writer: lake.Writer, progress) -> list[str]:
    """Before a load into an existing database, or its upgrade: its raw tables into the lake if it predates it, and
    the files no version lists any more (a killed load's, or replaced by a rewrite) removed. Returns the tables
    moved."""
    moved = lake.adopt(con, writer)
    if moved:
        progress(f"moved {', '.join(moved)} out of the database into the lake at {writer.root}")
    removed = lake.collect_garbage(con, writer.root)
    if removed:
        why = "left by a load that did not finish, or replaced"
        progress(f"removed {len(removed)} lake files no version lists ({why})")
    return moved


def _record_ledger(con, store, report: LoadReport, who: str, progress) -> bool:
    """The ledger rows a load changed, as events in the store; returns whether the ledger changed."""
    files = [Path(f.path).name for f in report.files if f.table == "remediation_cases" and f.rows_loaded]
    if not files and not served.is_behind(con, store):
        return False
    counts = served.record(con, store, ", ".join(files) or None, who)
    if counts["opened"] or counts["changed"]:
        progress(f"  -> ledger: {counts['opened']:,} cases opened, {counts['changed']:,} changed (events in the store)")
    return True


def _connect(staging: Path) -> duckdb.DuckDBPyConnection:
    con = open_duckdb(staging)
    con.execute(f"set TimeZone = '{settings.TIMEZONE}'")
    con.execute("set enable_progress_bar = false")
    # dict_fsst compresses log strings as well as fsst; skipping fsst's analysis saves ~30% of write time.
    con.execute("set disabled_compression_methods = 'fsst'")
    return con


def _dedupe_quarantine(con) -> None:
    """Re-loading a file quarantines its bad rows again: keep one copy of each (the newest), so a re-load
    changes nothing there either."""
    con.execute(
        """
        delete from quarantine q where exists (
            select 1 from quarantine n
            where n.file = q.file and n.table_name = q.table_name and n.reason = q.reason
              and n.line is not distinct from q.line and n.raw is not distinct from q.raw
              and n.loaded_at > q.loaded_at
        )
        """
    )


def _plan(con, files: list[Path], kind: str | None, report: LoadReport) -> dict[str, list[tuple[int, Source]]]:
    """Read every header first and refuse the whole load if any file is unusable, before loading anything."""
    plan: dict[str, list[tuple[int, Source]]] = {k: [] for k in LOAD_ORDER}
    refused = []
    for no, path in enumerate(files):
        file_report = FileReport(str(path))
        report.files.append(file_report)
        try:
            source = open_source(con, path, view_name=f"_xlsx_{no}")
        except ReadError as exc:
            file_report.error = str(exc)
            refused.append(file_report.error)
            continue
        file_kind = kind or detect(source.header)
        if file_kind is None:
            file_report.error = f"{path.name}: cannot tell what it holds from its columns ({', '.join(source.header)})"
        else:
            file_report.kind, file_report.table = file_kind, KINDS[file_kind].table
            missing = missing_columns(KINDS[file_kind], source)
            if missing:
                file_report.error = f"{path.name} ({file_kind}): missing column {', '.join(missing)}"
        if file_report.error:
            refused.append(file_report.error)
        else:
            plan[file_kind].append((no, source))
    if refused:
        raise LoadRefused("refused, nothing loaded: " + "; ".join(refused))
    return plan


def _run_plan(con, plan, report: LoadReport, progress, writer: lake.Writer, live: str | None) -> None:
    """Stage and merge every file. live: in a dry run, the attached live database (the logs' stored rows)."""
    phases = (("apps", "cadres"), ("accounts", "events", "photos", "cases"))
    for phase in phases:
        for kind_name in phase:
            if KINDS[kind_name].mode == "upsert":
                for no, source in plan[kind_name]:
                    _stage(con, kind_name, no, source, report.files[no], progress)
        for kind_name in phase:
            if KINDS[kind_name].mode == "append":
                # Logs one file at a time: a row repeated in a later file is then a stored duplicate, as it would be
                # in one batch, and the staging area holds one file, not a year of events (~25 GB at 1B events).
                for no, source in plan[kind_name]:
                    _stage(con, kind_name, no, source, report.files[no], progress)
                    _merge(con, kind_name, {no: str(source.path)}, report, progress, writer, live)
            elif plan[kind_name]:
                names = {no: str(src.path) for no, src in plan[kind_name]}
                _merge(con, kind_name, names, report, progress, writer, live)


def _stage(con, kind_name: str, no: int, source: Source, fr: FileReport, progress) -> None:
    t0 = time.perf_counter()
    if source.arrow is not None:
        con.register(source.sql, source.arrow)
    try:
        counts = stage_file(con, KINDS[kind_name], source, no)
    except duckdb.Error as exc:  # the reader gave up on the file (its lines are checked one by one before this)
        what = {".csv": "a CSV file", ".parquet": "a Parquet file"}.get(source.path.suffix.lower(), "an XLSX workbook")
        fr.error = unreadable(source.path.name, what, exc)
        raise LoadRefused("refused, nothing loaded: " + fr.error) from exc
    if source.arrow is not None:
        con.unregister(source.sql)
    fr.rows_read = sum(counts.values())
    fr.rejected = {r: n for r, n in counts.items() if r}
    fr.warnings = list(source.warnings)
    fr.seconds = time.perf_counter() - t0
    parts = [f"{Path(fr.path).name} [{fr.kind}]: {fr.rows_read:,} read"] + [f"note: {w}" for w in fr.warnings]
    parts += [f"{n:,} rejected ({reason})" for reason, n in sorted(fr.rejected.items(), key=lambda item: -item[1])]
    progress(", ".join(parts) + f", {fr.seconds:.2f} s")


def _merge(con, kind_name: str, names: dict[int, str], report: LoadReport, progress, writer, live) -> None:
    t0 = time.perf_counter()
    merged = merge(con, KINDS[kind_name], names, writer, live)
    for no, counts in merged.items():
        fr = report.files[no]
        fr.rows_loaded, fr.rows_updated, fr.rows_duplicate = counts["loaded"], counts["updated"], counts["duplicates"]
    seconds = time.perf_counter() - t0
    files = [report.files[no] for no in names]
    for fr in files:
        fr.seconds += seconds / len(files)
    loaded, updated = sum(f.rows_loaded for f in files), sum(f.rows_updated for f in files)
    duplicates = sum(f.rows_duplicate for f in files)
    line = f"  -> {KINDS[kind_name].table}: {loaded:,} loaded"
    line += f" ({updated:,} replacing stored rows)" if updated else ""
    line += f", {duplicates:,} duplicates skipped" if duplicates else ""
    if KINDS[kind_name].mode == "append" and loaded:  # logs: were they in the lake's order as they came?
        line += ", sorted" if any(c["sorted"] for c in merged.values()) else ", in order as read"
    progress(line + f", {seconds:.2f} s")


# Loads that only append to these tables update the derived tables month by month; any other change
# (catalogues, cadres, accounts, cases, a new database) rebuilds them whole.
_LOGS = {"app_events", "photo_uploads"}


def _appended_days(con) -> set:
    try:
        return {d for (d,) in con.execute("select distinct day from _appended_days").fetchall()}
    except duckdb.CatalogException:  # nothing appended
        return set()


def _months(runs) -> str:
    """[(2024-03-01, 2024-05-01)] -> '2024-03..2024-04'."""
    parts = []
    for first, end in runs:
        last = rollups.add_months(end, -1)
        parts.append(f"{first:%Y-%m}" if last == first else f"{first:%Y-%m}..{last:%Y-%m}")
    return ", ".join(parts)


def _rollups(con, report: LoadReport, progress, fresh: bool, ledger: bool = False) -> None:
    """ledger: the ledger changed (by a file or in the dashboard): the tables that read it are rebuilt."""
    t0 = time.perf_counter()
    if not _has_events(con):
        progress("note: no events loaded yet; derived tables not built")
        return
    changed = {f.table for f in report.files if f.rows_loaded} - {"remediation_cases"}
    if fresh or not changed <= _LOGS:
        rollups.build(con)
        what = "rollups built"
    elif not changed and not rollups.stale(con):
        if not ledger:
            progress("nothing new: derived tables unchanged")
            return
        readers = rollups.readers("remediation_cases")
        rollups.build(con, tables=readers)
        what = f"{', '.join(readers)} rebuilt for the ledger"
    else:
        upgraded = rollups.upgrade(con, progress)  # definitions changed since the file was built: those first
        runs = rollups.update(con, _appended_days(con))
        if runs is None:
            what = "rollups built"
        elif runs:
            what = f"rollups built for {_months(runs)} only"
        else:
            what = f"{len(upgraded)} derived tables rebuilt"
        if ledger:
            rollups.build(con, tables=rollups.readers("remediation_cases"))
    report.rollup_seconds = time.perf_counter() - t0
    progress(f"{what} in {report.rollup_seconds:.1f} s")


def _has_events(con) -> bool:
    return bool(con.execute("select count(*) from (select 1 from app_events limit 1)").fetchone()[0])


def on_staging(db_path: Path, wait_s: float, progress, change: Callable) -> object:
    """Run change(con) on a staging copy of the database and swap the copy in when it returns something truthy (a
    load that got the lock first may have made the change already): readers keep the old file meanwhile."""
    staging = staging_path(db_path)
    with load_lock(db_path, wait_s, progress):
        try:
            copy_to_staging(db_path, staging)
            con = _connect(staging)
            try:
                changed = change(con)
                if changed:
                    con.execute("checkpoint")
            finally:
                con.close()
            if changed:
                swap_in(staging, db_path)
        finally:
            remove_staging(staging)
    return changed


def upgrade(db_path: Path, progress: Callable[[str], None] = _stderr, wait_s: float = 60.0) -> list[str]:
    """Add the columns the schema gained since the file was made (storage.create_schema) and rebuild the derived
    tables built from older definitions than today's (rollups.upgrade), as a load does: on a staging copy swapped
    in whole, so a dashboard already serving the file keeps reading the old one meanwhile. Returns the columns
    added ("apps.line") and the tables rebuilt; none when the database is up to date."""
    db_path = Path(db_path)
    with open_duckdb(db_path, read_only=True) as con:
        if not schema_gaps(con) and not lake.base_tables(con) and (not rollups.stale(con) or not _has_events(con)):
            return []
    started = time.perf_counter()
    writer = lake.Writer(lake.lake_dir(db_path))

    def change(con) -> list[str]:
        changed = create_schema(con)
        if changed:
            progress(f"added to the schema since this database was built: {', '.join(changed)}")
        moved = _tidy_lake(con, writer, progress)
        writer.sync()
        return changed + [f"{t} -> lake" for t in moved] + (rollups.upgrade(con, progress) if _has_events(con) else [])

    changed = on_staging(db_path, wait_s, progress, change)
    if changed:
        progress(f"database upgraded in {time.perf_counter() - started:.1f} s ({', '.join(changed)}): {db_path}")
    return changed


def sync_ledger(
    db_path: Path, progress: Callable[[str], None] = _stderr, wait_s: float = 60.0, ledger_url: str | None = None
) -> bool:
    """Bring the served database's ledger up to its store (changes made in the dashboard), with the derived tables
    that read it, on a staging copy swapped in whole as a load does. Returns whether anything changed."""
    db_path = Path(db_path)
    store = open_store(ledger_url or settings.ledger_url(db_path))
    with open_duckdb(db_path, read_only=True) as con:
        if not served.is_behind(con, store):
            return False
    started = time.perf_counter()

    def change(con) -> bool:
        if not served.is_behind(con, store):
            return False
        served.bring_up(con, store)
        if _has_events(con):
            rollups.build(con, tables=rollups.readers("remediation_cases"))
        return True

    changed = bool(on_staging(db_path, wait_s, progress, change))
    if changed:
        progress(f"ledger brought into {db_path.name} in {time.perf_counter() - started:.1f} s")
    return changed
