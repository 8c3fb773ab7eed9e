"""Staged rows into the base tables, set-based in DuckDB: rejected rows to quarantine, logs appended to the lake
without doubling a key (and kept sorted), catalogues, accounts and the ledger upserted by their natural key (the
accounts by rewriting their months in the lake)."""

from __future__ import annotations

import duckdb

from burden.ingest import lake
from burden.ingest.kinds import QUARANTINE_KEYS, Kind, columns
from burden.ingest.stage import _q, stage_table

# Logs are stored sorted by month, then cadre (cadre ids start with the region code), so row-group statistics prune.
SORT_KEY = "date_trunc('month', ts), cadre_id"
SORT_ORDER = f"order by {SORT_KEY}"


def merge(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    file_names: dict[int, str],
    writer: lake.Writer,
    live: str | None = None,
) -> dict[int, dict[str, int]]:
    """Quarantine rejects and move good staged rows into the table (logs: into the lake, by writer); per file:
    loaded, updated, duplicates, and sorted (1: the logs' new rows were not in order and were sorted).

    live: a dry run's attached live database: logs are deduplicated against its lake files as well."""
    stage = stage_table(kind)
    con.execute(
        f"insert into quarantine select current_timestamp, f.name, s._line, '{kind.table}', s._reason, s._raw, "
        f"{_quarantine_keys(kind)} from {stage} s "
        "join (select unnest($files) as no, unnest($names) as name) f on f.no = s._file "
        "where s._reason is not null",
        {"files": list(file_names), "names": list(file_names.values())},
    )
    valid = dict(con.execute(f"select _file, count(*) from {stage} where _reason is null group by all").fetchall())
    if kind.mode == "append":
        loaded, updated, resorted = _append(con, kind, writer, live)
    else:
        (loaded, updated), resorted = _upsert(con, kind, writer), False
    con.execute(f"drop table {stage}")
    return {
        f: {
            "loaded": loaded.get(f, 0),
            "updated": updated.get(f, 0),
            "duplicates": n - loaded.get(f, 0),
            "sorted": int(resorted and f in loaded),
        }
        for f, n in valid.items()
    }


def _quarantine_keys(kind: Kind) -> str:
    """The staged row's ids and time that the quarantine keeps typed (kinds.QUARANTINE_KEYS), null where the kind
    has none."""
    have = {c.name for c in columns(kind.table)}
    picked = []
    for name, sources in QUARANTINE_KEYS:
        found = [f"s.{_q(c)}" for c in sources if c in have]
        value = found[0] if found else "null"
        picked.append(f"cast({value} as timestamp)" if name == "ts" and found else value)
    return ", ".join(picked)


def _key_match(kind: Kind, a: str, b: str) -> str:
    return " and ".join(f"{a}.{_q(k)} = {b}.{_q(k)}" for k in kind.key)


def _append(
    con: duckdb.DuckDBPyConnection, kind: Kind, writer: lake.Writer, live: str | None
) -> tuple[dict[int, int], dict[int, int], bool]:
    """Logs: skip keys the lake already holds in the months the batch falls in, or repeated in the batch; write the
    new rows to the lake as one file per month, sorted by month, then cadre. Returns the rows loaded and updated
    (none: logs are never updated) per file, and whether the rows had to be sorted.

    live: a dry run's live database, whose lake files count as stored as well (the writer then writes to a scratch
    lake, thrown away)."""
    table, stage = kind.table, stage_table(kind)
    names = ", ".join(_q(c.name) for c in columns(table))
    keys = ", ".join(_q(k) for k in kind.key)
    months = [
        m
        for (m,) in con.execute(
            f"select distinct date_trunc('month', ts)::date from {stage} where _reason is null"
        ).fetchall()
    ]
    stored = lake.files(con, table, months) + (lake.files(con, table, months, live) if live else [])
    source = stage
    if stored:
        # The rows not stored yet, found once (one anti-join) and kept for the counts and the write. Only the
        # files of the batch's months are read, and in them only row groups within the batch's key range: ids grow
        # with time, so Parquet's statistics skip the rest.
        con.execute(
            f"create or replace temp table _fresh as select * from {stage} n where n._reason is null and not exists "
            f"(select 1 from read_parquet({lake.paths_sql(stored)}) t where {_key_range(con, kind, stage)} "
            f"{_key_match(kind, 't', 'n')})"
        )
        source = "_fresh"
    where = "n._reason is null"
    total, distinct = con.execute(f"select count(*), count(distinct ({keys})) from {source} n where {where}").fetchone()
    qualify = f"qualify row_number() over (partition by {keys} order by _file, _line) = 1" if distinct < total else ""
    # A batch already in order needs no sort (a sort of 100M rows: a minute, ~14 GB of temp space). Staging keeps a
    # file's row order, so a month file exported sorted is written as it came.
    in_order = not qualify and _sorted(con, f"select ts, cadre_id from {source} n where {where}")
    rows = f"select {names}, _file from {source} n where {where}"
    if in_order:  # written straight from the stage, in its order
        con.execute(f"create or replace temp view _batch as {rows}")
    else:
        con.execute(f"create or replace temp table _batch as {rows} {qualify} {SORT_ORDER}")
    loaded = dict(con.execute("select _file, count(*) from _batch group by all").fetchall())
    if loaded:
        if not live:  # the days the new rows fall on: the rollups rebuild only the months these can change
            con.execute("create temp table if not exists _appended_days (day date)")
            con.execute("insert into _appended_days select distinct cast(ts as date) from _batch")
        writer.write(con, table, "_batch")
    con.execute(f"drop {'view' if in_order else 'table'} _batch")
    con.execute("drop table if exists _fresh")
    return loaded, {}, not in_order


