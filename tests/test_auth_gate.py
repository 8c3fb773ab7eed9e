"""auth.gate() through the whole app in AppTest: local mode, sign-in page, denial, signed-in identity, bad config.

The real OIDC round trip is tests/test_browser_login.py; here st.user is seeded (AppTest.user).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from streamlit.testing.v1 import AppTest

from burden import settings
from burden.web import auth

AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-of-32-chars",
    "client_id": "burden-dashboard",
    "client_secret": "test-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
LEADER = {"is_logged_in": True, "email": "Leader@Example.gov.cn", "sub": "someone-else", "name": "省领导"}


@pytest.fixture
def app(small_db, use_db):
    use_db(small_db)

    def _run(user: dict | None = None, secrets: dict | None = None, params: dict | None = None) -> AppTest:
        at = AppTest.from_file("../dashboard.py", default_timeout=120)
        if secrets is not None:
            at.secrets = secrets
        if user is not None:
            at.user = user
        for key, value in (params or {}).items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _run


def texts(elements) -> list[str]:
    return [str(element.value) for element in elements]


def test_local_mode_is_labelled_and_offers_every_page(app):
    at = app()
    assert at.main[0].type == "caption"  # first thing on the page, above the title
    assert "本地单用户模式 · 仅本机可访问" in at.main[0].value
    assert at.metric, "local mode shows the dashboard"
    assert "data" in [link.proto.page for link in at.get("page_link")]


def test_local_label_stays_in_meeting_mode_and_in_english(app):
    at = app(params={"lang": "en", "mode": "meeting"})
    assert at.main[0].type == "caption"  # the main area: meeting mode hides the sidebar
    assert at.main[0].value.endswith("Local single-user mode · this computer only")


def test_before_sign_in_only_the_sign_in_page_is_drawn(app):
    at = app(user={"is_logged_in": False}, secrets={"auth": AUTH}, params={"region": "330681", "lang": "en"})
    assert texts(at.title) == ["Sign in to the Burden Dashboard"]
    assert [button.label for button in at.button] == ["Sign in"]
    assert len(at.sidebar) == 0  # no filter bar, no page links, no share box
    assert not at.metric and not at.get("plotly_chart") and not at.get("page_link")
    assert len(at.main) == 4  # title, sentence, button, the script remembering the link: nothing else
    remember = at.main[3].proto.body
    assert "burden_next=" in remember and "Max-Age=600" in remember and "SameSite=Lax" in remember
    assert "330681" not in remember  # the browser's own location is stored, nothing the server splices in


def test_one_button_per_named_provider(app):
    named = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": AUTH["cookie_secret"]}
    named |= {"zjsso": {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}}
    named |= {"backup": {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}}
    at = app(user={"is_logged_in": False}, secrets={"auth": named})
    assert [button.label for button in at.button] == ["通过 zjsso 登录", "通过 backup 登录"]


def test_unknown_identity_gets_the_denial_page_not_empty_charts(app):
    stranger = {"is_logged_in": True, "email": "stranger@example.org", "sub": "demo-stranger"}
    at = app(user=stranger, secrets={"auth": AUTH})
    assert texts(at.title) == ["无访问权限"]
    assert "`stranger@example.org`" in at.error[0].value and "请联系管理员" in at.error[0].value
    assert [button.label for button in at.button] == ["退出登录"]
    assert len(at.sidebar) == 0 and not at.metric and not at.get("plotly_chart")


def test_known_identity_sees_who_role_scope_and_sign_out(app):
    at = app(user=LEADER, secrets={"auth": AUTH}, params={"lang": "en"})
    sidebar = texts(at.sidebar.caption)
    assert "Signed in as `Leader@Example.gov.cn`" in sidebar  # email matched in any case
    assert "Role: Leader · scope: Zhejiang · 33" in sidebar
    assert "Sign out" in [button.label for button in at.sidebar.button]
    assert not any("Local single-user mode" in text for text in texts(at.caption))  # main area and sidebar
    assert at.metric, "a known identity sees the dashboard"
    assert "data" not in [link.proto.page for link in at.get("page_link")]  # leaders do not import


def test_staff_may_open_the_data_page(app):
    at = app(user={"is_logged_in": True, "sub": "demo-staff"}, secrets={"auth": AUTH})
    assert "data" in [link.proto.page for link in at.get("page_link")]


def test_malformed_access_file_fails_closed(app, tmp_path, monkeypatch):
    bad = tmp_path / "access.toml"
    bad.write_text('[[grant]]\nemail = "zhuji.inspector@example.gov.cn"\nrole = "emperor"\nregion = "33"\n')
    monkeypatch.setenv("BURDEN_ACCESS", str(bad))
    at = app(user=LEADER, secrets={"auth": AUTH})
    assert "登录配置有误" in at.error[0].value
    assert "emperor" not in at.error[0].value  # details go to the log, not to the page
    assert not at.metric and len(at.sidebar) == 0


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("", False),
        (None, False),
        ("192.168.1.20", False),
        ("example.org", False),
        ("::", False),
    ],
)
def test_is_loopback(address, loopback):
    assert settings.is_loopback(address) is loopback


@pytest.fixture
def secrets_files(monkeypatch):
    """auth.auth_section() reading the given secrets files, as a server started with --secrets.files would."""
    import streamlit as st
    from streamlit import config
    from streamlit.runtime.secrets import Secrets
    from streamlit.testing.v1.util import patch_config_options

    def _section(*paths):
        monkeypatch.setattr(st, "secrets", Secrets())
        with patch_config_options({"secrets.files": [str(path) for path in paths]}):
            monkeypatch.setattr(st, "get_option", config.get_option)  # st.get_option is bound at import
            return auth.auth_section()

    return _section


def test_no_secrets_file_means_local_mode(secrets_files, tmp_path):
    assert secrets_files(tmp_path / "absent.toml") is None


def test_secrets_without_auth_mean_local_mode(secrets_files, tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('pseudonym_key = "0123456789abcdef0123456789abcdef"\n')
    assert secrets_files(path) is None


def test_auth_section_is_read(secrets_files, tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('[auth]\nclient_id = "burden-dashboard"\nredirect_uri = "http://127.0.0.1:8501/oauth2callback"\n')
    section = secrets_files(path)
    assert section["client_id"] == "burden-dashboard" and auth.providers(section) == [None]


def test_unparsable_secrets_file_fails_closed_not_local(secrets_files, tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('[auth\nclient_id = "burden-dashboard"\n')  # a typo must not open the dashboard
    with pytest.raises(auth.AuthConfigError, match="could not be loaded"):
        secrets_files(path)


# --- a shared link survives sign-in: the remembered link (burden_next cookie) ---

REMEMBERED = "/remediation?region=330681&from=2023-02&to=2023-11&lang=en"


def cookie(link: str) -> str:
    """As the sign-in page's script stores it: encodeURIComponent of the path and query."""
    return quote(link, safe="")


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (REMEMBERED, "/remediation?lang=en&region=330681&from=2023-02&to=2023-11"),  # re-encoded, grammar order
        ("/apps?app=dingtalk_zwd&mode=meeting&compare=3306", "/apps?app=dingtalk_zwd&compare=3306&mode=meeting"),
        ("/?lang=en", "/?lang=en"),
        ("/regions", "/regions"),
        ("/", "/"),
        ("/overview?lang=en&lang=zh", "/overview?lang=en"),  # the first value, as Streamlit reads a link
        ("/regions?region=330681&utm_source=x&next=https://evil.example", "/regions?region=330681"),  # unknown keys
        (
            "/regions?region=%3Cscript%3Ealert(1)%3C/script%3E",
            "/regions?region=%3Cscript%3Ealert%281%29%3C%2Fscript%3E",
        ),
        ("/regions?region=" + "3" * 65, "/regions"),  # a value longer than any valid one
        ("/regions?region=", "/regions"),
    ],
)
def test_safe_next_keeps_pages_and_grammar_keys_only(link, expected):
    assert auth.safe_next(cookie(link)) == expected


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/remediation",
        "http://127.0.0.1:8501/remediation",  # even this origin: only paths are stored
        "//evil.example/remediation",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "remediation?region=330681",  # not absolute
        "/../remediation",
        "/remediation/../../etc/passwd",
        "/%2e%2e/remediation",
        "/app_pages/remediation.py",
        "/nowhere?lang=en",
        "/remediation/",
        "/Remediation",
        "/remediation#frag",
        "/remediation\r\nSet-Cookie: x=1",
        "/remediation?lang=en\x00",
        "/ remediation",
        "/regions?" + "&".join(f"k{i}=1" for i in range(60)),  # more fields than any link of ours
    ],
)
def test_safe_next_drops_hostile_links(link):
    assert auth.safe_next(cookie(link)) is None
    assert auth.safe_next(link) is None  # not URI-encoded either


