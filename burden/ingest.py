"""Load log files into the database: validate -> quarantine -> load -> roll up, atomically.

The load works on a staging copy of the database file and replaces the real file only when
everything succeeded, so a refused file or a crash leaves the old database as it was. The
dashboard opens the file read-only per file version, so the replace is safe while it runs.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from burden import rollups, settings
from burden.ingest_db import create_database, create_schema, write_meta
from burden.ingest_kinds import KINDS, LOAD_ORDER, detect
from burden.ingest_read import ReadError, Source, find_files, open_source
from burden.ingest_stage import merge, missing_columns, stage_file


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class FileReport:
    path: str
    kind: str | None = None
    table: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0  # new or changed rows written
    rows_updated: int = 0  # of rows_loaded, those that replaced a stored row with the same key
    rows_duplicate: int = 0  # already stored (or repeated within the load): skipped
    rejected: dict[str, int] = field(default_factory=dict)  # reason -> rows (kept in quarantine)
    seconds: float = 0.0
    error: str | None = None  # the file was refused

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected.values())


@dataclass
class LoadReport:
    ok: bool = True
    files: list[FileReport] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rollup_seconds: float = 0.0

    def rows(self, table: str) -> int:
        return sum(f.rows_loaded for f in self.files if f.table == table)


class LoadRefused(RuntimeError):
    pass


def load(
    paths: list[Path],
    db_path: Path,
    kind: str | None = None,
    progress: Callable[[str], None] = _stderr,
) -> LoadReport:
    """Load CSV/Parquet/XLSX files (or folders of them) into db_path; the report says what happened."""
    started = time.perf_counter()
    report = LoadReport()
    db_path = Path(db_path)
    staging = db_path.with_name(f"{db_path.name}.staging-{os.getpid()}")
    try:
        _clean_stale_staging(db_path)
        _load_into_staging(paths, db_path, staging, kind, report, progress)
        if db_path.with_name(db_path.name + ".wal").exists():  # belongs to the old file; its data was copied
            db_path.with_name(db_path.name + ".wal").unlink()
        os.replace(staging, db_path)
    except LoadRefused as exc:
        report.ok = False
        report.messages.append(str(exc))
    except Exception as exc:  # a crash mid-load: the old database stays, the user gets one line
        report.ok = False
        report.messages.append(f"load failed, database unchanged: {type(exc).__name__}: {exc}")
        if os.environ.get("BURDEN_DEBUG"):
            raise
    finally:
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
    report.seconds = time.perf_counter() - started
    for message in report.messages:
        progress(message)
    progress(_summary(report, db_path))
    return report


def _summary(report: LoadReport, db_path: Path) -> str:
    loaded = sum(f.rows_loaded for f in report.files)
    dup = sum(f.rows_duplicate for f in report.files)
    rejected = sum(f.rows_rejected for f in report.files)
    status = "loaded into" if report.ok else "REFUSED, unchanged:"
    return (
        f"{status} {db_path}: {len(report.files)} files, {loaded:,} rows loaded, {dup:,} duplicates skipped, "
        f"{rejected:,} rejected to quarantine, {report.seconds:.1f} s"
    )


def _clean_stale_staging(db_path: Path) -> None:
    for path in db_path.parent.glob(f"{db_path.name}.staging-*"):
        pid = path.name.rsplit("-", 1)[-1].removesuffix(".wal")
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _load_into_staging(paths, db_path, staging, kind, report, progress) -> None:
    files, problems = find_files(list(paths))
    if problems:
        raise LoadRefused("; ".join(problems))
    if kind is not None and kind not in KINDS:
        raise LoadRefused(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fresh = not db_path.exists()
    if not fresh:
        shutil.copyfile(db_path, staging)
        wal = db_path.with_name(db_path.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, staging.with_name(staging.name + ".wal"))
    con = duckdb.connect(str(staging))
    try:
        con.execute(f"set TimeZone = '{settings.TIMEZONE}'")
        con.execute("set enable_progress_bar = false")
        # dict_fsst compresses log strings as well as fsst; skipping fsst's analysis saves ~30% of write time.
        con.execute("set disabled_compression_methods = 'fsst'")
        if fresh:
            create_database(con)
        else:
            create_schema(con)  # every table is `create ... if not exists`: adds tables new since the file was made
        plan = _plan(con, files, kind, report)
        _run_plan(con, plan, report, progress)
        write_meta(con, [str(Path(f).resolve()) for f in files])  # before rollups: they may read as_of
        _rollups(con, report, progress)
        con.execute("checkpoint")
    finally:
        con.close()


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


def _run_plan(con, plan, report: LoadReport, progress) -> None:
    phases = (("apps", "cadres"), ("accounts", "events", "photos", "cases"))
    for phase in phases:
        for kind_name in phase:
            for no, source in plan[kind_name]:
                _stage(con, kind_name, no, source, report.files[no], progress)
        for kind_name in phase:
            if plan[kind_name]:
                _merge(con, kind_name, {no: str(src.path) for no, src in plan[kind_name]}, report, progress)


def _stage(con, kind_name: str, no: int, source: Source, fr: FileReport, progress) -> None:
    t0 = time.perf_counter()
    if source.arrow is not None:
        con.register(source.sql, source.arrow)
    counts = stage_file(con, KINDS[kind_name], source, no)
    if source.arrow is not None:
        con.unregister(source.sql)
    fr.rows_read = sum(counts.values())
    fr.rejected = {r: n for r, n in counts.items() if r}
    fr.seconds = time.perf_counter() - t0
    parts = [f"{Path(fr.path).name} [{fr.kind}]: {fr.rows_read:,} read"]
    parts += [f"{n:,} rejected ({reason})" for reason, n in sorted(fr.rejected.items(), key=lambda item: -item[1])]
    progress(", ".join(parts) + f", {fr.seconds:.2f} s")


def _merge(con, kind_name: str, names: dict[int, str], report: LoadReport, progress) -> None:
    t0 = time.perf_counter()
    for no, counts in merge(con, KINDS[kind_name], names).items():
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
    progress(line + f", {seconds:.2f} s")


def _rollups(con, report: LoadReport, progress) -> None:
    t0 = time.perf_counter()
    if not con.execute("select count(*) from (select 1 from app_events limit 1)").fetchone()[0]:
        progress("note: no events loaded yet; derived tables not built")
        return
    rollups.build(con)
    report.rollup_seconds = time.perf_counter() - t0
    progress(f"rollups built in {report.rollup_seconds:.1f} s")
