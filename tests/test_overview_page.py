"""AppTest: the Overview opened from a URL shows the same figures as `summary`."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from burden import metrics, summary
from burden.i18n import EN, ZH


def open_overview(params: dict) -> AppTest:
    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(
    ("lang", "region", "start", "end"),
    [("en", "330681", "2023-01", "2023-12"), ("zh", "33", "2022-11", "2024-02"), ("en", "3301", "2023-03", "2023-09")],
)
def test_headline_equals_summary(small_db, use_db, lang, region, start, end):
    use_db(small_db)
    at = open_overview({"lang": lang, "region": region, "from": start, "to": end})
    catalogue = EN if lang == "en" else ZH
    shown = {m.label: m.value for m in at.metric}
    expected = summary.summary(region, start, end)["metrics"]
    cards = metrics.cards("overview")
    assert len(shown) == len(cards) >= 7
    for metric in cards:  # each card shows the summary's latest value, as the registry formats it
        label = catalogue[metric.label].format(target=5)
        assert shown[label] == metric.text(expected[metric.id]["latest"]), metric.id
    # The filter bar shows the link's filters, and the URL keeps them.
    assert at.selectbox(key="f_region").value == region
    assert (at.selectbox(key="f_from").value, at.selectbox(key="f_to").value) == (start, end)
    assert at.radio(key="f_lang").value == lang
    if region == "33":
        assert "region" not in at.query_params  # the default is left out of the URL
    else:
        assert at.query_params["region"] == region


def test_language_switch_translates_the_page(small_db, use_db):
    use_db(small_db)
    at = open_overview({"region": "330681"})
    assert at.title[0].value.startswith("总览 · 诸暨市")
    at.radio(key="f_lang").set_value("en").run()
    assert at.title[0].value.startswith("Overview · Zhuji")
    assert at.query_params["lang"] == "en"
    assert at.query_params["region"] == "330681"


def test_bad_link_falls_back_with_notice(small_db, use_db):
    use_db(small_db)
    at = open_overview({"region": "' or 1=1 --", "from": "2023-99", "lang": "en"})
    warnings = " ".join(w.value for w in at.warning)
    assert "not valid" in warnings and "2023-99" in warnings
    assert at.selectbox(key="f_region").value == "33"
    assert "region" not in at.query_params


def test_overview_link_survives_a_page_switch(small_db, use_db):
    use_db(small_db)
    params = {"lang": "en", "region": "3306", "from": "2023-02", "to": "2023-11", "compare": "3301"}
    at = open_overview(params)
    before = {m.label: m.value for m in at.metric}
    at.switch_page("app_pages/regions.py").run()
    assert not at.exception
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert {k: at.query_params[k] for k in params} == params
    assert {m.label: m.value for m in at.metric} == before
    assert at.selectbox(key="f_compare").value == "3301"
