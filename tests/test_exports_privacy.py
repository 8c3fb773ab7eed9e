"""No cadre-level identifier leaves the app for a leader: not in any table export, not in a briefing.

Every page is run through the whole app in AppTest, signed in (st.user seeded, as in test_auth_gate.py);
ui.table is wrapped to collect the exact frames handed to it (what the CSV/XLSX downloads hold). The
briefing is built from the same view. An inspector outside meeting mode does get the cadre list, with
pseudonyms only.
"""

from __future__ import annotations

import re

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from burden import access, pseudonyms
from burden.filters import ViewState
from burden.views import briefing
from burden.web import ui
from tests.test_auth_gate import AUTH
from tests.test_briefing import _request

CADRE_ID = re.compile(r"C\d{9,12}-\d+")  # village cadres C + 12 digits, town staff C + 9 digits
KEY = "exports-privacy-test-key-0123456789"
LEADER = {"is_logged_in": True, "email": "leader@example.gov.cn", "sub": "x"}
INSPECTOR = {"is_logged_in": True, "email": "zhuji.inspector@example.gov.cn", "sub": "y"}
PAGES = {
    "app_pages/overview.py": {"region": "330681"},
    "app_pages/regions.py": {"region": "330681120219"},
    "app_pages/apps.py": {"region": "330681", "app": None},  # app filled in from the database
    "app_pages/remediation.py": {"region": "330681"},
    "app_pages/duplicates.py": {"region": "330681"},
    "app_pages/photos.py": {"region": "330681"},
    "app_pages/departments.py": {"region": "330681", "line": "political_legal"},
}


@pytest.fixture(scope="module")
def cadre_pseudonyms(small_db) -> set[str]:
    con = duckdb.connect(str(small_db), read_only=True)
    ids = [row[0] for row in con.execute("select cadre_id from cadres").fetchall()]
    app = con.execute(
        "select app_id from app_month_county where county_code = '330681' order by events desc limit 1"
    ).fetchone()[0]
    con.close()
    PAGES["app_pages/apps.py"]["app"] = app
    return {pseudonyms.pseudonym(cadre_id, KEY.encode()) for cadre_id in ids}


@pytest.fixture
def tables(monkeypatch, small_db, use_db):
    """Run a page signed in; returns every frame the page handed to ui.table."""
    use_db(small_db)
    monkeypatch.setenv("BURDEN_PSEUDONYM_KEY", KEY)
    pseudonyms.reset()
    seen: list[pl.DataFrame] = []
    original = ui.table

    def recording(data, *args, **kwargs):
        seen.append(data)
        return original(data, *args, **kwargs)

    monkeypatch.setattr(ui, "table", recording)

    def _run(user: dict, page: str, params: dict) -> list[pl.DataFrame]:
        seen.clear()
        at = AppTest.from_file("../dashboard.py", default_timeout=120)
        at.secrets = {"auth": AUTH}
        at.user = user
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return list(seen)

    yield _run
    pseudonyms.reset()


def leaks(frames: list[pl.DataFrame], names: set[str]) -> list[str]:
    """Cadre ids or pseudonyms in any column name or cell of the frames (as the CSV would write them)."""
    found = []
    for frame in frames:
        text = frame.write_csv()
        found += CADRE_ID.findall(text)
        found += [name for name in names if name in text]
    return found


@pytest.mark.parametrize("meeting", [True, False], ids=["meeting", "normal"])
def test_leader_exports_hold_no_cadre_identifiers(tables, cadre_pseudonyms, meeting):
    counted = 0
    for page, params in PAGES.items():
        url = {**params, **({"mode": "meeting"} if meeting else {})}
        frames = tables(LEADER, page, url)
        counted += len(frames)
        assert leaks(frames, cadre_pseudonyms) == [], page
    assert counted >= 8  # the check covered real tables (ranking, apps, cases, pairs, ...), not nothing


@pytest.mark.parametrize("meeting", [True, False], ids=["meeting", "normal"])
def test_leader_briefing_holds_no_cadre_identifiers(small_db, use_db, cadre_pseudonyms, meeting):
    use_db(small_db)
    leader = access.Scope("leader", "33", "leader@example.gov.cn")
    for region in ("33", "330681", "330681120219"):
        state = ViewState(start="2022-10", end="2024-03", region=region, meeting=meeting)
        with access.using(leader):
            request = _request(small_db, state)
        assert request.scope == leader  # captured when requested; the download runs without the session
        brief = briefing.build(request)
        text = "\n".join(brief.lines())
        assert brief.title and len(brief.lines()) > 8
        assert CADRE_ID.findall(text) == [] and not [n for n in cadre_pseudonyms if n in text]


def test_inspector_sees_the_cadre_list_with_pseudonyms_only(tables, cadre_pseudonyms):
    frames = tables(INSPECTOR, "app_pages/regions.py", {"region": "330681120219", "lang": "en"})
    cadres = [f for f in frames if "Cadre (pseudonym)" in f.columns]
    assert len(cadres) == 1 and cadres[0].height == 8
    assert CADRE_ID.findall(cadres[0].write_csv()) == []
    shown = {label.rsplit(" · ", 1)[-1] for label in cadres[0]["Cadre (pseudonym)"]}
    assert shown <= cadre_pseudonyms and len(shown) == 8
    meeting = tables(INSPECTOR, "app_pages/regions.py", {"region": "330681120219", "mode": "meeting"})
    assert leaks(meeting, cadre_pseudonyms) == []  # and none in meeting mode


def test_briefing_request_made_without_a_scope_cannot_read(small_db, use_db):
    use_db(small_db)
    made = _request(small_db, ViewState(start="2022-10", end="2024-03", region="330681"))
    with pytest.raises(Exception, match="outside the viewer's scope"):
        briefing.build(briefing.BriefingRequest(made.view, made.link, access.DENY))
