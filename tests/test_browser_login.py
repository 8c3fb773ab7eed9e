"""Sign-in through a real OIDC provider on loopback (tests/oidc), in Chromium.

Nothing is drawn before sign-in; an unknown identity is denied; a county inspector who opens links for
another county, the province and a town elsewhere sees the scope notice and only 诸暨's figures, equal to
`summary` for 330681 under the inspector's scope. A link opened before signing in is where sign-in lands
(its filters, or their scope fall-back with the notice), once: a later visit to / shows the default view.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from burden import access, db, metrics, summary
from tests.browser_util import launch_chromium, wait_for_app
from tests.oidc import ACCOUNTS, signin_stack

pytestmark = pytest.mark.browser  # Chromium, and Node.js for the OIDC provider

ZHUJI = "330681"
PERIOD = {"from": "2023-01", "to": "2024-03"}
# (URL query, names of the foreign region that must not appear): another county, the province, a town elsewhere
FOREIGN = [
    ({"lang": "en", "region": "330481"}, ("Haining", "海宁")),
    ({"lang": "en", "region": "33"}, ("Zhejiang", "浙江")),
    ({"lang": "zh", "region": "330109001"}, ("城厢街道", "萧山")),
]
NOTICE = {  # burden/locales/access.toml "notice.scope_region" for 诸暨
    "en": "This link goes beyond what you may see; showing Zhuji.",
    "zh": "此链接的范围超出您的权限，已显示 诸暨市。",
}


@pytest.fixture(scope="module")
def stack(small_db, tmp_path_factory):
    with signin_stack(small_db, tmp_path_factory.mktemp("signin")) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # own cookies: signed out
    tab = context.new_page()
    tab.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())  # loopback only
    yield tab
    context.close()


def url(stack, params: dict, path: str = "") -> str:
    return f"{stack.app_url}/{path}?" + "&".join(f"{key}={value}" for key, value in params.items())


def sign_in(page, stack, account: str, link: str | None = None) -> None:
    """The real flow from `link` (default /?lang=en): the app's button, the provider's form, the callback, back."""
    page.goto(link or url(stack, {"lang": "en"}))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('input[name="login"]', timeout=30000)
    assert page.url.startswith(stack.issuer + "/interaction/")
    page.fill('input[name="login"]', ACCOUNTS[account])
    page.fill('input[name="password"]', "any password: test provider")
    page.click('button[type="submit"]')
    page.wait_for_url(f"{stack.app_url}/**", timeout=30000)
    page.wait_for_selector("h1", timeout=60000)


def metric_values(page) -> list[str]:
    return [value.inner_text().strip() for value in page.query_selector_all('[data-testid="stMetricValue"]')]


def expected_values(db_path, region: str, scope: access.Scope) -> list[str]:
    with access.using(scope), db.connect(db_path) as con:
        values = summary.summary(region, PERIOD["from"], PERIOD["to"], con)["metrics"]
    return [m.text(values[m.id]["latest"]) for m in metrics.cards("overview")]


def test_nothing_but_the_sign_in_page_before_sign_in(stack, page):
    page.goto(url(stack, {"lang": "en", "region": ZHUJI, **PERIOD}, path="regions"))  # a deep link, signed out
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Sign in to the Burden Dashboard")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    for element in ("stSidebar", "stMetric", "stPlotlyChart", "stDataFrame", "stExpander", "stPageLink"):
        assert page.query_selector(f'[data-testid="{element}"]') is None, element
    body = page.inner_text("body")
    assert "Zhuji" not in body and "诸暨" not in body


def test_unknown_identity_is_denied_and_can_sign_out(stack, page):
    sign_in(page, stack, "stranger")
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("No access")  # signed in from /?lang=en: the language carried over
    assert "stranger@example.org" in page.inner_text('[data-testid="stAlert"]')
    for element in ("stSidebar", "stMetric", "stPlotlyChart", "stDataFrame"):
        assert page.query_selector(f'[data-testid="{element}"]') is None, element

    page.get_by_role("button", name="Sign out").click()  # through the provider's sign-out page, back to the app
    page.wait_for_url(f"{stack.issuer}/session/end**", timeout=30000)
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{stack.app_url}/**", timeout=30000)
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("登录减负看板")


def test_county_inspector_sees_only_zhuji_whatever_the_link(stack, page, small_db):
    inspector = access.lookup({"email": "zhuji.inspector@example.gov.cn"})
    assert inspector == access.Scope(role="inspector", region=ZHUJI, who="zhuji.inspector@example.gov.cn")
    own = expected_values(small_db, ZHUJI, inspector)
    sign_in(page, stack, "zhuji_inspector")

    for params, names in FOREIGN:
        page.goto(url(stack, {**params, **PERIOD}))
        wait_for_app(page)
        region = params["region"]
        notices = [alert.inner_text() for alert in page.query_selector_all('[data-testid="stAlert"]')]
        assert any(NOTICE[params["lang"]] in text for text in notices), (region, notices)
        assert metric_values(page) == own, region
        foreign = expected_values(small_db, region, access.local_scope())
        assert foreign != own, f"{region}: the foreign figures must differ for this test to mean anything"
        body = page.inner_text("body")
        for name in names:
            assert name not in body, (region, name)
        assert ("Zhuji" if params["lang"] == "en" else "诸暨市") in page.inner_text("h1")
        sidebar = page.inner_text('[data-testid="stSidebar"]')
        assert "zhuji.inspector@example.gov.cn" in sidebar and ZHUJI in sidebar
        assert "本地单用户模式" not in body and "Local single-user mode" not in body  # signed in: not local


TOWN = "330681120"  # a town in 诸暨 (湖田村 330681120219 lies in it): inside the inspector's scope, not its root


def query(page_url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(page_url).query))


def test_a_link_opened_before_sign_in_is_where_sign_in_lands(stack, page):
    link = {"region": TOWN, "from": "2023-02", "to": "2023-11", "lang": "en"}
    sign_in(page, stack, "zhuji_inspector", url(stack, link, path="remediation"))  # the sign-in page is English
    page.wait_for_url(f"{stack.app_url}/remediation?**", timeout=30000)
    wait_for_app(page)
    title = page.inner_text("h1")
    assert title.startswith("Remediation · ") and "Zhuji" not in title, title  # the town, not the scope root
    assert query(page.url) == link  # the frame rewrote the URL from the view it drew: every filter kept
    assert "zhuji.inspector@example.gov.cn" in page.inner_text('[data-testid="stSidebar"]')
    assert not any(cookie["name"] == "burden_next" for cookie in page.context.cookies()), "cleared after use"

    page.goto(f"{stack.app_url}/")  # later, a plain visit: the default view, not the remembered link
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("总览 · 诸暨市")
    assert urlsplit(page.url).path == "/" and "from" not in query(page.url)


def test_a_link_beyond_the_scope_lands_on_its_fall_back(stack, page):
    beyond = {"region": "330481", "from": "2023-02", "lang": "en"}  # 海宁: another county
    sign_in(page, stack, "zhuji_inspector", url(stack, beyond, "regions"))
    page.wait_for_url(f"{stack.app_url}/regions?**", timeout=30000)
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Regions · Zhuji")
    notices = [alert.inner_text() for alert in page.query_selector_all('[data-testid="stAlert"]')]
    assert any(NOTICE["en"] in text for text in notices), notices
    assert query(page.url).get("from") == "2023-02"
    assert "Haining" not in page.inner_text("body")