@pytest.mark.parametrize("raw", [None, "", 42, ["/regions"], cookie("/regions?lang=en&region=" + "3" * 100_000)])
def test_safe_next_drops_non_text_empty_and_100kb(raw):
    assert auth.safe_next(raw) is None


def test_safe_next_under_a_base_path():
    assert auth.safe_next(cookie("/dash/apps?app=a1"), "/dash/") == "/dash/apps?app=a1"
    assert auth.safe_next(cookie("/dash/"), "dash") == "/dash/"
    assert auth.safe_next(cookie("/apps"), "dash") is None  # outside the app
    assert auth.safe_next(cookie("/dashboard/apps"), "dash") is None  # a sibling path sharing the prefix


@pytest.fixture
def remembered(monkeypatch):
    """Seed the session's burden_next cookie (AppTest has no browser request); forget followed cookies."""
    monkeypatch.setattr(auth, "_FOLLOWED", {})

    def _set(raw: str | None) -> None:
        monkeypatch.setattr(auth, "_next_cookie", lambda: raw)

    return _set


def scripts(at) -> list[str]:
    return [element.proto.body for element in at.main if element.type == "html"]


def test_signed_in_with_a_remembered_link_opens_it_once(app, remembered):
    remembered(cookie(REMEMBERED + "&evil=1"))
    at = app(user=LEADER, secrets={"auth": AUTH})
    target = "/remediation?lang=en&region=330681&from=2023-02&to=2023-11"
    assert scripts(at) == [
        '<script>document.cookie = "burden_next=; Max-Age=0; Path=/; SameSite=Lax";'
        f' window.location.replace("{target}");</script>'
    ]
    assert texts(at.caption) == ["已登录，正在打开您收到的链接……"]  # and nothing else: the link is drawn next
    assert not at.metric and len(at.sidebar) == 0

    at.run()  # the same session again (the cookie stays in its first request): handled once
    assert not scripts(at) and at.metric


def test_a_cookie_the_browser_kept_is_not_followed_twice(app, remembered):
    remembered(cookie(REMEMBERED))
    assert "location.replace" in scripts(app(user=LEADER, secrets={"auth": AUTH}))[0]
    again = app(user=LEADER, secrets={"auth": AUTH})  # a new session, same identity and cookie: no loop
    assert scripts(again) == ['<script>document.cookie = "burden_next=; Max-Age=0; Path=/; SameSite=Lax";</script>']
    assert again.metric


@pytest.mark.parametrize("raw", [cookie("//evil.example/x"), cookie("/"), "%E0%A4%A", "x" * 100_000])
def test_a_hostile_or_plain_cookie_is_only_cleared(app, remembered, raw):
    remembered(raw)
    at = app(user=LEADER, secrets={"auth": AUTH})
    assert scripts(at) == ['<script>document.cookie = "burden_next=; Max-Age=0; Path=/; SameSite=Lax";</script>']
    assert at.metric and "已登录，正在打开您收到的链接……" not in texts(at.caption)  # the default view, drawn


def test_no_cookie_no_script(app, remembered):
    remembered(None)
    at = app(user=LEADER, secrets={"auth": AUTH})
    assert not scripts(at) and at.metric
