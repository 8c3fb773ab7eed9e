"""Cadre pseudonyms: a keyed hash, stable for a key, different across keys, never the id or its number."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat

import pytest

from burden import access, pseudonyms
from burden.views import regions

PERSONA = "C330681120219-07"


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    monkeypatch.delenv("BURDEN_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("BURDEN_PSEUDONYM_KEY_FILE", str(tmp_path / "pseudonym.key"))
    pseudonyms.reset()
    yield
    pseudonyms.reset()


def test_pseudonym_is_the_keyed_hash(monkeypatch):
    monkeypatch.setenv("BURDEN_PSEUDONYM_KEY", "k" * 32)
    expected = hmac.new(b"k" * 32, PERSONA.encode(), hashlib.sha256).hexdigest()[:6].upper()
    assert pseudonyms.pseudonym(PERSONA) == expected
    assert pseudonyms.pseudonym(PERSONA) == expected  # stable
    assert pseudonyms.pseudonym("C330681120219-08") != expected
    monkeypatch.setenv("BURDEN_PSEUDONYM_KEY", "j" * 32)
    assert pseudonyms.pseudonym(PERSONA) != expected  # another key, another pseudonym


def test_no_collisions_among_a_villages_worth_of_ids():
    secret = b"x" * 32
    names = {pseudonyms.pseudonym(f"C330681120219-{n:02d}", secret) for n in range(1, 100)}
    assert len(names) == 99


def test_local_mode_generates_a_private_key_file_once(tmp_path):
    path = tmp_path / "pseudonym.key"
    with access.using(access.local_scope()):
        first = pseudonyms.pseudonym(PERSONA)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        content = path.read_text()
        pseudonyms.reset()
        assert pseudonyms.pseudonym(PERSONA) == first  # read back, not regenerated
    assert path.read_text() == content and len(content.strip()) == 64


def test_signed_in_without_a_key_refuses(tmp_path):
    with access.using(access.Scope("inspector", "330681", "x@example.gov.cn")):
        assert not pseudonyms.available()
        with pytest.raises(pseudonyms.PseudonymKeyError, match="pseudonym_key"):
            pseudonyms.pseudonym(PERSONA)
    assert not (tmp_path / "pseudonym.key").exists()  # only local mode writes a key file


def test_short_key_is_refused(monkeypatch):
    monkeypatch.setenv("BURDEN_PSEUDONYM_KEY", "short")
    with pytest.raises(pseudonyms.PseudonymKeyError, match="too short"):
        pseudonyms.key()


def test_git_ignores_the_key_file():
    from burden import settings

    assert "data/pseudonym.key" in (settings.ROOT / ".gitignore").read_text().splitlines()


def test_view_model_drops_the_raw_id(monkeypatch):
    import polars as pl

    monkeypatch.setenv("BURDEN_PSEUDONYM_KEY", "k" * 32)
    rows = pl.DataFrame(
        {
            "cadre_id": [PERSONA],
            "region_code": ["330681120219"],
            "region_name_zh": ["湖田村委会"],
            "roles": ["村委委员;网格员"],
            "age_band": ["40-49"],
            "apps_held": [5],
            "apps_used": [4],
            "fingertip_hours_per_week": [3.0],
            "duplicate_entry_rate": [0.1],
        }
    )
    shown = regions.cadre_table(regions.pseudonymous(rows))
    assert "cadre_id" not in regions.pseudonymous(rows).columns
    label = shown.row(0)[0]
    assert label == f"湖田村 · 村委委员 · {pseudonyms.pseudonym(PERSONA)}"
    assert PERSONA not in str(shown.rows()) and not label.endswith("07")
