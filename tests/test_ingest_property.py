"""Property: for any mix of valid rows, corrupted rows and duplicates, every row read is loaded, quarantined
or skipped as a duplicate; every valid row lands exactly once; a second load of the same file adds nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from burden.ingest.pipeline import load

BAD = Path(__file__).parent / "data" / "bad"
DIMS = [BAD / "dims" / "apps.csv", BAD / "dims" / "cadres.csv"]
EH = "event_id,ts,cadre_id,app_id,action,duration_s,subject_key,fact_type,task_id\n"
CADRES = ["C330681120219-01", "C330681104-01", "0012345"]

# A corrupted row, given a fresh event id: each is quarantined whatever the rest of the file holds.
CORRUPT = {
    "future": lambda i: f"{i},2099-05-01 08:00:00,{CADRES[0]},A1,view,5,,,",
    "old": lambda i: f"{i},2014-05-01 08:00:00,{CADRES[0]},A1,view,5,,,",
    "bad_ts": lambda i: f"{i},yesterday,{CADRES[0]},A1,view,5,,,",
    "unknown_cadre": lambda i: f"{i},2023-05-01 08:00:00,C999-01,A1,view,5,,,",
    "unknown_app": lambda i: f"{i},2023-05-01 08:00:00,{CADRES[0]},A9,view,5,,,",
    "negative": lambda i: f"{i},2023-05-01 08:00:00,{CADRES[0]},A1,view,-5,,,",
    "enum": lambda i: f"{i},2023-05-01 08:00:00,{CADRES[0]},A1,like,5,,,",
    "subject": lambda i: f"{i},2023-05-01 08:00:00,{CADRES[0]},A1,submit,5,,visit,T",
    "sci_id": lambda i: "2.74878E+11,2023-05-01 08:00:00,C330681104-01,A1,view,5,,,",
    "truncated": lambda i: f"{i},2023-05-01 08:00:00,{CADRES[0]}",
    "too_many": lambda i: f"{i},2023-05-01 08:00:00,{CADRES[0]},A1,view,5,,,,x",
    "empty": lambda i: ",,,,,,,,",
}

valid_row = st.builds(
    lambda month, day, minute, cadre, app, action, subject, fullwidth: (
        month,
        day,
        minute,
        cadre,
        app,
        action,
        subject,
        fullwidth,
    ),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 1439),
    st.sampled_from(CADRES + ["12345"]),  # 12345: leading zeros lost, repaired to 0012345
    st.sampled_from(["A1", "A2"]),
    st.sampled_from(["open", "submit", "photo", "checkin", "view", " View "]),
    st.sampled_from(["", "湖田村3组", "河段07"]),
    st.booleans(),
)
entry = st.one_of(
    st.tuples(st.just("valid"), valid_row),
    st.tuples(st.just("corrupt"), st.sampled_from(sorted(CORRUPT))),
    st.tuples(st.just("dup"), st.integers(0, 10_000)),
)

_FW = str.maketrans("0123456789-:", "０１２３４５６７８９－：")


def _valid(i: int, spec) -> str:
    month, day, minute, cadre, app, action, subject, fullwidth = spec
    ts = f"2023-{month:02d}-{day:02d} {minute // 60:02d}:{minute % 60:02d}:00"
    if fullwidth:
        ts = ts.translate(_FW)
    fact = "visit" if subject else "report"
    return f"{i},{ts},{cadre},{app},{action},{minute},{subject},{fact},T{i}"


@pytest.fixture(scope="module")
def with_dims(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("dims") / "dims.duckdb"
    assert load(DIMS, db, progress=lambda _: None).ok
    return db


@settings(max_examples=15, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(entry, min_size=1, max_size=40))
def test_every_row_is_accounted_for(with_dims, entries):
    lines, valid_ids, n_corrupt, n_dup = [], [], 0, 0
    for no, (what, arg) in enumerate(entries):
        if what == "valid":
            lines.append(_valid(1000 + no, arg))
            valid_ids.append(1000 + no)
        elif what == "corrupt":
            lines.append(CORRUPT[arg](1000 + no))
            n_corrupt += 1
        elif valid_ids:  # a repeat of an earlier valid row (same event_id)
            lines.append(
                lines[
                    [i for i, line in enumerate(lines) if line.split(",")[0] in map(str, valid_ids)][
                        arg % len(valid_ids)
                    ]
                ]
            )
            n_dup += 1
    if not lines:
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "b.duckdb"
        shutil.copyfile(with_dims, db)
        path = Path(tmp) / "events.csv"
        path.write_text(EH + "\n".join(lines) + "\n", encoding="utf-8")

        report = load([path], db, progress=lambda _: None)
        assert report.ok, report.messages
        fr = report.files[-1]
        assert fr.rows_read == len(lines)
        assert fr.rows_loaded + fr.rows_rejected + fr.rows_duplicate == fr.rows_read
        assert (fr.rows_loaded, fr.rows_rejected, fr.rows_duplicate) == (len(valid_ids), n_corrupt, n_dup)
        with duckdb.connect(str(db), read_only=True) as con:
            stored = [r[0] for r in con.execute("select event_id from app_events order by event_id").fetchall()]
            assert stored == sorted(valid_ids)  # none lost, none doubled
            assert con.execute("select count(*) from quarantine").fetchone()[0] == n_corrupt

        again = load([path], db, progress=lambda _: None).files[-1]
        assert (again.rows_loaded, again.rows_duplicate) == (0, len(valid_ids) + n_dup)
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("select count(*) from app_events").fetchone()[0] == len(valid_ids)
