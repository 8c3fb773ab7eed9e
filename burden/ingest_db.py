"""A new database: base tables from queries/schema/*.sql, regions from data/zhejiang_divisions."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb

from burden import settings
from burden.ingest_kinds import schema_files


def _csv(name: str) -> str:
    return "'" + str(settings.DIVISIONS_DIR / name).replace("'", "''") + "'"


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for path in schema_files():
        con.execute(path.read_text(encoding="utf-8"))


def fill_regions(con: duckdb.DuckDBPyConnection) -> None:
    names_en = "'" + str(settings.DATA_DIR / "region_names_en.csv").replace("'", "''") + "'"
    con.execute(
        f"""
        insert into regions
        with divisions as (
            select '{settings.PROVINCE_CODE}' as region_code, '浙江省' as name_zh, 'province' as level,
                   null as parent_code
            union all select code, name, 'city', '{settings.PROVINCE_CODE}'
                      from read_csv({_csv("cities.csv")}, all_varchar = true)
            union all select code, name, 'county', cityCode from read_csv({_csv("counties.csv")}, all_varchar = true)
            union all select code, name, 'town', areaCode from read_csv({_csv("towns.csv")}, all_varchar = true)
            union all select code, name, 'village', streetCode from read_csv({_csv("villages.csv")}, all_varchar = true)
        ),
        en as (select region_code, name_en from read_csv({names_en}, all_varchar = true))
        select d.region_code, d.name_zh, coalesce(en.name_en, case d.level when 'province' then 'Zhejiang' end),
               d.level, d.parent_code
        from divisions d left join en using (region_code)
        order by length(d.region_code), d.region_code
        """
    )


def create_database(con: duckdb.DuckDBPyConnection) -> None:
    create_schema(con)
    fill_regions(con)


def write_meta(con: duckdb.DuckDBPyConnection, source_files: list[str]) -> None:
    previous = con.execute("select value from load_meta where key = 'source_files'").fetchone()
    files = json.loads(previous[0]) if previous else []
    files += [f for f in source_files if f not in files]
    as_of = con.execute("select max(ts)::date from app_events").fetchone()[0]
    first = con.execute("select min(ts)::date from app_events").fetchone()[0]
    meta = {
        "loaded_at": datetime.now().isoformat(timespec="seconds"),
        "as_of": as_of.isoformat() if as_of else "",
        "first_event_on": first.isoformat() if first else "",
        "source_files": json.dumps(files, ensure_ascii=False),
    }
    con.executemany("insert or replace into load_meta values (?, ?)", list(meta.items()))
