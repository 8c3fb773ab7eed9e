"""What each kind of log file holds: target table, key, checks, and how to tell it from its header.

Column names, types and not-null rules come from queries/schema/<table>.sql, the one source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import duckdb

from burden import settings


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type name, e.g. VARCHAR, BIGINT, TIMESTAMP
    required: bool  # not null in the DDL: the file must have it and every row must fill it


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    key: tuple[str, ...]
    # upsert: a row with a known key replaces the stored one if it differs (catalogues, ledger, accounts).
    # append: logs are immutable; a row with a known key is a duplicate and is skipped.
    mode: str
    # (sql that is true for a bad row, reason). Evaluated after the casts, on typed columns.
    checks: tuple[tuple[str, str], ...] = field(default=())


def _one_of(column: str, values: tuple[str, ...], nullable: bool = False) -> tuple[str, str]:
    listed = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    bad = f"{column} not in ({listed})"
    if nullable:
        bad = f"{column} is not null and {bad}"
    return bad, f"{column} not one of {'|'.join(values)}"


_CADRE_KNOWN = ("cadre_id not in (select cadre_id from cadres)", "cadre_id unknown")
_APP_KNOWN = ("app_id not in (select app_id from apps)", "app_id unknown")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "apps",
            "apps",
            ("app_id",),
            "upsert",
            (
                _one_of("level", ("province", "city", "county")),
                _one_of("platform", ("standalone", "浙政钉", "浙里办", "mini-program")),
            ),
        ),
        Kind(
            "cadres",
            "cadres",
            ("cadre_id",),
            "upsert",
            (
                (
                    "region_code not in (select region_code from regions where level in ('village', 'town'))",
                    "region_code not a known village or town",
                ),
            ),
        ),
        Kind("accounts", "app_accounts", ("cadre_id", "app_id", "opened_on"), "upsert", (_CADRE_KNOWN, _APP_KNOWN)),
        Kind(
            "events",
            "app_events",
            ("event_id",),
            "append",
            (_CADRE_KNOWN, _APP_KNOWN, _one_of("action", ("open", "submit", "photo", "checkin", "view"))),
        ),
        Kind(
            "photos",
            "photo_uploads",
            ("photo_id",),
            "append",
            (_CADRE_KNOWN, _APP_KNOWN, _one_of("purpose", ("proof", "evidence"))),
        ),
        Kind(
            "cases",
            "remediation_cases",
            ("case_id",),
            "upsert",
            (
                _APP_KNOWN,
                ("scope_region_code not in (select region_code from regions)", "scope_region_code unknown"),
                (
                    "target_app_id is not null and target_app_id not in (select app_id from apps)",
                    "target_app_id unknown",
                ),
                _one_of(
                    "finding",
                    (
                        "zombie",
                        "island",
                        "duplicate_function",
                        "low_value",
                        "excessive_trace",
                        "prohibited_feature",
                    ),
                ),
                _one_of("action", ("delete", "merge", "iterate")),
                _one_of("status", ("identified", "planned", "in_progress", "done", "verified")),
                _one_of("source", ("self_check", "inspection", "assessment")),
                _one_of("recommendation", ("提升完善", "整合优化", "加快整改"), nullable=True),
            ),
        ),
    )
}

# Dimensions first, so the id checks of the logs see rows loaded in the same call.
LOAD_ORDER = ("apps", "cadres", "accounts", "events", "photos", "cases")


def schema_files() -> list:
    return sorted((settings.QUERIES_DIR / "schema").glob("*.sql"))


@cache
def columns(table: str) -> tuple[Column, ...]:
    """The columns of a base table, read from its DDL file."""
    con = duckdb.connect()
    try:
        con.execute((settings.QUERIES_DIR / "schema" / f"{table}.sql").read_text(encoding="utf-8"))
        rows = con.execute(
            "select column_name, data_type, is_nullable from information_schema.columns "
            "where table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    finally:
        con.close()
    return tuple(Column(name, dtype, nullable == "NO") for name, dtype, nullable in rows)


# A column only that kind's files have; the kind with the most of its columns present wins.
_MARKERS = {
    "apps": "app_id",
    "cadres": "cadre_id",
    "accounts": "opened_on",
    "events": "event_id",
    "photos": "photo_id",
    "cases": "case_id",
}


def detect(header: list[str]) -> str | None:
    """The kind a header belongs to: among kinds whose marker column is present, the best match."""
    names = {h.strip().lower() for h in header}
    best, best_score = None, 0.0
    for kind in KINDS.values():
        cols = {c.name for c in columns(kind.table)}
        score = len(cols & names) / len(cols)
        if _MARKERS[kind.name] in names and score > best_score:
            best, best_score = kind.name, score
    return best
