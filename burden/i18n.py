"""User-visible text in zh-CN (default) and English, and locale number formats.

`t("key", **values)` looks a key up in the current language, which the page
frame sets once per run with `set_lang`. A key missing from a catalogue is a
bug: tests check both catalogues have the same keys.
"""

from __future__ import annotations

import contextvars
import math

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
_lang: contextvars.ContextVar[str] = contextvars.ContextVar("lang", default=DEFAULT_LANG)

ZH: dict[str, str] = {
    "app.title": "减负看板",
    "app.subtitle": "指尖上的形式主义整治 · 基于应用日志",
    "app.local_mode": "本地单用户模式（未配置登录）",
    "nav.overview": "总览",
    "filter.header": "筛选",
    "filter.language": "语言",
    "filter.region": "地区",
    "filter.from": "起始月份",
    "filter.to": "截止月份",
    "filter.share": "分享此视图",
    "filter.share_help": "复制此链接：打开即为同一视图（页面、地区、时段、语言）。",
    "notice.bad_region": "地区代码“{value}”无效或不存在，已显示全省。",
    "notice.bad_month": "参数 {name}=“{value}”不是有效月份（YYYY-MM，数据范围内），已使用默认值。",
    "notice.bad_period": "起始月份晚于截止月份，已使用默认时段。",
    "notice.bad_lang": "语言“{value}”不支持，已使用中文。",
    "notice.unknown_params": "已忽略未知参数：{names}。",
    "notice.no_data": "数据库不存在或为空。请先运行 make demo 或 python -m burden load。",
    "level.province": "省",
    "level.city": "市",
    "level.county": "县（市、区）",
    "level.town": "乡镇（街道）",
    "level.village": "村（社区）",
    "overview.title": "总览 · {region}",
    "overview.caption": "时段 {start} 至 {end} · 基线 {base_from} 至 {base_to} · 数据截至 {as_of}",
    "overview.headline": "核心指标：基线 → 最新（{latest}）",
    "overview.trend": "月度趋势",
    "overview.ranking": "下级地区排名（{latest}）",
    "overview.ranking_empty": "该地区没有下级地区数据。",
    "metric.apps_held": "人均在装应用",
    "metric.apps_used": "人均使用应用",
    "metric.share_above": "超{target}个应用的干部",
    "metric.duplicate_rate": "重复填报率",
    "metric.photos_per_task": "每项任务照片数",
    "metric.fingertip_hours": "每周指尖工时",
    "metric.remediation": "整治进度",
    "metric.baseline_value": "基线 {value}",
    "metric.points": "{value} 个百分点",
    "metric.target_value": "目标 ≤ {value}",
    "def.apps_held": "每名干部月末仍开通的应用账号数，取中位数（目标不超过5个）。",
    "def.apps_used": "每名干部当月至少有一次操作的不同应用数，取中位数。",
    "def.share_above": "在装应用数超过目标值的干部所占比例。",
    "def.duplicate_rate": (
        "提交记录中，同一干部在前7天内已在另一个应用就同一对象、同一事项提交过的比例。首次为原始记录，每次重复计一次。"
    ),
    "def.photos_per_task": "照片上传数 ÷ 提交的任务数。",
    "def.fingertip_hours": "每名干部每周在应用内的时长（小时）：操作时长之和 ÷ 干部人周数。",
    "def.remediation": "已完成或已验收的整治事项 ÷ 全部事项（截至当月末）。",
    "chart.apps_trend_title": "人均在装应用 {held_start:.0f} → {held_end:.0f} 个",
    "chart.dup_trend_title": "重复填报率 {rate_start} → {rate_end}",
    "chart.ranking_title": "{worst}人均在装应用最多（{value:.1f} 个）",
    "chart.month": "月份",
    "chart.apps_axis": "人均应用数（个）",
    "chart.apps_mean_axis": "人均在装应用（平均，个）",
    "chart.rate_axis": "重复填报率",
    "chart.held": "在装（中位数）",
    "chart.used": "使用（中位数）",
    "chart.target": "目标",
    "chart.baseline": "基线期",
    "chart.campaign_start": "整治开始",
    "table.region": "地区",
    "table.code": "代码",
    "table.cadres": "干部人月",
    "table.apps_held": "在装应用中位数",
    "table.apps_held_mean": "在装应用平均",
    "table.apps_used": "使用应用中位数",
    "table.share_above": "超目标占比",
    "table.duplicate_rate": "重复填报率",
    "table.fingertip_hours": "周指尖工时",
    "table.remediation": "整治进度",
}

