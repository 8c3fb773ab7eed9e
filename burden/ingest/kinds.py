"""What each kind of log file holds: target table, key, checks, and how to tell it from its header.

Column names, types and not-null rules come from queries/schema/<table>.sql, the one source of truth.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache

from burden import lines, settings
from burden.db import open_duckdb
from burden.ledger.cases import CHOICES, LEDGER_RULES


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
    # (column, sql over the row's typed columns): the value of an optional column a row leaves empty, or a file
    # lacks, e.g. an app's line from its owner department (older exports have no line column).
    fills: tuple[tuple[str, str], ...] = field(default=())


# Allowed values; ASCII enums are matched after trim and lower-casing.
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "apps": {
        "level": ("province", "city", "county"),
        "platform": ("standalone", "浙政钉", "浙里办", "mini-program"),
        "line": lines.codes(),
    },
    "app_events": {"action": ("open", "submit", "photo", "checkin", "view")},
    "photo_uploads": {"purpose": ("proof", "evidence")},
    "remediation_cases": CHOICES,  # the ledger's own (burden/ledger/cases.py)
}

# Chinese values accepted for the enums, per table and column: {value as a clerk writes it: stored value}.
# docs/data-format.md lists them (tests/test_ingest_chinese.py checks the two agree).
VALUE_ALIASES: dict[str, dict[str, dict[str, str]]] = {
    "apps": {
        "level": {"省级": "province", "省": "province", "市级": "city", "市": "city", "县级": "county", "县": "county"},
        "platform": {"独立": "standalone", "独立应用": "standalone", "小程序": "mini-program"},
        "line": lines.zh_names(),  # 民政 -> civil_affairs (data/lines.toml)
    },
    "app_events": {
        "action": {"打开": "open", "提交": "submit", "拍照": "photo", "打卡": "checkin", "查看": "view", "浏览": "view"}
    },
    "photo_uploads": {"purpose": {"留痕": "proof", "取证": "evidence"}},
    "remediation_cases": {
        "finding": {
            "僵尸应用": "zombie",
            "孤岛应用": "island",
            "功能重复": "duplicate_function",
            "低效": "low_value",
            "低价值": "low_value",
            "低效低价值": "low_value",
            "过度留痕": "excessive_trace",
            "违规功能": "prohibited_feature",
        },
        "action": {"删除": "delete", "关停": "delete", "合并": "merge", "迭代": "iterate"},
        "status": {
            "已发现": "identified",
            "已计划": "planned",
            "整改中": "in_progress",
            "进行中": "in_progress",
            "已完成": "done",
            "已整改": "done",
            "已核验": "verified",
            "已验收": "verified",
        },
        "source": {"自查": "self_check", "督查": "inspection", "检查": "inspection", "评估": "assessment"},
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
    """A header name as matched: NFKC (full-width letters and brackets), no BOM, trimmed, lower case."""
    return unicodedata.normalize("NFKC", name).replace("\ufeff", "").strip().lower()


def column_name(kind_name: str, header: str) -> str:
    """The contract's column a header names in a file of that kind: its Chinese alias resolved, else norm_name."""
    name = norm_name(header)
    return _ALIAS_INDEX[kind_name].get(name.replace(" ", ""), name)


def known_column(header: str) -> bool:
    """Whether a header names a column of some kind, in English or Chinese (used to find the header line)."""
    name = norm_name(header)
    return name in all_column_names() or any(name.replace(" ", "") in aliases for aliases in _ALIAS_INDEX.values())


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
            fills=(("line", lines.dept_sql("owner_dept")),),
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
                *LEDGER_RULES,
            ),
        ),
    )
}

