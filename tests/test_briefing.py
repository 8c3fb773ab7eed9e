"""The one-page briefing: drawn for a region, stamped with the filters and the data's date, no cadre ids."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from burden import db, i18n, metrics, settings, summary
from burden.filters import ViewState
from burden.i18n import fmt_num
from burden.views import briefing
from burden.web import frame

CADRE_ID = re.compile(r"C\d{9,12}-\d+")


def _request(db_path, state: ViewState) -> briefing.BriefingRequest:
    with db.connect(db_path) as con:
        period = db.run(con, "data_period").row(0, named=True)
    default = ViewState(start=period["first_month"].strftime("%Y-%m"), end=period["last_month"].strftime("%Y-%m"))
    baseline = (period["baseline_from"].strftime("%Y-%m"), period["baseline_to"].strftime("%Y-%m"))
    view = frame.View(state, default, [], baseline, period["as_of"].isoformat())
    return briefing.BriefingRequest(
        view, "http://127.0.0.1:8501/?" + "&".join(f"{k}={v}" for k, v in view.url_params().items())
    )


@pytest.fixture(autouse=True)
def _restore_lang():
    yield
    i18n.set_lang(i18n.DEFAULT_LANG)  # build() sets the briefing's language


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_briefing_for_zhuji(small_db, use_db, lang):
    use_db(small_db)
    state = ViewState(start="2023-01", end="2024-03", region="330681", lang=lang)
    request = _request(small_db, state)
    brief = briefing.build(request)
    png = briefing.render(brief, "PNG")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == briefing.SIZE
    assert briefing.render(brief, "PDF").startswith(b"%PDF")

    text = "\n".join(brief.lines())
    assert ("诸暨市" if lang == "zh" else "Zhuji") in brief.title
    expected = summary.summary("330681", "2023-01", "2024-03")
    assert request.view.as_of == expected["period"]["as_of"] and expected["period"]["as_of"] in brief.period
    rows = iter(brief.headline)
    for metric in metrics.on("briefing"):
        row = next(rows)
        assert (row.baseline, row.latest) == (
            metric.text(expected["metrics"][metric.id]["baseline"]),
            metric.text(expected["metrics"][metric.id]["latest"]),
        )
    assert "region=330681&from=2023-01&to=2024-03" in text  # the filters, spelled out
    assert request.link in text  # and the share link
    assert brief.sparks[0].last == fmt_num(expected["metrics"]["apps_held_per_cadre_median"]["latest"])


def test_leader_briefing_has_no_cadre_ids(small_db, use_db):
    use_db(small_db)
    for region in ("33", "330681", "330681120219"):  # province, county, the persona's village
        state = ViewState(start="2022-10", end="2024-03", region=region, meeting=True)
        brief = briefing.build(_request(small_db, state))
        assert not [line for line in brief.lines() if CADRE_ID.search(line)]
    province = briefing.build(_request(small_db, ViewState(start="2022-10", end="2024-03", meeting=True)))
    lagging = [lines for heading, lines in province.alerts if heading.startswith("整治滞后")][0]
    assert len(lagging) == 3 and settings.APPS_TARGET == 5


def test_missing_font_falls_back_for_english_only(monkeypatch, tmp_path):
    monkeypatch.setattr(briefing, "FONT_REGULAR", tmp_path / "none.ttc")
    assert briefing.font_ok("en") and not briefing.font_ok("zh")


def test_english_briefing_renders_without_the_cjk_font(monkeypatch, tmp_path):
    monkeypatch.setattr(briefing, "FONT_REGULAR", tmp_path / "none.ttc")
    monkeypatch.setattr(briefing, "FONT_BOLD", tmp_path / "none-bold.ttc")
    page = briefing.Briefing(
        title="Burden briefing · Zhuji",
        period="Period 2023-01 to 2024-03 · data as of 2024-03-31",
        headline_heading="Headline",
        headline=[briefing.HeadlineRow("Apps held (median)", "13.0", "4.0", "-9.0")],
        trends_heading="Monthly trend",
        sparks=[briefing.Spark("Apps held", [13.0, 8.0, 4.0], "#1f5fa8", "13.0", "4.0", ("2023-01", "2024-03"), 5)],
        alerts_heading="Regions needing attention",
        alerts=[("Lagging counties (0)", ["None"])],
        footer=["Filters: region=330681"],
    )
    assert Image.open(io.BytesIO(briefing.render(page))).size == briefing.SIZE