def _key_range(con: duckdb.DuckDBPyConnection, kind: Kind, stage: str) -> str:
    """'t.key between lo and hi and' for a one-column integer key (event_id, photo_id), else ''."""
    if len(kind.key) != 1:
        return ""
    key = _q(kind.key[0])
    lo, hi = con.execute(f"select min({key}), max({key}) from {stage} where _reason is null").fetchone()
    if not isinstance(lo, int) or not isinstance(hi, int):
        return ""
    return f"t.{key} between {lo} and {hi} and"


def _sorted(con: duckdb.DuckDBPyConnection, rows_sql: str) -> bool:
    """Whether rows (in scan order) are already in SORT_KEY order: one streaming pass."""
    return con.execute(
        f"""
        with k as (select ({SORT_KEY}) as k from ({rows_sql})),
        pairs as (select k, lag(k) over () as prev from k)
        select count(*) = 0 from pairs where k < prev
        """
    ).fetchone()[0]


def _upsert(con: duckdb.DuckDBPyConnection, kind: Kind, writer: lake.Writer) -> tuple[dict[int, int], dict[int, int]]:
    """Catalogues, ledger, accounts: the last row for a key wins; identical rows are duplicates. A table in the lake
    (accounts) has the months it changes rewritten by writer; the others are changed in place."""
    table, stage = kind.table, stage_table(kind)
    cols = [_q(c.name) for c in columns(table)]
    names = ", ".join(cols)
    keys = ", ".join(_q(k) for k in kind.key)
    same = " and ".join(f"t.{c} is not distinct from c.{c}" for c in cols)
    con.execute(
        f"""
        create temp table _changed as
        with cand as (
            select * from {stage} where _reason is null
            qualify row_number() over (partition by {keys} order by _file desc, _line desc) = 1
        )
        select c.*, exists (select 1 from {table} t where {_key_match(kind, "t", "c")}) as _exists
        from cand c where not exists (select 1 from {table} t where {same})
        """
    )
    loaded = dict(con.execute("select _file, count(*) from _changed group by all").fetchall())
    updated = dict(con.execute("select _file, count(*) from _changed where _exists group by all").fetchall())
    if table in lake.TABLES and table not in lake.base_tables(con):
        if loaded:  # the changed months: their stored rows the changes leave, and the changed rows
            months = f"(select distinct {lake.month_of(table)} from _changed)"
            kept = (
                f"select {names} from {table} t where {lake.month_of(table, 't')} in {months} "
                f"and not exists (select 1 from _changed c where {_key_match(kind, 't', 'c')})"
            )
            writer.replace(con, table, f"select * from ({kept} union all select {names} from _changed) order by {keys}")
    else:
        con.execute(f"delete from {table} t where exists (select 1 from _changed c where {_key_match(kind, 't', 'c')})")
        con.execute(f"insert into {table} select {names} from _changed order by {keys}")
    con.execute("drop table _changed")
    return loaded, updated
