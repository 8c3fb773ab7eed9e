"""A dry run (the Data page's preview) validates into a scratch database beside the live file: it never copies
the database, leaves nothing behind, and counts exactly what the real load then does, across kinds and files."""

from __future__ import annotations

from pathlib import Path

import duckdb

from burden.ingest import pipeline
from burden.ingest.pipeline import load
from tests.test_ingest_atomic import copy_db, digest, mixed_events_csv, per_file, some_ids


def _copy_out(con, sql: str, path: Path) -> None:
    con.execute(f"copy ({sql}) to '{path}' (header)")


def mixed_load(db: Path, folder: Path) -> Path:
    """Files of three kinds that touch stored rows: a new, a changed and an unchanged app; events that use the new
    app, repeat a stored event and repeat each other across two files; cases new, changed and unchanged."""
    folder.mkdir()
    cadre, app, top = some_ids(db)
    mixed_events_csv(db, folder / "events_a.csv")
    with duckdb.connect(str(db), read_only=True) as con:
        first, second = (a for (a,) in con.execute("select app_id from apps order by app_id limit 2").fetchall())
        _copy_out(
            con,
            f"select * replace ('ZZ-NEW' as app_id) from apps where app_id = '{first}' union all "
            f"select * replace (name_zh || '（新）' as name_zh) from apps where app_id = '{second}' union all "
            f"select * from apps where app_id = '{first}'",
            folder / "apps.csv",
        )
        cases = [c for (c,) in con.execute("select case_id from remediation_cases order by case_id limit 2").fetchall()]
        _copy_out(
            con,
            f"select * replace ('ZZ-CASE' as case_id, 'ZZ-NEW' as app_id) from remediation_cases "
            f"where case_id = '{cases[0]}' union all "
            f"select * replace ('加快整改' as recommendation) from remediation_cases where case_id = '{cases[1]}' "
            f"and recommendation is distinct from '加快整改' union all "
            f"select * from remediation_cases where case_id = '{cases[0]}'",
            folder / "cases.csv",
        )
    header = "event_id,ts,cadre_id,app_id,action,duration_s,subject_key,fact_type,task_id\n"
    (folder / "events_b.csv").write_text(
        header
        + f"{top + 1},2024-03-31 20:00:00,{cadre},{app},submit,60,hh-x,visit,t-x\n"  # also in events_a.csv
        + f"{top + 10},2024-03-31 23:00:00,{cadre},ZZ-NEW,open,30,,,\n"  # the app new in this load
        + f"{top + 10},2024-03-31 23:00:00,{cadre},ZZ-NEW,open,30,,,\n",  # twice
        encoding="utf-8",
    )
    return folder


def test_a_dry_run_copies_nothing_and_counts_as_the_real_load(small_db, tmp_path, monkeypatch):
    db = copy_db(small_db, tmp_path / "burden.duckdb")
    folder = mixed_load(db, tmp_path / "in")
    before = digest(db)

    def no_copy(*_):
        raise AssertionError("a dry run copied the database")

    scratch_sizes = []

    def measured_remove(staging: Path) -> None:
        scratch_sizes.append(staging.stat().st_size)
        remove(staging)

    remove = pipeline.remove_staging
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "copy_to_staging", no_copy)
        patch.setattr(pipeline, "remove_staging", measured_remove)
        dry = load([folder], db, commit=False, progress=lambda _: None)
    assert dry.ok, dry.messages
    with duckdb.connect(str(db), read_only=True) as con:
        logs = sum(Path(p).stat().st_size for (p,) in con.execute("select path from lake_files").fetchall())
    assert scratch_sizes[0] < logs / 10  # the logs were read where they are in the lake, not copied
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["burden.duckdb", "in"]  # the scratch file is gone

    real = load([folder], db, progress=lambda _: None)
    assert real.ok
    assert per_file(dry) == per_file(real)
    bad = {"app_id unknown": 1, "ts not a timestamp": 1, "action not one of open|submit|photo|checkin|view": 1}
    assert per_file(real) == [
        ("apps.csv", "apps", 3, 2, 1, {}, None),  # one duplicate: the unchanged app
        ("cases.csv", "cases", 3, 2, 1, {}, None),
        ("events_a.csv", "events", 7, 3, 1, bad, None),
        ("events_b.csv", "events", 3, 1, 2, {}, None),
    ]