# Chinese column names, one table per kind: {name as a clerk writes it: column}. Matched like norm_name, spaces
# removed (时长（秒） = 时长(秒) = 时长 (秒)). docs/data-format.md lists them (tests/test_ingest_chinese.py checks).
_CADRE, _APP, _TASK = (
    {"干部编号": "cadre_id", "干部ID": "cadre_id"},
    {"应用编号": "app_id", "应用ID": "app_id"},
    {"任务编号": "task_id"},
)
ALIASES: dict[str, dict[str, str]] = {
    "apps": {
        **_APP,
        "应用名称": "name_zh",
        "中文名称": "name_zh",
        "英文名称": "name_en",
        "主管部门": "owner_dept",
        "条线": "line",
        "所属条线": "line",
        "层级": "level",
        "所属区域": "owner_region_code",
        "区域代码": "owner_region_code",
        "平台": "platform",
        "功能": "functions",
        "上线日期": "launched_on",
        "是否整合": "is_integrated",
        "是否打卡": "has_checkin",
        "是否排名": "has_ranking",
        "是否统计在线时长": "tracks_online_time",
        "是否强制安装": "forced_install",
        "是否要求拍照": "photo_required",
    },
    "cadres": {**_CADRE, "区域代码": "region_code", "所属村社": "region_code", "职务": "roles", "年龄段": "age_band"},
    "accounts": {**_CADRE, **_APP, "开通日期": "opened_on", "注销日期": "closed_on", "关闭日期": "closed_on"},
    "events": {
        **_CADRE,
        **_APP,
        **_TASK,
        "事件编号": "event_id",
        "时间": "ts",
        "操作时间": "ts",
        "操作": "action",
        "操作类型": "action",
        "时长(秒)": "duration_s",
        "时长": "duration_s",
        "对象编号": "subject_key",
        "事项": "subject_key",
        "事项类型": "fact_type",
    },
    "photos": {
        **_CADRE,
        **_APP,
        **_TASK,
        "照片编号": "photo_id",
        "时间": "ts",
        "上传时间": "ts",
        "用途": "purpose",
        "大小(字节)": "bytes",
        "字节数": "bytes",
        "是否必需": "is_required",
        "任务因缺照片作废": "task_voided_for_missing_photo",
    },
    "cases": {
        **_APP,
        "案件编号": "case_id",
        "整治范围": "scope_region_code",
        "问题类型": "finding",
        "整治方式": "action",
        "处置方式": "action",
        "合并目标": "target_app_id",
        "状态": "status",
        "整改状态": "status",
        "来源": "source",
        "发现日期": "identified_on",
        "发现时间": "identified_on",
        "期限": "due_on",
        "整改期限": "due_on",
        "完成日期": "done_on",
        "完成时间": "done_on",
        "核验日期": "verified_on",
        "核验时间": "verified_on",
        "建议": "recommendation",
        "整改建议": "recommendation",
    },
}
_ALIAS_INDEX = {kind: {norm_name(a).replace(" ", ""): c for a, c in table.items()} for kind, table in ALIASES.items()}

# The typed ids and time a quarantined row keeps beside its raw JSON: (column, columns of the staged row it is
# taken from, first present). An account's time is the day it was opened.
QUARANTINE_KEYS = (("app_id", ("app_id",)), ("cadre_id", ("cadre_id",)), ("ts", ("ts", "opened_on")))
_LOG_KINDS = ("accounts", "events", "photos")


def _from_raw(names: tuple[str, ...]) -> str:
    """SQL reading a quarantined row's raw JSON under the column's names or Chinese aliases (rows quarantined
    before the typed columns were kept)."""
    keys = [*names, *sorted({a for k in _LOG_KINDS for a, c in ALIASES[k].items() if c in names})]
    return "coalesce(" + ", ".join("json_extract_string(raw, '$.\"" + k + "\"')" for k in keys) + ")"


# (table, column) -> the value of a column added to a table since a database was made, for its existing rows.
SCHEMA_FILLS: dict[tuple[str, str], str] = {
    **{(kind.table, name): value for kind in KINDS.values() for name, value in kind.fills},
    **{
        ("quarantine", name): (f"try_cast({_from_raw(sources)} as timestamp)" if name == "ts" else _from_raw(sources))
        for name, sources in QUARANTINE_KEYS
    },
}

# Dimensions first, so the id checks of the logs see rows loaded in the same call.
LOAD_ORDER = ("apps", "cadres", "accounts", "events", "photos", "cases")


def schema_files() -> list:
    return sorted((settings.QUERIES_DIR / "schema").glob("*.sql"))


@cache
def columns(table: str) -> tuple[Column, ...]:
    """The columns of a base table, read from its DDL file."""
    con = open_duckdb()
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
    best, best_score = None, 0.0
    for kind in KINDS.values():
        names = {column_name(kind.name, h) for h in header}
        cols = {c.name for c in columns(kind.table)}
        score = len(cols & names) / len(cols)
        if _MARKERS[kind.name] in names and score > best_score:
            best, best_score = kind.name, score
    return best
