"""条线: the functional lines that own the apps (data/lines.toml), and how an owner department's name places an app
in one when a file has no line column. No Streamlit and no queries here: the loader, the views and the charts read
lines through this module.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from burden import i18n, settings

UNKNOWN = "unknown"  # an app whose owner department matches no line, or several


@dataclass(frozen=True)
class Line:
    code: str
    zh: str
    en: str
    depts: tuple[str, ...]  # parts of an owner department's name that place it in this line

    def name(self) -> str:
        """The line's name in the current language."""
        return self.en if i18n.lang() == "en" else self.zh


@cache
def all_lines() -> tuple[Line, ...]:
    """Every line, in the file's order."""
    raw = tomllib.loads(settings.LINES_FILE.read_text(encoding="utf-8"))["line"]
    lines = tuple(Line(r["code"], r["zh"], r["en"], tuple(r["depts"])) for r in raw)
    codes = [line.code for line in lines]
    if len(set(codes)) != len(codes) or UNKNOWN in codes:
        raise ValueError(f"{settings.LINES_FILE}: line codes must be unique and not {UNKNOWN!r}")
    return lines


def codes() -> tuple[str, ...]:
    return tuple(line.code for line in all_lines())


def by_code() -> dict[str, Line]:
    return {line.code: line for line in all_lines()}


def name(code: str | None) -> str:
    """A line's name in the current language; "unknown" (未知) for an app no line claims."""
    line = by_code().get(code or "")
    return line.name() if line else i18n.t("line.unknown")


def zh_names() -> dict[str, str]:
    """{Chinese name: code}: what a file may write in the line column instead of the code."""
    return {line.zh: line.code for line in all_lines()}


def of_dept(owner_dept: str | None) -> str:
    """The line whose parts the owner department's name contains, when exactly one line's do; else UNKNOWN."""
    found = [line.code for line in all_lines() if owner_dept and any(part in owner_dept for part in line.depts)]
    return found[0] if len(found) == 1 else UNKNOWN


def dept_sql(ref: str) -> str:
    """SQL for of_dept over the text column `ref` (the loader fills a missing line with it)."""

    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    matches = [
        (line.code, " or ".join(f"contains({ref}, {literal(part)})" for part in line.depts)) for line in all_lines()
    ]
    count = " + ".join(f"cast({cond} as integer)" for _, cond in matches)
    pick = " ".join(f"when {cond} then {literal(code)}" for code, cond in matches)
    return f"case when coalesce({count}, 0) = 1 then case {pick} end else {literal(UNKNOWN)} end"
