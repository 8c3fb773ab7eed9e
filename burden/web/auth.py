"""Sign-in (Streamlit's st.login over OIDC) and the local single-user mode, decided once per script run.

dashboard.py calls `gate()` before anything else is drawn. It returns the caller's access.Scope or stops
the run after drawing one of these pages, and nothing more (no filter bar, no data, no share box):

- no `[auth]` in secrets.toml: local single-user mode, `access.local_scope()`, labelled on every page by
  `banner()`. It refuses to run when the server listens beyond loopback (fail closed).
- `[auth]` configured, not signed in: the sign-in page (one button per configured provider).
- signed in, identity not in data/access.toml: the denial page, with the identity and a sign-out button.
- secrets or access file unreadable: a configuration error page (details in the server log only).

A shared link survives sign-in: Streamlit's OIDC callback always returns to "/", so the sign-in page
remembers the link it was opened at (page path and query) in a short-lived `burden_next` cookie, and the
first signed-in run reads it back (`safe_next` rebuilds it from known page paths and URL-grammar keys
only), clears it and opens that link. filters.parse and the scope fall-back then judge it as usual.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import streamlit as st

from burden import access, db, filters, i18n, labels, settings
from burden.i18n import t
from burden.web import frame, trail

log = logging.getLogger(__name__)

# Keys that mark a table under [auth] as a named provider ([auth.<name>]), as Streamlit reads them.
_PROVIDER_KEYS = ("client_id", "server_metadata_url")

NEXT_COOKIE = "burden_next"
NEXT_MAX_AGE = 600  # seconds: long enough to sign in, short enough not to surprise a later visit
NEXT_MAX_CHARS = 1024  # a shared link is ~100 characters; a longer cookie is not one of ours
_NEXT_VALUE_CHARS = 64  # per URL parameter; the grammar's longest valid value (an app id) is 40
_NEXT_DONE = "_auth_next_done"  # session_state: this session has handled the cookie
_TARGET_CHARS = re.compile(r"[A-Za-z0-9/_.~%?&=-]*")  # what safe_next can produce: safe inside a JS string
# Cookies followed lately, per identity: one the browser failed to clear is followed once, never in a loop.
_FOLLOWED: dict[tuple[str, str], float] = {}
_FOLLOWED_LOCK = threading.Lock()


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
        if scope is not None:
            ended = session_ended(scope, st.user.get("iat"))
            if ended:
                trail.ended(scope, st.user.get("iat"), ended)
                _signin_page(providers(section), ended=ended)
        _follow_next()
        if scope is not None:
            trail.signed_in(scope, st.user.get("iat") or st.user.get("auth_time") or "")
    except (AuthConfigError, access.AccessFileError) as exc:
        log.error("sign-in configuration: %s", exc)
        st.error(t("auth.config_error"), icon=":material/error:")
        st.stop()
    if scope is None:
        trail.denied(_identity(st.user))
        _denied_page(_identity(st.user))
    return scope


def _local() -> access.Scope:
    # AppTest runs the script without a server, so nothing listens; a real server must be on loopback.
    address = st.get_option("server.address")
    if not st.get_option("global.appTest") and not settings.is_loopback(address):
        st.error(t("auth.local_exposed", address=address or "0.0.0.0"), icon=":material/lock_open:")
        st.stop()
    return access.local_scope()


def _identity(user: Mapping) -> str:
    return str(user.get("email") or user.get("sub") or user.get("name") or "?")


def _code(text: str) -> str:
    """Markdown inline code: an identity from the provider is shown literally (no link, no formatting)."""
    return f"`{text.replace('`', '')[:200]}`"


def session_ended(scope: access.Scope, issued: object, now: float | None = None) -> str | None:
    """ "lifetime" when the sign-in (its identity token's issue time, epoch seconds) is older than
    settings.session_max_hours(), "idle" when it has been idle longer than settings.session_idle_min() (its last request
    in this process, else its last audit record), else None, and this request counts as activity. An ended sign-in
    stays ended: only signing in again (a new token) goes on."""
    now = time.time() if now is None else now
    try:
        since = float(issued)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        since = None
    if since is not None and now - since > settings.session_max_hours() * 3600:
        return "lifetime"
    key = (scope.who, str(issued))
    with _ACTIVE_LOCK:
        last = _ACTIVE.get(key)
        if last is None and since is not None:
            last = trail.last_activity(scope.who, since)
        if last is not None and now - last > settings.session_idle_min() * 60:
            return "idle"
        _ACTIVE[key] = now
    return None


_ACTIVE: dict[tuple[str, str], float] = {}  # (who, sign-in) -> the time of its last request in this process
_ACTIVE_LOCK = threading.Lock()


def _signin_page(names: list[str | None], ended: str | None = None) -> None:
    st.title(t("auth.signin_title"))
    if ended:  # a sign-in past its limits: the same page, and the link it was on is remembered as for any other
        minutes, hours = settings.session_idle_min(), settings.session_max_hours()
        st.warning(t(f"auth.ended_{ended}", minutes=f"{minutes:g}", hours=f"{hours:g}"), icon=":material/timer_off:")
    st.write(t("auth.signin_text"))
    for name in names:
        label = t("auth.signin_button") if name is None else t("auth.signin_with", provider=name)
        if st.button(label, key=f"login_{name or 'default'}", type="primary", icon=":material/login:"):
            st.login(name) if name else st.login()
    st.html(_REMEMBER_SCRIPT, unsafe_allow_javascript=True)
    st.stop()


# The sign-in page remembers where it was opened. No server value is spliced in: the browser's own location
# goes into the cookie, URI-encoded (the cookie syntax has no room for ';' or ','), and safe_next judges it.
_REMEMBER_SCRIPT = f"""<script>
(() => {{
  const next = encodeURIComponent(window.location.pathname + window.location.search);
  const plain = next === "%2F" || next.length > {NEXT_MAX_CHARS};
  document.cookie = "{NEXT_COOKIE}=" + (plain ? "; Max-Age=0" : next + "; Max-Age={NEXT_MAX_AGE}")
    + "; Path=/; SameSite=Lax";
}})();
</script>"""


def safe_next(raw: object, base_path: str = "") -> str | None:
    """The same-origin link a `burden_next` cookie asks for, rebuilt from known parts; None if it is not one.

    The path must be the app's root or one of frame.PAGES' url paths (under server.baseUrlPath), exactly:
    no other origin, no '//host', no scheme, no traversal, no backslash or control character. The query
    keeps only the URL grammar's keys (first value each, at most 64 characters) and is re-encoded; values
    are judged later by filters.parse and the scope fall-back, like any link.
    """
    if not isinstance(raw, str) or not raw or len(raw) > NEXT_MAX_CHARS:
        return None
    link = unquote(raw)
    if not link.startswith("/") or link.startswith("//") or "\\" in link or re.search(r"[\x00-\x20\x7f]", link):
        return None
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or parts.fragment:
        return None
    base = _root(base_path).removesuffix("/")
    if base and not (parts.path == base or parts.path.startswith(base + "/")):
        return None
    page = parts.path[len(base) :].removeprefix("/")
    if page and page not in {url for _, url, _, _ in frame.PAGES}:
        return None
    try:
        given = dict(reversed(parse_qsl(parts.query, max_num_fields=50)))  # the first value of a key wins
    except ValueError:  # more fields than any link of ours has
        return None
    kept = {key: given[key] for key in filters.PARAMS if 0 < len(given.get(key, "")) <= _NEXT_VALUE_CHARS}
    query = urlencode(kept, quote_via=quote)
    return f"{base}/{page}" + (f"?{query}" if query else "")


def _root(base_path: str) -> str:
    """The app's root path under server.baseUrlPath: "/" or "/<base>/"."""
    base = base_path.strip("/")
    return f"/{base}/" if base else "/"


def _next_cookie() -> str | None:
    """The `burden_next` cookie of the request that opened this session (a seam for tests)."""
    return st.context.cookies.get(NEXT_COOKIE)


def _follow_next() -> None:
    """Signed in: open the link the sign-in page remembered, once, and clear it (a later "/" stays "/")."""
    raw = _next_cookie()
    if raw is None or st.session_state.get(_NEXT_DONE):
        return
    st.session_state[_NEXT_DONE] = True  # the cookie is the session's first request's: read it once
    base_path = st.get_option("server.baseUrlPath") or ""
    target = safe_next(raw, base_path)
    if target == _root(base_path):
        target = None  # the root, no parameters: where the callback already is
    if target is not None and not _first_follow(_identity(st.user), raw):
        target = None
    st.html(_open_script(target), unsafe_allow_javascript=True)
    if target is None:
        return
    log.info("sign-in: opening the remembered link %s", target)
    st.caption(t("auth.opening_link"))
    st.stop()


def _first_follow(who: str, raw: str) -> bool:
    """Whether this identity has not followed this cookie in the last NEXT_MAX_AGE seconds (and note it)."""
    now = time.monotonic()
    with _FOLLOWED_LOCK:
        for key in [key for key, when in _FOLLOWED.items() if now - when > NEXT_MAX_AGE]:
            del _FOLLOWED[key]
        if (who, raw) in _FOLLOWED or len(_FOLLOWED) > 10_000:
            return False
        _FOLLOWED[(who, raw)] = now
        return True


def _open_script(target: str | None) -> str:
    """Clear the cookie, then (with a target from safe_next) replace the page by the remembered link."""
    clear = f'document.cookie = "{NEXT_COOKIE}=; Max-Age=0; Path=/; SameSite=Lax";'
    if target is None:
        return f"<script>{clear}</script>"
    if not _TARGET_CHARS.fullmatch(target):  # safe_next re-encodes everything; this is the last guard
        raise ValueError(f"unexpected characters in a sign-in target: {target!r}")
    return f"<script>{clear} window.location.replace({json.dumps(target)});</script>"


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
            trail.record(scope, "sign_out")
            st.logout()


def _region_label(code: str | None) -> str:
    try:
        info = db.query("region_info", region=code)
    except db.QueryError:
        return str(code)
    if not info.height:
        return str(code)
    row = info.row(0, named=True)
    return labels.with_code(i18n.region_name(row["name_zh"], row["name_en"]), code)
