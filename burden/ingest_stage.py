"""Set-based validation and merge, all in DuckDB (no Python per row).

Each file is cast and checked into a temporary table _new_<table> (typed columns, plus _file, _line,
_reason and _raw for rejected rows). When all files of a kind are staged, merge() quarantines the
rejected rows and moves the good ones into the base table without doubling any key.
"""

from __future__ import annotations

import duckdb

from burden.ingest_kinds import Column, Kind, columns
from burden.ingest_read import Source

# Logs are stored sorted by month, then cadre (cadre ids start with the region code), so zonemaps prune.
SORT_KEY = "date_trunc('month', ts), cadre_id"
SORT_ORDER = f"order by {SORT_KEY}"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _typed(col: Column, src: str | None, src_type: str | None) -> str:
    if src is None:
        return f"null::{col.type}"
    ref = f"src.{_q(src)}"
    if src_type == col.type:
        return f"nullif({ref}, '')" if col.type == "VARCHAR" else ref
    if src_type != "VARCHAR":
        return f"try_cast({ref} as {col.type})"
    text = f"trim({ref})"
    if col.type == "DATE":
        return f"coalesce(try_cast({text} as date), try_cast(try_cast({text} as timestamp) as date))"
    if col.type == "BOOLEAN":
        return f"case {text} when '是' then true when '否' then false else try_cast({text} as boolean) end"
    return f"try_cast({text} as {col.type})"


def _missing(src: str, src_type: str) -> str:
    ref = f"src.{_q(src)}"
    return f"({ref} is null or trim({ref}) = '')" if src_type == "VARCHAR" else f"{ref} is null"


def missing_columns(kind: Kind, source: Source) -> list[str]:
    have = {h.strip().lower() for h in source.header}
    return [c.name for c in columns(kind.table) if c.required and c.name not in have]


def stage_table(kind: Kind) -> str:
    return f"_new_{kind.table}"


def ensure_stage(con: duckdb.DuckDBPyConnection, kind: Kind) -> None:
    cols = ", ".join(f"{_q(c.name)} {c.type}" for c in columns(kind.table))
    con.execute(
        f"create temp table if not exists {stage_table(kind)} "
        f"({cols}, _file integer, _line bigint, _reason varchar, _raw varchar)"
    )


def stage_file(con: duckdb.DuckDBPyConnection, kind: Kind, source: Source, file_no: int) -> dict[str, int]:
    """Cast and check one file into the stage table; returns {reason or '': rows}."""
    ensure_stage(con, kind)
    by_name = {h.strip().lower(): (h, t) for h, t in zip(source.header, source.types, strict=True)}
    typed, cast_checks = [], []
    for col in columns(kind.table):
        src, src_type = by_name.get(col.name, (None, None))
        expr = _typed(col, src, src_type)
        typed.append(f"{expr} as {_q(col.name)}")
        if src is None:
            continue
        if col.required:
            cast_checks.append(f"when {_missing(src, src_type)} then '{col.name} missing'")
        if src_type != col.type:
            not_null = f"not {_missing(src, src_type)}"
            cast_checks.append(f"when {not_null} and {expr} is null then '{col.name} not a {col.type.lower()}'")
    cast_reason = f"case {' '.join(cast_checks)} end" if cast_checks else "null::varchar"
    id_checks = " ".join(f"when {bad} then '{reason}'" for bad, reason in kind.checks)
    reason = f"coalesce(_cast_reason, case {id_checks} end)" if id_checks else "_cast_reason"
    names = ", ".join(_q(c.name) for c in columns(kind.table))
    raw = "struct_pack(" + ", ".join(f"{_q(h)} := src.{_q(h)}" for h in source.header) + ")"
    con.execute(
        f"""
        insert into {stage_table(kind)}
        with src as (select * from {source.sql}),
        typed as (select {", ".join(typed)}, {cast_reason} as _cast_reason, src._line as _line, {raw} as _src
                  from src),
        checked as (select *, {reason} as _reason from typed)
        select {names}, {file_no} as _file, _line, _reason,
               case when _reason is not null then to_json(_src) end as _raw
        from checked
        """
    )
    rows = con.execute(
        f"select coalesce(_reason, ''), count(*) from {stage_table(kind)} where _file = ? group by all", [file_no]
    ).fetchall()
    return dict(rows)


