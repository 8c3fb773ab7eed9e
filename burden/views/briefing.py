"""One-page briefing of a region (PNG or PDF), drawn server-side with Pillow.

`build` gathers the text and series into a `Briefing` (all stamped text is in
`Briefing.lines()`, so tests read exactly what is printed); `render` draws it.
Only aggregate figures go in: headline metrics, monthly series and the named
lagging/alerting regions and apps. Never cadre-level rows or identifiers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from PIL import Image, ImageDraw, ImageFont

from burden import access, db, i18n, metrics, settings, summary
from burden.charts.theme import DUPLICATE, HELD, TARGET, month_keys
from burden.i18n import fmt_num, fmt_pct, t
from burden.views import overview, overview_alerts

SIZE = (1240, 1754)  # A4 portrait at 150 dpi
DPI = 150
MARGIN = 80
FONT_REGULAR = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT_BOLD = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
SC_INDEX = 2  # the Simplified Chinese face in the Noto CJK collection
MAX_ALERTS = 5  # per kind, so the page never overflows
INK, MUTED, RULE = "#1d2733", "#5b6673", "#d5dbe1"


@dataclass(frozen=True)
class BriefingRequest:
    view: object  # frame.View: state, default, baseline, as_of
    link: str  # the share link of the view
    # The viewer's scope, captured when the page makes the request: the download runs later, in a server
    # thread without the session, where access.current() would (rightly) be DENY.
    scope: access.Scope = field(default_factory=access.current)


@dataclass(frozen=True)
class HeadlineRow:
    label: str
    baseline: str
    latest: str
    delta: str


@dataclass(frozen=True)
class Spark:
    label: str
    values: list[float | None]
    colour: str
    first: str
    last: str
    months: tuple[str, str]
    target: float | None = None  # drawn as a dashed red line


@dataclass(frozen=True)
class Briefing:
    title: str
    period: str
    headline_heading: str
    headline: list[HeadlineRow]
    trends_heading: str
    sparks: list[Spark]
    alerts_heading: str
    alerts: list[tuple[str, list[str]]]  # (kind heading, lines)
    footer: list[str]

    def lines(self) -> list[str]:
        """Every line of text on the page, in reading order."""
        out = [self.title, self.period, self.headline_heading]
        out += [f"{r.label}  {r.baseline} → {r.latest}  {r.delta}" for r in self.headline]
        out.append(self.trends_heading)
        out += [f"{s.label}  {s.months[0]} {s.first} → {s.months[1]} {s.last}" for s in self.sparks]
        out.append(self.alerts_heading)
        for heading, lines in self.alerts:
            out += [heading, *lines]
        return out + self.footer


def font_ok(lang: str) -> bool:
    """English draws with Pillow's built-in font if need be; Chinese needs the CJK font."""
    return lang == "en" or FONT_REGULAR.is_file()


def file_name(state, ext: str) -> str:
    return f"briefing_{state.region}_{state.start}_{state.end}.{ext}"


def build(request: BriefingRequest) -> Briefing:
    # A download callable runs outside the page's run (and its database version): read one version here.
    with access.using(request.scope), db.one_version():
        return _build(request)


def _build(request: BriefingRequest) -> Briefing:
    view = request.view
    state = view.state
    i18n.set_lang(state.lang)  # a download callable may run outside the page's run: set the language here
    region = db.query("region_info", region=state.region).row(0, named=True)
    values = summary.summary(state.region, state.start, state.end, run=db.query)["metrics"]
    rows = []
    for m in metrics.on("briefing"):
        baseline, latest = values[m.id]["baseline"], values[m.id]["latest"]
        rows.append(HeadlineRow(m.name(), m.text(baseline), m.text(latest), m.delta(baseline, latest) or ""))
    trend = overview.trend(state.query_params())
    months = month_keys(trend)
    ends = (months[0], months[-1]) if months else ("", "")
    held, rate = trend["held_median"].to_list(), trend["duplicate_entry_rate"].to_list()
    sparks = [
        Spark(
            t("briefing.spark_apps"),
            held,
            HELD,
            fmt_num(_first(held)),
            fmt_num(_first(held[::-1])),
            ends,
            settings.APPS_TARGET,
        ),
        Spark(t("briefing.spark_rate"), rate, DUPLICATE, fmt_pct(_first(rate)), fmt_pct(_first(rate[::-1])), ends),
    ]
    alerts = overview_alerts.alerts(state, view.default)
    groups = []
    for kind in overview_alerts.KINDS:
        items = [f"• {a.label} — {a.detail}" for a in alerts if a.kind == kind]
        shown = items[:MAX_ALERTS] or [t("briefing.none")]
        if len(items) > MAX_ALERTS:
            shown.append(t("briefing.more", count=len(items) - MAX_ALERTS))
        groups.append((f"{t(f'alerts.{kind}')} ({len(items)})", shown))
    heaviest = overview_alerts.heaviest_lines_text(state)
    if heaviest:
        groups.insert(0, (t("briefing.lines"), [heaviest]))
    # every filter spelled out (the link leaves defaults out), so the page says what it shows on its own
    filters = {"region": state.region, "from": state.start, "to": state.end, "lang": state.lang}
    if state.compare:
        filters["compare"] = state.compare
    footer = [
        t("briefing.filters", params=urlencode(filters)),
        t("briefing.link", link=request.link),
        t("briefing.privacy"),
    ]
    return Briefing(
        title=t("briefing.title", region=i18n.region_name(region["name_zh"], region["name_en"])),
        period=t(
            "briefing.period",
            start=state.start,
            end=state.end,
            base_from=view.baseline[0],
            base_to=view.baseline[1],
            as_of=view.as_of,
        ),
        headline_heading=t("briefing.headline", latest=view.month_label(state.end)),
        headline=rows,
        trends_heading=t("briefing.trends"),
        sparks=sparks,
        alerts_heading=t("briefing.alerts"),
        alerts=groups,
        footer=footer,
    )


