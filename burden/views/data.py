"""Data page view model: what is loaded (sources, tables, quarantine), and uploads checked by a dry run first.

The load itself goes through burden.ingest.pipeline, the one write path: a dry run (into a scratch file, the live one
read, never copied) for the validation report, then the real load (lock, staging copy, atomic swap) when the user
commits.
"""

from __future__ import annotations

import codecs
import json
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from burden import db, lines, settings
from burden.i18n import t
from burden.ingest import pipeline
from burden.ingest.reasons import note_text, reason_text

_UPLOAD_PREFIX = "burden-upload-"
MAX_UPLOAD_MB = 200  # per file; larger exports go through `python -m burden load`
UPLOAD_TYPES = ("csv", "parquet", "xlsx")
QUARANTINE_LIMIT = 1000  # rows listed (and downloaded) on the page; the CLI and SQL see them all
# Leading bytes of each type: a renamed or binary file is refused before the loader sees it.
_MAGIC = {".parquet": b"PAR1", ".xlsx": b"PK\x03\x04"}


@dataclass(frozen=True)
class Sources:
    loaded_at: str
    as_of: str
    first_event_on: str
    files: list[str]


def sources() -> Sources:
    meta = dict(db.query("load_sources").iter_rows())
    files = json.loads(meta.get("source_files") or "[]")
    loaded_at = (meta.get("loaded_at") or "").replace("T", " ")
    return Sources(loaded_at, meta.get("as_of") or "", meta.get("first_event_on") or "", files)


def sources_table(files: list[str]) -> pl.DataFrame:
    paths = [Path(f) for f in files]
    return pl.DataFrame(
        {t("data.col.file"): [p.name for p in paths], t("data.col.folder"): [str(p.parent) for p in paths]},
        schema={t("data.col.file"): pl.String, t("data.col.folder"): pl.String},
    )


def tables() -> pl.DataFrame:
    """Rows, date range and last load per table, as shown (and downloaded)."""
    raw = db.query("table_freshness")
    # Texts looked up here, in the caller's thread: the language is a context variable Polars' threads lack.
    holds = {n: t(f"data.table.{n}") for n in raw["table_name"]}
    groups = {g: t(f"data.group.{g}") for g in raw["table_group"].unique()}
    return raw.select(  # the count and dates first: they stay on screen on a phone
        pl.col("table_name").alias(t("data.col.table")),
        pl.col("row_count").alias(t("data.col.rows")),
        pl.col("first_on").dt.strftime("%Y-%m-%d").fill_null("–").alias(t("data.col.first_on")),
        pl.col("last_on").dt.strftime("%Y-%m-%d").fill_null("–").alias(t("data.col.last_on")),
        pl.col("last_loaded_at").dt.strftime("%Y-%m-%d %H:%M").fill_null("–").alias(t("data.col.last_loaded")),
        pl.col("table_name").replace_strict(holds, return_dtype=pl.String).alias(t("data.col.holds")),
        pl.col("table_group").replace_strict(groups, return_dtype=pl.String).alias(t("data.col.group")),
    )


@dataclass(frozen=True)
class Lines:
    table: pl.DataFrame  # line name, apps: as shown and downloaded
    apps: int  # visible apps
    unknown: int  # of which no line claims


def apps_by_line() -> Lines:
    """The visible apps per line (条线); apps whose line is unknown are counted apart, to be fixed in the catalogue."""
    raw = db.query("app_lines").group_by("line").len("apps").sort(["apps", "line"], descending=[True, False])
    names = {code: lines.name(code) for code in raw["line"]}  # looked up here: Polars' threads lack the language
    table = raw.select(
        pl.col("line").replace_strict(names, return_dtype=pl.String).alias(t("data.col.line_name")),
        pl.col("line").alias(t("data.col.line_code")),
        pl.col("apps").alias(t("data.col.apps")),
    )
    unknown = raw.filter(pl.col("line") == lines.UNKNOWN)["apps"].sum()
    return Lines(table, int(raw["apps"].sum()), int(unknown))


def _reasons(raw: pl.DataFrame) -> pl.Expr:
    """The reason column in the page's language (looked up here: Polars' threads lack the language)."""
    texts = {r: reason_text(r) for r in raw["reason"].unique()}
    return pl.col("reason").replace_strict(texts, return_dtype=pl.String).alias(t("data.col.reason"))


def quarantine_reasons() -> pl.DataFrame:
    raw = db.query("quarantine_by_reason")
    return raw.select(
        pl.col("table_name").alias(t("data.col.table")),
        _reasons(raw),
        pl.col("row_count").alias(t("data.col.rows")),
        pl.col("files").alias(t("data.col.files")),
        pl.col("last_loaded_at").dt.strftime("%Y-%m-%d %H:%M").alias(t("data.col.last_loaded")),
    )


def quarantine_rows(limit: int = QUARANTINE_LIMIT) -> pl.DataFrame:
    raw = db.query("quarantine_rows", limit=limit)
    return raw.select(
        pl.col("file").str.extract(r"([^/\\]+)$").alias(t("data.col.file")),
        pl.col("line").alias(t("data.col.line")),
        pl.col("table_name").alias(t("data.col.table")),
        _reasons(raw),
        pl.col("raw").alias(t("data.col.raw")),
        pl.col("loaded_at").dt.strftime("%Y-%m-%d %H:%M").alias(t("data.col.loaded_at")),
    )


# --- Uploads -----------------------------------------------------------------------------------------------


