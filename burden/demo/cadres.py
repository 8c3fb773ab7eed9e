"""Cadres of the sampled places, and the daily work each one does (fact types, slots, subject pools)."""

from __future__ import annotations

import polars as pl

from burden.demo.scenario import Scenario

FACT_BITS = {"visit": 1, "patrol": 2, "inspection": 4, "report": 8, "statistics": 16}

# Five-year age bands, weighted towards the middle-aged (village posts skew older).
_AGE_BANDS = [
    *("25-29", "30-34", "30-34", "35-39", "35-39", "40-44", "40-44", "40-44", "45-49", "45-49", "45-49"),
    *("50-54", "50-54", "50-54", "55-59", "55-59", "55-59", "60-64", "60-64", "45-49"),
]


def _register(con, name: str, frame: pl.DataFrame) -> None:
    con.register(f"{name}_src", frame.to_arrow())
    con.execute(f"create or replace table {name} as select * from {name}_src")
    con.unregister(f"{name}_src")


def build_cadres(con, sc: Scenario) -> None:
    """Table cadres: cadre_id, cadre_idx, region_code, town, county, city, roles, age_band, place."""
    roster = pl.DataFrame([{"seat": r["seat"], "roles": r["roles"]} for r in sc["roster"]])
    town_roster = pl.DataFrame([{"seat": r["seat"], "roles": r["roles"]} for r in sc["town_roster"]])
    fixed = [{"cadre_id": f["cadre_id"], "roles": f["roles"], "age_band": f["age_band"]} for f in sc["fixed_cadres"]]
    p = sc["persona"]
    fixed.append({"cadre_id": p["cadre_id"], "roles": p["roles"], "age_band": p["age_band"]})
    _register(con, "roster", roster)
    _register(con, "town_roster", town_roster)
    _register(con, "fixed_cadres", pl.DataFrame(fixed))
    _register(con, "age_bands", pl.DataFrame({"i": range(len(_AGE_BANDS)), "band": _AGE_BANDS}))
    con.execute(
        """
        create or replace table cadres as
        with village_seats as (
            select v.code as region_code, v.town, v.county, v.city, v.code as place, s.seat,
                replace(r.roles, 'secretary',
                    case when v.name like '%社区%' then '社区党委书记' else '村党组织书记' end) as roles
            from sample_village v
            cross join range(1, v.seats + 1) as s(seat)
            inner join roster r on r.seat = s.seat
        ),
        town_seats as (
            select t.code as region_code, t.code as town, t.county, t.city, t.code as place, s.seat, r.roles
            from sample_town t
            cross join range(1, t.staff + 1) as s(seat)
            inner join town_roster r on r.seat = s.seat
        ),
        seats as (
            select *, 'C' || region_code || '-' || lpad(seat::varchar, 2, '0') as cadre_id from village_seats
            union all
            select *, 'C' || region_code || '-' || lpad(seat::varchar, 2, '0') as cadre_id from town_seats
        )
        select
            s.cadre_id,
            (row_number() over (order by s.cadre_id) - 1)::integer as cadre_idx,
            s.region_code, s.town, s.county, s.city, s.place,
            coalesce(f.roles, s.roles) as roles,
            coalesce(f.age_band, a.band) as age_band
        from seats s
        left join fixed_cadres f on f.cadre_id = s.cadre_id
        left join age_bands a on a.i = floor(u2('age', s.cadre_id) * (select count(*) from age_bands))
        order by s.cadre_id
        """
    )
    missing = con.execute(
        "select list(cadre_id) from fixed_cadres where cadre_id not in (select cadre_id from cadres)"
    ).fetchall()[0][0]
    if missing:
        raise ValueError(f"scenario cadres not generated (is their village sampled with enough seats?): {missing}")


def build_work(con, sc: Scenario) -> None:
    """Table cadre_work: one row per cadre, fact type and daily slot, with its subject pool.

    A slot's subject index walks through the pool one step per day (pool >= 8 x slots), so a cadre never
    meets the same subject twice within 7 days by chance: every duplicate entry in the demo is a planted one.
    """
    rows = []
    for rw in sc["role_work"]:
        for fact_type, slots, prob in rw["work"]:
            rows.append({"role": rw["role"], "fact_type": fact_type, "n_slots": slots, "p": float(prob)})
    _register(con, "role_work", pl.DataFrame(rows))
    bits = " ".join(f"when '{k}' then {v}" for k, v in FACT_BITS.items())
    seeds = sc["seed_places"]
    con.execute(
        f"""
        create or replace table cadre_work as
        with cadre_roles as (
            select cadre_id, unnest(string_split(roles, ';')) as role from cadres
        ),
        work as (
            select cr.cadre_id, rw.role, rw.fact_type, rw.n_slots, rw.p
            from cadre_roles cr inner join role_work rw on rw.role = cr.role
            union all
            select c.cadre_id, rw.role, rw.fact_type, rw.n_slots, rw.p
            from cadres c cross join role_work rw where rw.role = '*'
        ),
        slots as (
            select w.*, k from work w cross join range(w.n_slots) as r(k)
        ),
        numbered as (
            select cadre_id, fact_type, p,
                (row_number() over (partition by cadre_id, fact_type order by role, k) - 1)::integer as slot,
                (count(*) over (partition by cadre_id, fact_type))::integer as n_slots
            from slots
        ),
        pooled as (
            select n.*, c.cadre_idx, c.county, c.town, c.place,
                case n.fact_type
                    when 'visit' then 30 + floor(u2('households', c.place) * 120)
                    when 'patrol' then case when c.town = '{seeds["dianko_town"]}' then {seeds["dianko_river_segments"]}
                        else 16 + floor(u2('rivers', c.town) * 30) end
                    when 'inspection' then 10 + floor(u2('sites', c.place) * 20)
                    when 'report' then 16 + floor(u2('problems', c.place) * 20)
                    else 1
                end::integer as pool,
                case n.fact_type
                    when 'visit' then 'H' || c.place || '-'
                    when 'patrol' then 'R' || c.town || '-'
                    when 'inspection' then 'S' || c.place || '-'
                    when 'report' then 'E' || c.place || '-'
                    else ''
                end as prefix,
                case n.fact_type {bits} end as fact_bit
            from numbered n inner join cadres c using (cadre_id)
        )
        select *, floor(u3('offset', cadre_id, fact_type) * pool)::integer as subject_offset
        from pooled
        order by cadre_id, fact_type, slot
        """
    )
    too_small = con.execute("select count(*) from cadre_work where fact_type <> 'statistics' and pool < 8 * n_slots")
    if too_small.fetchall()[0][0]:
        raise ValueError("a subject pool is smaller than 8 days of slots: chance duplicates would appear")
