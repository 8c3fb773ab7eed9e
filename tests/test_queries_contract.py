"""Every query file carries its dbt-style header, and every metric is documented in zh and en."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from burden import db, settings
from burden.summary import METRIC_IDS

METRICS_DOC = settings.ROOT / "docs" / "metrics.md"
QUERY_FILES = sorted(settings.QUERIES_DIR.rglob("*.sql"))
_HEADER_KEYS = ("purpose", "grain", "parameters")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def header_problems(sql: str) -> list[str]:
    """What is wrong with a query file's header: missing lines, or $params used but not listed."""
    header: dict[str, str] = {}
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        key, _, value = line[2:].strip().partition(":")
        header[key.strip()] = value.strip()
    problems = [f"no '-- {key}:' line" for key in _HEADER_KEYS if not header.get(key)]
    listed = set(re.findall(r"\$([a-z_][a-z0-9_]*)", header.get("parameters", "")))
    problems += [f"${name} is used but not listed in '-- parameters:'" for name in sorted(db.param_names(sql) - listed)]
    if header.get("parameters") == "none" and db.param_names(sql):
        problems.append("'-- parameters: none' but the query has parameters")
    return problems


def metric_sections(markdown: str) -> dict[str, str]:
    """`## <id>` heading -> the text of its section."""
    parts = re.split(r"^## +(\S+) *$", markdown, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_there_are_query_files():
    names = {p.relative_to(settings.QUERIES_DIR).as_posix() for p in QUERY_FILES}
    assert {"apps_per_cadre.sql", "burden_rates.sql", "rollups/region_month.sql", "schema/app_events.sql"} <= names


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.relative_to(settings.QUERIES_DIR).as_posix())
def test_query_file_has_header(path: Path):
    assert header_problems(path.read_text(encoding="utf-8")) == []


def test_checker_rejects_a_missing_header():
    assert header_problems("select * from regions where region_code = $region") == [
        "no '-- purpose:' line",
        "no '-- grain:' line",
        "no '-- parameters:' line",
        "$region is used but not listed in '-- parameters:'",
    ]


def test_checker_rejects_an_unlisted_parameter():
    sql = "-- purpose: x\n-- grain: one row\n-- parameters: $region\nselect $region, $to"
    assert header_problems(sql) == ["$to is used but not listed in '-- parameters:'"]


def test_checker_accepts_a_good_header_and_ignores_params_in_comments():
    sql = "-- purpose: x\n-- grain: one row\n-- parameters: $region (code)\nselect $region -- not $other\n"
    assert header_problems(sql) == []


@pytest.mark.parametrize("metric_id", METRIC_IDS)
def test_metric_documented_in_zh_and_en(metric_id: str):
    section = metric_sections(METRICS_DOC.read_text(encoding="utf-8")).get(metric_id)
    assert section is not None, f"docs/metrics.md has no '## {metric_id}' section"
    assert "中文" in section and len(_CJK.findall(section)) >= 20, "no Chinese definition"
    assert "English:" in section and len(re.findall(r"\b[a-z]{3,}\b", section)) >= 20, "no English definition"


def test_metric_sections_parser_finds_only_headings():
    doc = "# title\n## a\n中文 text\n## b\nEnglish: more\n"
    assert metric_sections(doc) == {"a": "\n中文 text\n", "b": "\nEnglish: more\n"}
