"""The Overview and the briefing name the three lines (条线) that put the most apps on the region's average grassroots
cadre, and count the rules broken: figures recounted here from line_region_month and the Departments page's rules."""

from __future__ import annotations

import pytest

from burden import access, db, i18n, lines
from burden.filters import ViewState
from burden.i18n import EN
from burden.views import briefing, departments
from tests.apptest_util import open_view
from tests.test_briefing import _request

REGION, END = "3306", "2024-03"
TOP_LINES = """
with sizes as (
    select sum(cadres) as cadres
    from (select distinct cadre_group, cadres from line_region_month where region_code = $region and month = $month)
)
select line, sum(apps_held) * 1.0 / any_value(sizes.cadres) as per_cadre
from line_region_month, sizes
where region_code = $region and month = $month
group by line
order by per_cadre desc, line
limit 3
"""


@pytest.fixture(scope="module")
def expected(small_db):
    with db.connect(small_db) as con:
        top = con.execute(TOP_LINES, {"region": REGION, "month": f"{END}-01"}).fetchall()
    i18n.set_lang("en")
    try:
        parts = [EN["alert.line_part"].format(line=lines.by_code()[c].en, apps=i18n.fmt_num(v)) for c, v in top]
    finally:
        i18n.set_lang(i18n.DEFAULT_LANG)
    return EN["alert.heaviest_lines"].format(month=END, lines=EN["rules.sep"].join(parts))


def test_the_overview_names_the_heaviest_lines_and_counts_the_rules_broken(small_db, expected):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BURDEN_DB", str(small_db))
        at = open_view("app_pages/overview.py", {"lang": "en", "region": REGION, "to": END})
        with access.using(access.local_scope()):
            state = ViewState(start="2022-10", end=END, region=REGION, lang="en")
            data = departments.load(state, ("2022-10", "2022-12"))
            broken = [(rule, found) for rule, found in departments.rule_results(data) if found.height]
    texts = [m.value for m in at.markdown]
    assert expected in texts
    assert f"**{EN['alerts.rules']}** ({len(broken)})" in texts and broken
    shown = {link.label for link in at.get("page_link")}
    i18n.set_lang("en")
    try:
        assert {rule.short() for rule, _ in broken} <= shown
    finally:
        i18n.set_lang(i18n.DEFAULT_LANG)
    details = {c.value for c in at.caption}
    assert {EN["alert.rules_detail"].format(n=found.height, month=END) for _, found in broken} <= details


def test_the_briefing_names_the_heaviest_lines_and_the_rules(small_db, use_db, expected):
    use_db(small_db)
    request = _request(small_db, ViewState(start="2022-10", end=END, region=REGION, lang="en"))
    brief = briefing.build(request)
    try:
        assert brief.alerts[0] == (EN["briefing.lines"], [expected])
        rules_group = [g for g in brief.alerts if g[0].startswith(EN["alerts.rules"])]
        assert len(rules_group) == 1 and rules_group[0][1] != [EN["briefing.none"]]
    finally:
        i18n.set_lang(i18n.DEFAULT_LANG)
