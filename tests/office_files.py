"""Templates of the line-ending fixtures in tests/data/offices/: one text, written with LF, CRLF and CR endings.

`python -m tests.office_files` writes the files; tests/test_ingest_offices.py checks that the committed files
are these templates, so the three endings cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

OFFICES = Path(__file__).parent / "data" / "offices"
HEADER = "event_id,ts,cadre_id,app_id,action,duration_s,subject_key,fact_type,task_id"


def _good(i: int) -> str:
    return f"{i},2023-02-01 10:{i:02d}:00,C330681104-01,A1,view,10,,,"


# Every kind of damaged line but the unbalanced quote (which swallows the lines after it: a file of its own).
DAMAGED = [
    HEADER,
    _good(1),
    _good(2),
    "3,2023-01-03 09:05:00,C330681120219-01,A2",  # line 4: truncated
    _good(4),
    "5,2023-02-01 10:00:00,C330681104-01,A2,open,30,,",  # line 6: ragged, one field short
    _good(6),
    "7,2023-02-01 10:00:00,C330681104-01,A2,open,30,,,,extra",  # line 8: an extra field
    _good(8),
    _good(9),
    "11,2023-02-01 12:00:00,C330681104-01,A1,vi",  # line 11: the file cut off mid-line (no line end)
]
QUOTE = [
    HEADER,
    _good(1),
    _good(2),
    '3,2023-02-01 10:00:00,C330681104-01,A2,open,30,"湖田村3组,visit,T3',  # line 4: a quote never closed
    _good(4),
    _good(5),
]
ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}
TEMPLATES = {"events_damaged": DAMAGED, "events_unbalanced_quote": QUOTE}


def files() -> dict[str, bytes]:
    """{file name: bytes} of every line-ending fixture."""
    out = {}
    for stem, lines in TEMPLATES.items():
        for name, end in ENDINGS.items():
            out[f"{stem}_{name}.csv"] = end.join(lines).encode("utf-8")  # no line end after the last line
    return out


if __name__ == "__main__":
    for name, data in files().items():
        (OFFICES / name).write_bytes(data)
