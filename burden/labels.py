"""Display labels, one copy of each rule: a region's or an app's name in the current language, a name with its
code for pickers, and an app's short name for chart axes and titles. No Streamlit and no queries here: views,
the web layer and charts all label through these.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from burden import i18n

# Short app names fit a phone's chart axis: Chinese characters are about twice as wide as Latin ones.
AXIS_ZH_CHARS = 8
AXIS_EN_CHARS = 22


def with_region_label(
    frame: pl.DataFrame, column: str = "label", zh: str = "name_zh", en: str = "name_en"
) -> pl.DataFrame:
    """The frame with `column`: each row's region name in the current language (English where known)."""
    names = [i18n.region_name(name_zh or "", name_en) for name_zh, name_en in zip(frame[zh], frame[en], strict=True)]
    return frame.with_columns(pl.Series(column, names, dtype=pl.String))


def region_columns() -> list[pl.Expr]:
    """The first two columns of every table of regions, as shown and exported: the label, then the code."""
    return [pl.col("label").alias(i18n.t("table.region")), pl.col("region_code").alias(i18n.t("table.code"))]


def with_code(name: str, code: str) -> str:
    """A name with its code, as pickers and the sign-in line show a region or an app: "诸暨市 · 330681"."""
    return f"{name} · {code}"


def app_name(name_zh: str | None, name_en: str | None, app_id: str | None = None) -> str:
    """An app's name for tables, pickers and hovers: English where known (with its gloss in brackets), else the
    Chinese name, else the app id."""
    if i18n.lang() == "en" and name_en:
        return name_en
    return name_zh or app_id or ""


def short_app_name(
    name: str, zh_chars: int = AXIS_ZH_CHARS, en_chars: int = AXIS_EN_CHARS, prefixes: Iterable[str] = ()
) -> str:
    """An app's name for a chart axis or title: without the first of `prefixes` it starts with (the region's own
    name: "萧山区食品安全巡查" in 萧山区 reads "食品安全巡查"), without its gloss in brackets, and cut with "…" to
    at most `zh_chars` characters when it holds Chinese, `en_chars` otherwise."""
    for prefix in prefixes:
        if prefix and name.startswith(prefix) and len(name) > len(prefix) + 1:
            name = name[len(prefix) :].lstrip()
            break
    name = name.split(" (", 1)[0].split("（", 1)[0]
    limit = zh_chars if any("\u4e00" <= char <= "\u9fff" for char in name) else en_chars
    return name if len(name) <= limit else name[: limit - 1] + "…"


def unique(labels: list[str], ids: Iterable[str]) -> list[str]:
    """Short labels made unique for a chart axis: a label shared by several apps gets its app id."""
    return [f"{label} {key}" if labels.count(label) > 1 else label for label, key in zip(labels, ids, strict=True)]
