"""The Data page's upload folders do not outlive their preview: removed after a commit, a refusal, a preview with
nothing to load, a discarded or abandoned preview (the session ended), and when left by a stopped server."""

from __future__ import annotations

import gc
import os
import tempfile
import time
from pathlib import Path

import pytest

from burden.views import data
from tests.test_ingest_atomic import copy_db, mixed_events_csv
from tests.test_view_data import Upload

HEADER = "event_id,ts,cadre_id,app_id,action,duration_s,subject_key,fact_type,task_id\n"


@pytest.fixture
def db(small_db, tmp_path, monkeypatch) -> Path:
    path = copy_db(small_db, tmp_path / "burden.duckdb")
    monkeypatch.setenv("BURDEN_DB", str(path))
    return path


def _preview(name: str, content: bytes) -> data.Preview:
    preview, problems = data.preview([Upload(name, content)], (name,))
    assert problems == [] and preview is not None
    return preview


def test_a_preview_keeps_its_folder_until_committed_and_the_commit_moves_it(db, tmp_path):
    good = mixed_events_csv(db, tmp_path / "events.csv").read_bytes()
    preview = _preview("events.csv", good)
    assert preview.report.ok and (preview.folder / "events.csv").read_bytes() == good

    done = preview.commit(progress=lambda _: None)

    assert done.ok and data.totals(done).loaded == 3
    assert not preview.folder.exists()
    kept = [p for p in (db.parent / "uploads").iterdir() if p.is_dir()]
    assert [p.name for p in kept[0].iterdir()] == ["events.csv"]  # the record of what was loaded


def test_a_refused_upload_leaves_no_folder(db):
    preview = _preview("events.csv", (HEADER.replace(",action", "") + "1,2024-03-01 08:00:00,c,a,1,,,\n").encode())
    assert not preview.report.ok and "missing column action" in preview.report.messages[0]
    assert not preview.folder.exists()


def test_a_preview_with_nothing_to_load_leaves_no_folder(db, tmp_path):
    stored = mixed_events_csv(db, tmp_path / "events.csv").read_text(encoding="utf-8").splitlines()[4]
    preview = _preview("again.csv", (HEADER + stored + "\n").encode())
    assert preview.report.ok and data.totals(preview.report).duplicates == 1
    assert not preview.folder.exists()


def test_a_discarded_or_abandoned_preview_removes_its_folder(db, tmp_path):
    good = mixed_events_csv(db, tmp_path / "events.csv").read_bytes()
    discarded = _preview("events.csv", good)
    discarded.discard()  # cancel, newer uploads, or the uploader emptied
    assert not discarded.folder.exists()

    abandoned = _preview("events.csv", good)
    folder = abandoned.folder
    assert folder.exists()
    del abandoned  # the session that held it ended: Streamlit drops its state
    gc.collect()
    assert not folder.exists()


def test_folders_left_by_a_stopped_server_are_removed_by_the_next_preview(db, tmp_path):
    old = Path(tempfile.mkdtemp(prefix="burden-upload-"))
    recent = Path(tempfile.mkdtemp(prefix="burden-upload-"))
    day_ago = time.time() - data.STALE_UPLOAD_S - 60
    os.utime(old, (day_ago, day_ago))
    try:
        preview = _preview("events.csv", mixed_events_csv(db, tmp_path / "events.csv").read_bytes())
        assert not old.exists() and recent.exists()  # a recent one may belong to another session's preview
        preview.discard()
    finally:
        for folder in (old, recent):
            if folder.exists():
                os.rmdir(folder)


def test_excel_unicode_text_passes_the_upload_check_and_loads(db, tmp_path):
    # UTF-16 is full of NUL bytes: the upload check must not take it for a binary file.
    events = mixed_events_csv(db, tmp_path / "events.csv").read_text(encoding="utf-8").replace(",", "\t")
    preview = _preview("events.csv", events.encode("utf-16"))
    assert preview.report.ok and data.totals(preview.report).loaded == 3
    assert preview.report.files[0].warnings == ["UTF-16, read as UTF-8", "tab-separated"]
    preview.discard()
