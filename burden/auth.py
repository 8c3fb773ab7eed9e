"""Sign-in (Streamlit's st.login over OIDC) and the local single-user mode, decided once per script run.

dashboard.py calls `gate()` before anything else is drawn. It returns the caller's access.Scope or stops
the run after drawing one of these pages, and nothing more (no filter bar, no data, no share box):

- no `[auth]` in secrets.toml: local single-user mode, `access.local_scope()`, labelled on every page by
  `banner()`. It refuses to run when the server listens beyond loopback (fail closed).
- `[auth]` configured, not signed in: the sign-in page (one button per configured provider).
- signed in, identity not in data/access.toml: the denial page, with the identity and a sign-out button.
- secrets or access file unreadable: a configuration error page (details in the server log only).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from burden import access, db, i18n
from burden.i18n import t

log = logging.getLogger(__name__)

# Keys that mark a table under [auth] as a named provider ([auth.<name>]), as Streamlit reads them.
_PROVIDER_KEYS = ("client_id", "server_metadata_url")


class AuthConfigError(RuntimeError):
    """secrets.toml exists but cannot be read, or data/access.toml is malformed."""


def auth_section() -> Mapping | None:
    """The `[auth]` table of st.secrets, or None when sign-in is not configured (local mode).

    A secrets file that exists but does not parse raises instead of falling back to local mode:
    a typo must not turn a deployment into an open dashboard.
    """
    if not st.secrets.load_if_toml_exists():
        broken = [path for path in st.get_option("secrets.files") or [] if Path(path).is_file()]
        if broken:
            raise AuthConfigError(f"secrets file(s) exist but could not be loaded: {broken}")
        return None
    section = st.secrets.get("auth")
    return section if isinstance(section, Mapping) and section else None


def providers(section: Mapping) -> list[str | None]:
    """Providers to offer: None for the unnamed default ([auth] itself), else the [auth.<name>] tables."""
    if any(key in section for key in _PROVIDER_KEYS):
        return [None]
    return [name for name, value in section.items() if isinstance(value, Mapping) and _looks_like_provider(value)]


def _looks_like_provider(value: Mapping) -> bool:
    return any(key in value for key in _PROVIDER_KEYS)


def is_loopback(address: str | None) -> bool:
    """Whether a server.address listens on this machine only (empty/None means every interface)."""
    if not address:
        return False
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def gate() -> access.Scope:
    """The scope of whoever is looking; draws the sign-in, denial or error page and stops when there is none."""
    i18n.set_lang(st.query_params.get("lang", i18n.DEFAULT_LANG))  # the frame has not parsed the URL yet
    try:
        section = auth_section()
        if section is None:
            return _local()
        if not st.user.is_logged_in:
            _signin_page(providers(section))
        scope = access.lookup(st.user)
    except (AuthConfigError, access.AccessFileError) as exc:
        log.error("sign-in configuration: %s", exc)
        st.error(t("auth.config_error"), icon=":material/error:")
        st.stop()
    if scope is None:
        _denied_page(_identity(st.user))
    return scope


def _local() -> access.Scope:
    # AppTest runs the script without a server, so nothing listens; a real server must be on loopback.
    address = st.get_option("server.address")
    if not st.get_option("global.appTest") and not is_loopback(address):
        st.error(t("auth.local_exposed", address=address or "0.0.0.0"), icon=":material/lock_open:")
        st.stop()
    return access.local_scope()


def _identity(user: Mapping) -> str:
    return str(user.get("email") or user.get("sub") or user.get("name") or "?")


def _code(text: str) -> str:
    """Markdown inline code: an identity from the provider is shown literally (no link, no formatting)."""
    return f"`{text.replace('`', '')[:200]}`"


def _signin_page(names: list[str | None]) -> None:
    st.title(t("auth.signin_title"))
    st.write(t("auth.signin_text"))
    for name in names:
        label = t("auth.signin_button") if name is None else t("auth.signin_with", provider=name)
        if st.button(label, key=f"login_{name or 'default'}", type="primary", icon=":material/login:"):
            st.login(name) if name else st.login()
    st.stop()


def _denied_page(who: str) -> None:
    st.title(t("auth.denied_title"))
    st.error(t("auth.denied_text", who=_code(who)), icon=":material/block:")
    if st.button(t("auth.signout"), key="logout_denied", icon=":material/logout:"):
        st.logout()
    st.stop()


def banner(scope: access.Scope) -> None:
    """Local mode: a label at the top of every page (meeting mode too). Signed in: who, role, scope, sign-out."""
    if scope.local:
        st.caption(f":material/computer: {t('auth.local_label')}", help=t("auth.local_help"))
        return
    with st.sidebar:
        st.caption(t("auth.signed_in_as", who=_code(_identity(st.user))))
        st.caption(t("auth.scope_line", role=t(f"auth.role.{scope.role}"), region=_region_label(scope.region)))
        if st.button(t("auth.signout"), key="logout", icon=":material/logout:"):
            st.logout()


def _region_label(code: str | None) -> str:
    try:
        info = db.query("region_info", region=code)
    except db.QueryError:
        return str(code)
    if not info.height:
        return str(code)
    row = info.row(0, named=True)
    return f"{i18n.region_name(row['name_zh'], row['name_en'])} · {code}"