EN: dict[str, str] = {
    "app.title": "Burden Dashboard",
    "app.subtitle": "Fighting 'formalism at the fingertips' · from the apps' own logs",
    "app.local_mode": "Local single-user mode (no sign-in configured)",
    "nav.overview": "Overview",
    "filter.header": "Filters",
    "filter.language": "Language",
    "filter.region": "Region",
    "filter.from": "From month",
    "filter.to": "To month",
    "filter.share": "Share this view",
    "filter.share_help": "Copy this link: it opens the same view (page, region, period, language).",
    "notice.bad_region": "Region code “{value}” is not valid or unknown; showing the whole province.",
    "notice.bad_month": "Parameter {name}=“{value}” is not a valid month (YYYY-MM within the data); using the default.",
    "notice.bad_period": "The start month is after the end month; using the default period.",
    "notice.bad_lang": "Language “{value}” is not supported; using Chinese.",
    "notice.unknown_params": "Ignored unknown parameters: {names}.",
    "notice.no_data": "The database is missing or empty. Run `make demo` or `python -m burden load` first.",
    "level.province": "Province",
    "level.city": "City",
    "level.county": "County",
    "level.town": "Town",
    "level.village": "Village",
    "overview.title": "Overview · {region}",
    "overview.caption": "Period {start} to {end} · baseline {base_from} to {base_to} · data as of {as_of}",
    "overview.headline": "Headline: baseline → latest ({latest})",
    "overview.trend": "Monthly trend",
    "overview.ranking": "Ranking of sub-regions ({latest})",
    "overview.ranking_empty": "No sub-region data for this region.",
    "metric.apps_held": "Apps held (median)",
    "metric.apps_used": "Apps used (median)",
    "metric.share_above": "Cadres above {target} apps",
    "metric.duplicate_rate": "Duplicate-entry rate",
    "metric.photos_per_task": "Photos per task",
    "metric.fingertip_hours": "Fingertip h / week",
    "metric.remediation": "Remediation progress",
    "metric.baseline_value": "Baseline {value}",
    "metric.points": "{value} pp",
    "metric.target_value": "Target ≤ {value}",
    "def.apps_held": "App accounts a cadre still holds at month end; the median over cadres (target: at most 5).",
    "def.apps_used": "Distinct apps a cadre used at least once in the month; the median over cadres.",
    "def.share_above": "Share of cadres holding more apps than the target.",
    "def.duplicate_rate": (
        "Share of submit events that repeat an entry the same cadre made about the same subject and fact type "
        "in a different app within the previous 7 days. The first entry is the original; each repeat counts once."
    ),
    "def.photos_per_task": "Photo uploads divided by submitted tasks.",
    "def.fingertip_hours": "Hours in apps per cadre per week: the sum of in-app time divided by cadre-weeks.",
    "def.remediation": "Cases done or verified over all cases (at month end).",
    "chart.apps_trend_title": "Apps held per cadre: {held_start:.0f} → {held_end:.0f}",
    "chart.dup_trend_title": "Duplicate entry: {rate_start} → {rate_end}",
    "chart.ranking_title": "{worst} carries the most apps ({value:.1f})",
    "chart.month": "Month",
    "chart.apps_axis": "Apps per cadre",
    "chart.apps_mean_axis": "Apps held per cadre (mean)",
    "chart.rate_axis": "Duplicate-entry rate",
    "chart.held": "Held (median)",
    "chart.used": "Used (median)",
    "chart.target": "Target",
    "chart.baseline": "Baseline",
    "chart.campaign_start": "Campaign starts",
    "table.region": "Region",
    "table.code": "Code",
    "table.cadres": "Cadre-months",
    "table.apps_held": "Apps held (median)",
    "table.apps_held_mean": "Apps held (mean)",
    "table.apps_used": "Apps used (median)",
    "table.share_above": "Above target",
    "table.duplicate_rate": "Duplicate entry",
    "table.fingertip_hours": "Fingertip h / week",
    "table.remediation": "Remediation",
}

CATALOGUES = {"zh": ZH, "en": EN}


def set_lang(lang: str) -> None:
    _lang.set(lang if lang in LANGS else DEFAULT_LANG)


def lang() -> str:
    return _lang.get()


def t(key: str, **values) -> str:
    text = CATALOGUES[_lang.get()][key]
    return text.format(**values) if values else text


def region_name(name_zh: str, name_en: str | None) -> str:
    """A region's name in the current language (Chinese where no English name is known)."""
    if _lang.get() == "en" and name_en:
        return name_en
    return name_zh


def fmt_num(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:,.{digits}f}%"