def merge(con: duckdb.DuckDBPyConnection, kind: Kind, file_names: dict[int, str]) -> dict[int, dict[str, int]]:
    """Quarantine rejects and move good staged rows into the table; per file: loaded, updated, duplicates."""
    stage = stage_table(kind)
    con.execute(
        f"insert into quarantine select current_timestamp, f.name, s._line, '{kind.table}', s._reason, s._raw "
        f"from {stage} s join (select unnest($files) as no, unnest($names) as name) f on f.no = s._file "
        "where s._reason is not null",
        {"files": list(file_names), "names": list(file_names.values())},
    )
    valid = dict(con.execute(f"select _file, count(*) from {stage} where _reason is null group by all").fetchall())
    if kind.mode == "append":
        loaded, updated = _append(con, kind)
    else:
        loaded, updated = _upsert(con, kind)
    con.execute(f"drop table {stage}")
    return {
        f: {"loaded": loaded.get(f, 0), "updated": updated.get(f, 0), "duplicates": n - loaded.get(f, 0)}
        for f, n in valid.items()
    }


def _key_match(kind: Kind, a: str, b: str) -> str:
    return " and ".join(f"{a}.{_q(k)} = {b}.{_q(k)}" for k in kind.key)


def _append(con: duckdb.DuckDBPyConnection, kind: Kind) -> tuple[dict[int, int], dict[int, int]]:
    """Logs: skip keys already stored or repeated in the batch; keep the table sorted by month, then cadre."""
    table, stage = kind.table, stage_table(kind)
    names = ", ".join(_q(c.name) for c in columns(table))
    keys = ", ".join(_q(k) for k in kind.key)
    has_rows = con.execute(f"select count(*) > 0 from (select 1 from {table} limit 1)").fetchone()[0]
    where = "n._reason is null"
    if has_rows:
        where += f" and not exists (select 1 from {table} t where {_key_match(kind, 't', 'n')})"
    total, distinct = con.execute(f"select count(*), count(distinct ({keys})) from {stage} n where {where}").fetchone()
    qualify = f"qualify row_number() over (partition by {keys} order by _file, _line) = 1" if distinct < total else ""
    new_rows = f"select * from {stage} n where {where} {qualify}"
    loaded = dict(con.execute(f"select _file, count(*) from ({new_rows}) group by all").fetchall())
    if not loaded:
        return {}, {}
    # Files written sorted and in month order (app_events/YYYY-MM.parquet, as the demo writes them) need no
    # sort: checking costs one streaming pass, a sort of 10M rows several seconds.
    in_order = not qualify and _sorted(con, f"select ts, cadre_id from {stage} n where {where}")
    if in_order and has_rows:
        in_order = con.execute(
            f"select (select max(({SORT_KEY})) from {table}) <= (select min(({SORT_KEY})) from {stage} n where {where})"
        ).fetchone()[0]
    if in_order:
        con.execute(f"insert into {table} select {names} from ({new_rows})")
    elif not has_rows:
        con.execute(f"insert into {table} select {names} from ({new_rows}) {SORT_ORDER}")
    else:
        con.execute(
            f"create temp table _merged as select {names} from {table} union all select {names} from ({new_rows})"
        )
        con.execute(f"delete from {table}")
        con.execute(f"insert into {table} select {names} from _merged {SORT_ORDER}")
        con.execute("drop table _merged")
    return loaded, {}


def _sorted(con: duckdb.DuckDBPyConnection, rows_sql: str) -> bool:
    """Whether rows (in scan order) are already in SORT_KEY order: one streaming pass."""
    return con.execute(
        f"""
        with k as (select ({SORT_KEY}) as k from ({rows_sql})),
        pairs as (select k, lag(k) over () as prev from k)
        select count(*) = 0 from pairs where k < prev
        """
    ).fetchone()[0]


def _upsert(con: duckdb.DuckDBPyConnection, kind: Kind) -> tuple[dict[int, int], dict[int, int]]:
    """Catalogues, ledger, accounts: the last row for a key wins; identical rows are duplicates."""
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
    con.execute(f"delete from {table} t where exists (select 1 from _changed c where {_key_match(kind, 't', 'c')})")
    con.execute(f"insert into {table} select {names} from _changed order by {keys}")
    con.execute("drop table _changed")
    return loaded, updated