def _first(values: list) -> float | None:
    return next((v for v in values if v is not None), None)


def _font(size: int, bold: bool = False):
    path = FONT_BOLD if bold and FONT_BOLD.is_file() else FONT_REGULAR
    if path.is_file():
        return ImageFont.truetype(str(path), size, index=SC_INDEX)
    return ImageFont.load_default(size)  # Latin only: font_ok() keeps Chinese briefings from getting here


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Break text to fit the width: at the last space when there is one (Latin), else by character (Chinese, links)."""
    lines, current = [], ""
    for char in text:
        if draw.textlength(current + char, font=font) <= width or not current:
            current += char
            continue
        cut = current.rfind(" ")
        if cut > len(current) // 2 and char != " ":
            lines.append(current[:cut])
            current = current[cut + 1 :] + char
        else:
            lines.append(current)
            current = char.lstrip()
    return [*lines, current] if current else lines


def render(briefing: Briefing, fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(image)
    width = SIZE[0] - 2 * MARGIN
    y = MARGIN
    draw.text((MARGIN, y), briefing.title, font=_font(46, bold=True), fill=INK)
    y += 72
    draw.text((MARGIN, y), briefing.period, font=_font(22), fill=MUTED)
    y += 44
    draw.line((MARGIN, y, SIZE[0] - MARGIN, y), fill=RULE, width=2)
    y = _headline(draw, briefing, y + 24)
    y = _sparks(draw, briefing, y + 16, width)
    y = _alerts(draw, briefing, y + 16, width)
    footer_font = _font(18)
    lines = [part for text in briefing.footer for part in _wrap(draw, text, footer_font, width)]
    y = SIZE[1] - MARGIN - 28 * len(lines)
    draw.line((MARGIN, y - 14, SIZE[0] - MARGIN, y - 14), fill=RULE, width=2)
    for line in lines:
        draw.text((MARGIN, y), line, font=footer_font, fill=MUTED)
        y += 28
    out = io.BytesIO()
    image.save(out, fmt, resolution=DPI) if fmt == "PDF" else image.save(out, fmt, dpi=(DPI, DPI))
    return out.getvalue()


def _headline(draw, briefing: Briefing, y: int) -> int:
    draw.text((MARGIN, y), briefing.headline_heading, font=_font(30, bold=True), fill=INK)
    y += 52
    label_font, value_font = _font(24), _font(26, bold=True)
    for row in briefing.headline:
        draw.text((MARGIN, y), row.label, font=label_font, fill=INK)
        draw.text((MARGIN + 520, y), row.baseline, font=label_font, fill=MUTED)
        draw.text((MARGIN + 680, y), "→", font=label_font, fill=MUTED)
        draw.text((MARGIN + 730, y - 2), row.latest, font=value_font, fill=INK)
        draw.text((MARGIN + 900, y), row.delta, font=label_font, fill=MUTED)
        y += 44
    return y


def _sparks(draw, briefing: Briefing, y: int, width: int) -> int:
    draw.text((MARGIN, y), briefing.trends_heading, font=_font(30, bold=True), fill=INK)
    y += 52
    box_w, box_h, gap = (width - 40) // 2, 170, 40
    small = _font(20)
    for index, spark in enumerate(briefing.sparks):
        x0 = MARGIN + index * (box_w + gap)
        draw.text((x0, y), spark.label, font=_font(22, bold=True), fill=INK)
        bottom = y + 40 + box_h
        values = [v for v in spark.values if v is not None]
        if len(values) >= 2:
            low, high = 0.0, max([*values, spark.target or 0]) * 1.1 or 1.0  # from zero, like the dashboard
            step = box_w / (len(spark.values) - 1)
            points = [
                (x0 + i * step, bottom - (v - low) / (high - low) * box_h)
                for i, v in enumerate(spark.values)
                if v is not None
            ]
            draw.line((x0, bottom, x0 + box_w, bottom), fill=RULE, width=2)
            if spark.target is not None:
                target_y = bottom - (spark.target - low) / (high - low) * box_h
                for dash in range(0, box_w, 24):
                    draw.line((x0 + dash, target_y, x0 + min(dash + 12, box_w), target_y), fill=TARGET, width=2)
                draw.text((x0 + box_w + 6, target_y - 12), str(spark.target), font=small, fill=TARGET)
            draw.line(points, fill=spark.colour, width=5, joint="curve")
            for point in (points[0], points[-1]):
                draw.ellipse((point[0] - 6, point[1] - 6, point[0] + 6, point[1] + 6), fill=spark.colour)
        draw.text((x0, bottom + 10), f"{spark.months[0]}  {spark.first}", font=small, fill=MUTED)
        last = f"{spark.months[1]}  {spark.last}"
        draw.text((x0 + box_w - draw.textlength(last, font=small), bottom + 10), last, font=small, fill=MUTED)
    return y + 40 + box_h + 48


def _alerts(draw, briefing: Briefing, y: int, width: int) -> int:
    draw.text((MARGIN, y), briefing.alerts_heading, font=_font(30, bold=True), fill=INK)
    y += 52
    heading_font, line_font = _font(23, bold=True), _font(20)
    for heading, lines in briefing.alerts:
        draw.text((MARGIN, y), heading, font=heading_font, fill=INK)
        y += 36
        for line in lines:
            for part in _wrap(draw, line, line_font, width - 20):
                draw.text((MARGIN + 20, y), part, font=line_font, fill=INK)
                y += 29
        y += 12
    return y