def check_upload(name: str, size: int, head: bytes) -> str | None:
    """Why an uploaded file cannot be loaded (type, size, content), or None."""
    suffix = Path(name).suffix.lower()
    if suffix.lstrip(".") not in UPLOAD_TYPES:
        return t("data.upload.bad_type", name=name)
    if size > MAX_UPLOAD_MB * 1024 * 1024:
        return t("data.upload.too_big", name=name, mb=MAX_UPLOAD_MB)
    if size == 0:
        return t("data.upload.empty", name=name)
    magic = _MAGIC.get(suffix)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))  # Excel's "Unicode text": NUL bytes are text
    if (magic and not head.startswith(magic)) or (suffix == ".csv" and b"\x00" in head and not utf16):
        return t("data.upload.not_that_type", name=name, kind=suffix)
    return None


def save_uploads(files: list) -> tuple[Path | None, list[str]]:
    """Write the uploads (objects with .name, .size and .getvalue()) to a new folder; refused ones are named.

    Any refused file refuses the set, as the loader does: nothing half-checked goes further.
    """
    problems = [p for f in files if (p := check_upload(f.name, f.size, f.getvalue()[:4096]))]
    if problems or not files:
        return None, problems
    folder = Path(tempfile.mkdtemp(prefix=_UPLOAD_PREFIX))
    for f in files:
        (folder / Path(f.name).name).write_bytes(f.getvalue())
    return folder, []


STALE_UPLOAD_S = 24 * 3600  # upload folders older than this are left by a server that stopped: removed


class Preview:
    """Uploads checked by a dry run, waiting for the user to commit them.

    Their temporary folder lives as long as this object and no longer: it is removed when the preview is
    discarded (cancel, newer uploads, the uploader emptied), when the session that holds it ends (the object is
    garbage collected), at once when the dry run refused the files or found nothing to load, and moved away
    by the commit (kept beside the database as the record of what was loaded).
    """

    def __init__(self, signature: tuple, folder: Path, report: pipeline.LoadReport) -> None:
        self.signature, self.folder, self.report = signature, folder, report
        self._remove = weakref.finalize(self, shutil.rmtree, str(folder), True)
        counts = totals(report)
        if not report.ok or not (counts.loaded or counts.quarantined):
            self.discard()  # nothing can be committed from it

    def discard(self) -> None:
        self._remove()  # runs once; later calls do nothing

    def commit(self, progress: Callable[[str], None]) -> pipeline.LoadReport:
        try:
            return commit(self.folder, progress)
        finally:
            self.discard()


def preview(files: list, signature: tuple) -> tuple[Preview | None, list[str]]:
    """Save the uploads and dry-run them; the problems that refuse them at upload instead."""
    _remove_stale_uploads()
    folder, problems = save_uploads(files)
    if folder is None:
        return None, problems
    return Preview(signature, folder, dry_run(folder)), []


def _remove_stale_uploads() -> None:
    cutoff = time.time() - STALE_UPLOAD_S
    for folder in Path(tempfile.gettempdir()).glob(_UPLOAD_PREFIX + "*"):
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def dry_run(folder: Path) -> pipeline.LoadReport:
    """Validate and count the uploads against the current data; the database is not changed."""
    return pipeline.load([folder], settings.db_path(), commit=False, progress=_quiet, wait_s=0)


def commit(folder: Path, progress: Callable[[str], None]) -> pipeline.LoadReport:
    """Keep the uploaded files beside the database (the record of what was loaded), then load them."""
    kept = settings.db_path().parent / "uploads" / datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        ignore = kept.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")  # uploaded logs never end up in git
        shutil.move(str(folder), kept)
    except OSError as exc:  # e.g. a full disk: like a failed load, one line here and the traceback in the load log
        return pipeline.LoadReport(ok=False, messages=[pipeline.failure_line(settings.db_path(), exc)])
    return pipeline.load([kept], settings.db_path(), progress=progress, wait_s=0)


def discard(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _quiet(message: str) -> None:
    pass


@dataclass(frozen=True)
class Totals:
    files: int
    read: int
    loaded: int
    duplicates: int
    quarantined: int
    refused: int


def totals(report: pipeline.LoadReport) -> Totals:
    files = report.files
    return Totals(
        len(files),
        sum(f.rows_read for f in files),
        sum(f.rows_loaded for f in files),
        sum(f.rows_duplicate for f in files),
        sum(f.rows_rejected for f in files),
        sum(1 for f in files if f.error),
    )


def report_table(report: pipeline.LoadReport) -> pl.DataFrame:
    """One row per file of a (dry-run) load: what it is, what it holds, and what the load does with it."""
    rows = [
        {
            t("data.col.file"): Path(f.path).name,
            t("data.col.kind"): t(f"data.kind.{f.kind}") if f.kind else "–",
            t("data.col.rows_read"): f.rows_read,
            t("data.col.would_load"): f.rows_loaded,
            t("data.col.duplicates"): f.rows_duplicate,
            t("data.col.quarantined"): f.rows_rejected,
            t("data.col.reasons"): "; ".join(
                f"{reason_text(r)} ({n:,})" for r, n in sorted(f.rejected.items(), key=_most)
            ),
            t("data.col.refused"): f.error or "",
            t("data.col.notes"): "; ".join(map(note_text, f.warnings)),
        }
        for f in report.files
    ]
    names = [
        "data.col.file",
        "data.col.kind",
        "data.col.rows_read",
        "data.col.would_load",
        "data.col.duplicates",
        "data.col.quarantined",
        "data.col.reasons",
        "data.col.refused",
        "data.col.notes",
    ]
    counts = ("read", "load", "duplicates", "quarantined")
    schema = {t(n): (pl.Int64 if n.endswith(counts) else pl.String) for n in names}
    return pl.DataFrame(rows, schema=schema)


def _most(item: tuple[str, int]) -> int:
    return -item[1]
