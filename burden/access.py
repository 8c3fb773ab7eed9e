"""Who may see what: roles, region scopes and the grants file (SPEC "Access").

A Scope is decided once per script run (dashboard.py: auth.gate() -> set_current) and read by the
query layer (burden/db.py binds `$scope` and refuses regions outside it). Nothing set means DENY:
the fall-back is deny-all, never allow-all.

data/access.toml (path: settings.ACCESS_FILE, env BURDEN_ACCESS) maps identities to grants:

    [[grant]]
    email = "zhuji.inspector@example.gov.cn"   # or sub = "<OIDC subject>"; either matches
    role = "inspector"                         # leader | inspector | staff | admin
    region = "330681"                          # '33' province, 4-digit city or 6-digit county
"""

from __future__ import annotations

import contextvars
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from burden import settings

ROLES = ("leader", "inspector", "staff", "admin")
_SESSION_KEY = "_access_scope"  # st.session_state key while a Streamlit script runs
_ROOT_CODE = re.compile(r"33(?:[0-9]{2}|[0-9]{4})?")  # a scope root: province, city or county
_CODE = re.compile(r"[0-9]{2}(?:[0-9]{2}|[0-9]{4}|[0-9]{7}|[0-9]{10})?")  # any level, ASCII digits, matched in full


class AccessFileError(ValueError):
    """data/access.toml is malformed: the message names the grant and the field."""


@dataclass(frozen=True)
class Scope:
    role: str  # one of ROLES, or "local" (local single-user mode, sees everything)
    region: str | None  # root region code ('33', 4-digit city, 6-digit county); None = sees nothing
    who: str = ""  # identity it was granted to (email or OIDC subject), "local" in local mode

    def allows(self, code: str | None) -> bool:
        """Whether `code` is a well-formed region code inside the scope root (codes nest by prefix)."""
        if self.region is None or not isinstance(code, str) or not _CODE.fullmatch(code):
            return False
        return code.startswith(self.region)

    @property
    def cadre_rows(self) -> bool:
        """May see (pseudonymous) cadre-level rows."""
        return self.region is not None and self.role in ("inspector", "admin", "local")

    @property
    def can_import(self) -> bool:
        """May use the Data page (loads, quarantine, load sources)."""
        return self.region is not None and self.role in ("staff", "admin", "local")

    @property
    def local(self) -> bool:
        return self.role == "local"


DENY = Scope(role="none", region=None)


def local_scope() -> Scope:
    return Scope(role="local", region=settings.PROVINCE_CODE, who="local")


# ---- the grants file ------------------------------------------------------------------------


def access_file() -> Path:
    return Path(os.environ.get("BURDEN_ACCESS", settings.ACCESS_FILE))


def load_grants(path: Path | None = None) -> list[Scope]:
    """Every grant in the file, validated; raises AccessFileError with the grant's number on bad input."""
    return [scope for _, scope in _read(Path(path or access_file()))]


def _read(path: Path) -> list[tuple[dict, Scope]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AccessFileError(f"{path}: no such access file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AccessFileError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise AccessFileError(f"{path}: not valid TOML: {exc}") from None
    extra = set(data) - {"grant"}
    if extra:
        raise AccessFileError(f"{path}: unknown top-level key(s) {sorted(extra)}; only [[grant]] tables are allowed")
    grants = data.get("grant", [])
    if not isinstance(grants, list):
        raise AccessFileError(f"{path}: 'grant' must be an array of tables: [[grant]]")
    return [(grant, _grant(path, number, grant)) for number, grant in enumerate(grants, start=1)]


def _grant(path: Path, number: int, grant: object) -> Scope:
    where = f"{path}: grant #{number}"
    if not isinstance(grant, dict):
        raise AccessFileError(f"{where}: must be a table")
    unknown = set(grant) - {"email", "sub", "role", "region", "note"}
    if unknown:
        raise AccessFileError(f"{where}: unknown field(s) {sorted(unknown)}")
    who = [str(grant[key]).strip() for key in ("email", "sub") if grant.get(key)]
    if not who:
        raise AccessFileError(f"{where}: needs an email or a sub")
    role = grant.get("role")
    if role not in ROLES:
        raise AccessFileError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    region = grant.get("region", settings.PROVINCE_CODE if role in ("staff", "admin") else None)
    if not isinstance(region, str) or not _ROOT_CODE.fullmatch(region):
        raise AccessFileError(
            f"{where}: region {region!r} must be a quoted code: '33' (province), 4 digits (city) or 6 (county)"
        )
    if role == "leader" and region != settings.PROVINCE_CODE:
        raise AccessFileError(f"{where}: a leader's region is the province '33', not {region!r}")
    if role == "inspector" and len(region) not in (4, 6):
        raise AccessFileError(f"{where}: an inspector's region is one city (4 digits) or county (6), not {region!r}")
    return Scope(role=role, region=region, who=grant.get("email") or grant.get("sub"))


def _identities(path: Path) -> Iterator[tuple[str, str, Scope]]:
    for grant, scope in _read(path):
        if grant.get("email"):
            yield "email", str(grant["email"]).strip().lower(), scope
        if grant.get("sub"):
            yield "sub", str(grant["sub"]).strip(), scope


def lookup(user: Mapping[str, object]) -> Scope | None:
    """The grant for a signed-in identity (st.user-like mapping), matched by email (any case) or subject.

    None: unknown identity (the caller shows the denial page). A malformed file raises AccessFileError.
    """
    # An email the provider says it has not verified names nobody: match such a user by subject only.
    verified = user.get("email_verified") is not False
    email = str(user.get("email") or "").strip().lower() if verified else ""
    sub = str(user.get("sub") or "").strip()
    for kind, value, scope in _identities(access_file()):
        if (kind == "email" and email and value == email) or (kind == "sub" and sub and value == sub):
            return scope
    return None


# ---- the scope of this script run ------------------------------------------------------------

_fallback: contextvars.ContextVar[Scope] = contextvars.ContextVar("burden_scope", default=DENY)


def _session_state():
    """st.session_state when a Streamlit script (or fragment) is running in this thread, else None."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    except ImportError:  # pragma: no cover - other Streamlit layouts
        return None
    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else ctx.session_state


def set_current(scope: Scope) -> None:
    """The scope for this script run (and its fragment reruns, which do not rerun dashboard.py)."""
    if not isinstance(scope, Scope):
        raise TypeError(f"set_current needs a Scope, not {type(scope).__name__}")
    state = _session_state()
    if state is not None:
        state[_SESSION_KEY] = scope
    else:
        _fallback.set(scope)


def current() -> Scope:
    """The scope set for this session (Streamlit) or context (CLI, tests); DENY when nothing was set."""
    state = _session_state()
    if state is not None:
        scope = state[_SESSION_KEY] if _SESSION_KEY in state else None  # noqa: SIM401 (SafeSessionState has no .get)
        return scope if isinstance(scope, Scope) else DENY
    return _fallback.get()


@contextmanager
def using(scope: Scope) -> Iterator[Scope]:
    """Run a block under a scope outside Streamlit (CLI, tests, bench), restoring the previous one."""
    token = _fallback.set(scope)
    try:
        yield scope
    finally:
        _fallback.reset(token)
