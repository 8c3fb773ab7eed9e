"""Roles and scopes (burden/access.py), and the frame showing only the intersection of a link and a scope.

The frame tests run the whole app in AppTest signed in (st.user seeded, as in test_auth_gate.py) as the
诸暨 county inspector of data/access.toml, and compare what is drawn with the URL it was given.
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from burden import access, filters, settings
from tests.test_auth_gate import AUTH

ZHUJI_USER = {"is_logged_in": True, "email": "zhuji.inspector@example.gov.cn", "sub": "x"}
SHAOXING_USER = {"is_logged_in": True, "sub": "demo-shaoxing-inspector"}


# --- Scope ------------------------------------------------------------------------------------------------------


def test_allows_by_prefix_and_only_well_formed_codes():
    zhuji = access.Scope("inspector", "330681")
    assert zhuji.allows("330681") and zhuji.allows("330681120") and zhuji.allows("330681120219")
    for code in ("33", "3306", "330682", "330481", "3306810", "330681 ", "３３０６８１", "", None, 330681):
        assert not zhuji.allows(code), code
    assert access.local_scope().allows("330481001") and not access.local_scope().allows("990000")


def test_deny_sees_nothing_and_may_do_nothing():
    assert access.DENY.region is None and not access.DENY.allows("33")
    assert not (access.DENY.cadre_rows or access.DENY.can_import or access.DENY.local)


@pytest.mark.parametrize(
    ("role", "cadre_rows", "can_import"),
    [("leader", False, False), ("inspector", True, False), ("staff", False, True), ("admin", True, True)],
)
def test_capabilities_per_role(role, cadre_rows, can_import):
    scope = access.Scope(role, "33")
    assert (scope.cadre_rows, scope.can_import, scope.local) == (cadre_rows, can_import, False)
    local = access.local_scope()
    assert (local.role, local.region, local.who, local.cadre_rows, local.can_import) == ("local", "33", "local", 1, 1)


def test_current_is_deny_until_set_and_using_restores(local_scope):
    seen = {}
    worker = threading.Thread(target=lambda: seen.setdefault("scope", access.current()))
    worker.start()
    worker.join()
    assert seen["scope"] == access.DENY  # a fresh thread (context) starts from deny, never allow
    assert access.current() == local_scope  # the conftest default for tests
    zhuji = access.Scope("inspector", "330681")
    with access.using(zhuji):
        assert access.current() == zhuji
    assert access.current() == local_scope
    with pytest.raises(TypeError):
        access.set_current({"role": "admin", "region": "33"})


# --- data/access.toml ------------------------------------------------------------------------------------------


def test_demo_grants_file():
    grants = {scope.who: (scope.role, scope.region) for scope in access.load_grants(settings.ACCESS_FILE)}
    assert grants == {
        "leader@example.gov.cn": ("leader", "33"),
        "zhuji.inspector@example.gov.cn": ("inspector", "330681"),
        "zhuji.staff@example.gov.cn": ("staff", "330681"),
        "shaoxing.inspector@example.gov.cn": ("inspector", "3306"),
        "staff@example.gov.cn": ("staff", "33"),
        "admin@example.gov.cn": ("admin", "33"),
    }


def test_lookup_by_email_any_case_or_by_subject(monkeypatch):
    monkeypatch.delenv("BURDEN_ACCESS", raising=False)
    assert access.lookup({"email": " ZHUJI.Inspector@Example.gov.cn "}).region == "330681"
    assert access.lookup({"sub": "demo-shaoxing-inspector"}).region == "3306"
    assert access.lookup({"email": "someone@else.org", "sub": "demo-admin"}).role == "admin"
    assert access.lookup({"email": "stranger@example.org", "sub": "nobody"}) is None
    assert access.lookup({}) is None
    assert access.lookup({"sub": "DEMO-ADMIN"}) is None  # subjects match exactly
    # an email the provider marks unverified matches nobody; the same user's subject still does
    assert access.lookup({"email": "zhuji.inspector@example.gov.cn", "email_verified": False}) is None
    assert access.lookup({"email": "zhuji.inspector@example.gov.cn", "email_verified": True}).region == "330681"
    assert (
        access.lookup({"email": "zhuji.inspector@example.gov.cn", "email_verified": False, "sub": "demo-admin"}).role
        == "admin"
    )


@pytest.mark.parametrize(
    ("grant", "message"),
    [
        ('email = "a@b"\nrole = "king"\nregion = "33"', "role 'king' is not one of leader, inspector"),
        ('email = "a@b"\nrole = "inspector"\nregion = "33068"', "must be a quoted code"),
        ('email = "a@b"\nrole = "inspector"\nregion = 330681', "must be a quoted code"),
        ('email = "a@b"\nrole = "inspector"\nregion = "330681120"', "must be a quoted code"),
        ('email = "a@b"\nrole = "inspector"\nregion = "33"', "one city (4 digits) or county (6)"),
        ('email = "a@b"\nrole = "leader"\nregion = "3306"', "a leader's region is the province"),
        ('role = "leader"\nregion = "33"', "needs an email or a sub"),
        ('email = "a@b"\nrole = "admin"\nscope = "33"', "unknown field(s) ['scope']"),
    ],
)
def test_bad_grants_are_refused_with_the_grant_number(tmp_path, grant, message):
    path = tmp_path / "access.toml"
    path.write_text(f'[[grant]]\nemail = "ok@b"\nrole = "leader"\nregion = "33"\n\n[[grant]]\n{grant}\n')
    with pytest.raises(access.AccessFileError) as error:
        access.load_grants(path)
    assert "grant #2" in str(error.value) and message in str(error.value)


def test_missing_or_broken_file_fails_closed(tmp_path, monkeypatch):
    monkeypatch.setenv("BURDEN_ACCESS", str(tmp_path / "none.toml"))
    with pytest.raises(access.AccessFileError, match="no such access file"):
        access.lookup({"email": "leader@example.gov.cn"})
    (tmp_path / "bad.toml").write_text("[[grant]\n")
    monkeypatch.setenv("BURDEN_ACCESS", str(tmp_path / "bad.toml"))
    with pytest.raises(access.AccessFileError, match="not valid TOML"):
        access.lookup({"email": "leader@example.gov.cn"})


# --- the frame: a link shows only its intersection with the scope ------------------------------------------------


@pytest.fixture
def signed_in(small_db, use_db):
    use_db(small_db)

    def _open(user: dict, params: dict, page: str = "app_pages/overview.py") -> AppTest:
        at = AppTest.from_file("../dashboard.py", default_timeout=120)
        at.secrets = {"auth": AUTH}
        at.user = user
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


@pytest.mark.parametrize("region", ["330481", "33", "3306", "330482001", "331124001001"])
def test_foreign_or_wider_region_falls_back_to_the_scope_root(signed_in, region):
    at = signed_in(ZHUJI_USER, {"region": region, "lang": "en"})
    assert at.title[0].value.startswith("Overview · Zhuji")
    assert "This link goes beyond what you may see; showing Zhuji." in warnings(at)
    assert at.selectbox(key="f_region").value == "330681"
    assert at.selectbox(key="f_region").options == ["Zhuji · 330681"]  # no option outside the scope
    assert dict(at.query_params) == {"lang": "en"}  # the root is the default: the URL no longer names the region


def test_region_inside_the_scope_is_kept_and_the_root_is_the_default(signed_in, monkeypatch):
    monkeypatch.delenv("BURDEN_PSEUDONYM_KEY", raising=False)
    at = signed_in(ZHUJI_USER, {"region": "330681120", "lang": "en"}, page="app_pages/regions.py")
    assert not warnings(at)
    assert at.title[0].value == "Regions · 陈宅镇"
    assert [b.label for b in at.button if b.key and b.key.startswith("crumb_")] == ["Zhuji"]  # no province crumb
    # signed in without a pseudonym key: no cadre rows, and the page says why (never a traceback)
    assert any("pseudonym_key" in e.value for e in at.error)
    assert not any("Cadre (pseudonym)" in list(df.value.columns) for df in at.dataframe)
    plain = signed_in(ZHUJI_USER, {})
    assert plain.selectbox(key="f_region").value == "330681" and not warnings(plain)


def test_foreign_comparison_is_dropped_with_a_notice(signed_in):
    at = signed_in(SHAOXING_USER, {"region": "330681", "compare": "3301", "lang": "en"})
    assert "Comparison region “3301” is outside what you may see; no comparison shown." in warnings(at)
    assert at.selectbox(key="f_compare").value is None
    assert dict(at.query_params) == {"region": "330681", "lang": "en"}
    kept = signed_in(SHAOXING_USER, {"region": "330681", "compare": "330602", "lang": "en"})
    assert kept.selectbox(key="f_compare").value == "330602" and not warnings(kept)


def test_malformed_region_names_the_scope_root(signed_in):
    at = signed_in(ZHUJI_USER, {"region": "33' or 1=1 --"})
    assert any("已显示 诸暨市" in text for text in warnings(at)), warnings(at)
    assert at.selectbox(key="f_region").value == "330681"


def test_share_link_carries_filters_only(signed_in):
    at = signed_in(ZHUJI_USER, {"region": "330681120", "from": "2023-01", "lang": "en"})
    link = next(c.value for c in at.get("code") if "region=" in str(c.value))
    query = dict(parse_qsl(urlsplit(link).query))
    # the filters, with the period pinned and the data date (the default end moves as data arrives)
    assert query == {"region": "330681120", "from": "2023-01", "to": "2024-03", "asof": "2024-03-31", "lang": "en"}
    assert set(query) <= set(filters.PARAMS)
    for secret in ("zhuji.inspector", "example.gov.cn", "inspector", AUTH["cookie_secret"], "token", "sub"):
        assert secret not in link
