"""Stable pseudonyms for cadres: a keyed hash (HMAC-SHA256) of the cadre id, never the id itself.

The key lives in secrets: `pseudonym_key` in .streamlit/secrets.toml, or env BURDEN_PSEUDONYM_KEY. In
local single-user mode with neither, a random key is generated once into data/pseudonym.key (mode 0600,
git-ignored), so labels stay stable across restarts. A signed-in deployment without a key refuses to
label cadres rather than fall back to something guessable: ids are short and enumerable (C + village
code + sequence), so an unkeyed hash would be reversed by trying them all.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from burden import access, settings

DIGITS = 6  # hex digits shown: 16.7 million values, collisions within one village are negligible
_MIN_KEY_BYTES = 16
_lock = threading.Lock()
_keys: dict[str, bytes] = {}  # source (and value) -> checked key; a key file is read once per process


class PseudonymKeyError(RuntimeError):
    """No usable key: the message says where to put one."""


def _secret() -> str | None:
    try:
        import streamlit as st

        return str(st.secrets["pseudonym_key"]) if "pseudonym_key" in st.secrets else None
    except Exception:  # noqa: BLE001 - no secrets.toml (or no Streamlit runtime): not configured
        return None


def _checked(raw: str, where: str) -> bytes:
    key = raw.strip().encode("utf-8")
    if len(key) < _MIN_KEY_BYTES:
        raise PseudonymKeyError(f"the pseudonym key in {where} is too short (at least {_MIN_KEY_BYTES} characters)")
    return key


def _local_key(path: Path) -> bytes:
    """Read data/pseudonym.key, creating it (0600, exclusive) on first use."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _checked(path.read_text(encoding="utf-8"), str(path))
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secrets.token_hex(32) + "\n")
    return _checked(path.read_text(encoding="utf-8"), str(path))


def key() -> bytes:
    """The pseudonym key: secrets, then the environment, then (local mode only) the generated key file."""
    if (raw := _secret()) is not None:
        return _cached(f"secrets:{raw}", lambda: _checked(raw, "secrets.toml [pseudonym_key]"))
    if raw := os.environ.get("BURDEN_PSEUDONYM_KEY"):
        return _cached(f"env:{raw}", lambda: _checked(raw, "BURDEN_PSEUDONYM_KEY"))
    if access.current().local:
        path = Path(os.environ.get("BURDEN_PSEUDONYM_KEY_FILE", settings.PSEUDONYM_KEY_FILE))
        return _cached(f"file:{path}", lambda: _local_key(path))
    raise PseudonymKeyError(
        "no pseudonym key: set pseudonym_key in .streamlit/secrets.toml or BURDEN_PSEUDONYM_KEY (see docs/access.md)"
    )


def available() -> bool:
    """Whether a key can be had (a malformed one counts as none: cadre rows then stay hidden)."""
    try:
        key()
    except PseudonymKeyError:
        return False
    return True


def _cached(source: str, make) -> bytes:
    with _lock:
        if source not in _keys:
            _keys[source] = make()
        return _keys[source]


def reset() -> None:
    """Forget keys read so far (tests, key rotation)."""
    with _lock:
        _keys.clear()


def pseudonym(cadre_id: str, secret: bytes | None = None) -> str:
    """The cadre's pseudonym: the first DIGITS hex digits of HMAC-SHA256(key, cadre_id), upper case."""
    digest = hmac.new(secret or key(), str(cadre_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:DIGITS].upper()
