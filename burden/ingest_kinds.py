"""What each kind of log file holds: target table, key, checks, and how to tell it from its header.

Column names, types and not-null rules come from queries/schema/<table>.sql, the one source of truth.
"""

from __future__ import annotations

import unicodedata
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


# Allowed values; ASCII enums are matched after trim and lower-casing.
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "apps": {"level": ("province", "city", "county"), "platform": ("standalone", "浙政钉", "浙里办", "mini-program")},
    "app_events": {"action": ("open", "submit", "photo", "checkin", "view")},
    "photo_uploads": {"purpose": ("proof", "evidence")},
    "remediation_cases": {
        "finding": ("zombie", "island", "duplicate_function", "low_value", "excessive_trace", "prohibited_feature"),
        "action": ("delete", "merge", "iterate"),
        "status": ("identified", "planned", "in_progress", "done", "verified"),
        "source": ("self_check", "inspection", "assessment"),
        "recommendation": ("提升完善", "整合优化", "加快整改"),
    },
}

# Free text: trimmed only (no full-width folding, no case folding).
FREE_TEXT = frozenset({"name_zh", "name_en", "owner_dept", "functions", "roles", "age_band"})
# Codes and ids that Excel may have turned into numbers (scientific notation, trailing .0).
NUMERIC_LOOKING = frozenset(
    {"event_id", "photo_id", "cadre_id", "app_id", "target_app_id", "task_id", "case_id"}
    | {"region_code", "owner_region_code", "scope_region_code"}
)
# Ids that refer to a dimension: an unknown all-digit value is repaired when padding it with zeros
# gives exactly one known id (leading zeros lost in Excel).
REFERENCES = {"cadre_id": ("cadres", "cadre_id"), "app_id": ("apps", "app_id"), "target_app_id": ("apps", "app_id")}
# Counts that cannot be negative.
NON_NEGATIVE = frozenset({"duration_s", "bytes"})
# submit events of these fact types are about a household, river segment or site: subject_key is required.
SUBJECT_REQUIRED = ("visit", "patrol", "inspection")
# Event and photo times outside [EARLIEST_TS, now] are quarantined.
EARLIEST_TS = "2015-01-01"


def norm_name(name: str) -> str:
    """A header name as matched: NFKC (full-width letters), no BOM, trimmed, lower case."""
    return unicodedata.normalize("NFKC", name).replace("\ufeff", "").strip().lower()


_CADRE_KNOWN = ("cadre_id not in (select cadre_id from cadres)", "cadre_id unknown")
_APP_KNOWN = ("app_id not in (select app_id from apps)", "app_id unknown")

# Checks on typed columns beyond the casts, enums (ENUMS), counts (NON_NEGATIVE) and times, which ingest_stage adds.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "apps",
            "apps",
            ("app_id",),
            "upsert",
            (("owner_region_code not in (select region_code from regions)", "owner_region_code unknown"),),
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
            (
                _CADRE_KNOWN,
                _APP_KNOWN,
                (
                    "action = 'submit' and subject_key is null and fact_type in ("
                    + ", ".join(f"'{t}'" for t in SUBJECT_REQUIRED)
                    + ")",
                    "subject_key empty on a " + "/".join(SUBJECT_REQUIRED) + " submit",
                ),
            ),
        ),
        Kind("photos", "photo_uploads", ("photo_id",), "append", (_CADRE_KNOWN, _APP_KNOWN)),
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


@cache
def all_column_names() -> frozenset[str]:
    return frozenset(c.name for kind in KINDS.values() for c in columns(kind.table))


def detect(header: list[str]) -> str | None:
    """The kind a header belongs to: among kinds whose marker column is present, the best match."""
    names = {norm_name(h) for h in header}
    best, best_score = None, 0.0
    for kind in KINDS.values():
        cols = {c.name for c in columns(kind.table)}
        score = len(cols & names) / len(cols)
        if _MARKERS[kind.name] in names and score > best_score:
            best, best_score = kind.name, score
    return best
