"""Writing tables out: ordered COPY statements, so the same data gives the same bytes."""

from __future__ import annotations

import os
from pathlib import Path

from burden.demo.apps import COLUMNS as APP_COLUMNS

_OPTIONS = {
    "parquet": "(format parquet, compression zstd)",
    "csv": "(format csv, header true, dateformat '%Y-%m-%d', timestampformat '%Y-%m-%d %H:%M:%S')",
}


def copy_out(con, query: str, path: Path, fmt: str) -> int:
    """COPY a query (which must end in a total ORDER BY) to path; returns the row count.

    Written under a .part name and renamed when complete, so a file with its final name is whole
    (a resumed province-scale generation skips such files)."""
    part = path.with_name(path.name + ".part")
    part.unlink(missing_ok=True)
    literal = "'" + str(part).replace("'", "''") + "'"
    rows = con.execute(f"copy ({query}) to {literal} {_OPTIONS[fmt]}").fetchall()[0][0]
    os.replace(part, path)
    return rows


def write_dimensions(con, out_dir: Path, fmt: str) -> dict:
    """apps, cadres, app_accounts in fmt; the ledger always as CSV (departments keep it in spreadsheets)."""
    queries = {
        "apps": f"select {', '.join(APP_COLUMNS)} from apps_all order by app_id",
        "cadres": "select cadre_id, region_code, roles, age_band from cadres order by cadre_id",
        "app_accounts": (
            "select cadre_id, app_id, opened_on, closed_on from accounts order by cadre_id, app_id, opened_on"
        ),
    }
    counts = {name: copy_out(con, sql, out_dir / f"{name}.{fmt}", fmt) for name, sql in queries.items()}
    cases = (
        "select case_id, app_id, scope_region_code, finding, action, target_app_id, status, source, identified_on, "
        "due_on, done_on, verified_on, recommendation from cases order by case_id"
    )
    counts["remediation_cases"] = copy_out(con, cases, out_dir / "remediation_cases.csv", "csv")
    return counts
