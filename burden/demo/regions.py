"""Which villages and towns the demo samples from the reference division lists (data/zhejiang_divisions)."""

from __future__ import annotations

from burden import settings
from burden.demo.scenario import Scenario


def _csv(name: str) -> str:
    return "'" + str(settings.DIVISIONS_DIR / name).replace("'", "''") + "'"


def sql_list(values) -> str:
    return "(" + ", ".join("'" + str(v) + "'" for v in values) + ")"


def load_divisions(con) -> None:
    """Reference tables div_city, div_county, div_town, div_village (codes as text)."""
    con.execute(
        f"create or replace table div_city as select code, name from read_csv({_csv('cities.csv')}, all_varchar=true)"
    )
    con.execute(
        f"create or replace table div_county as select code, name, cityCode as city "
        f"from read_csv({_csv('counties.csv')}, all_varchar=true)"
    )
    con.execute(
        f"create or replace table div_town as select code, name, areaCode as county, cityCode as city "
        f"from read_csv({_csv('towns.csv')}, all_varchar=true)"
    )
    con.execute(
        f"create or replace table div_village as select code, name, streetCode as town, areaCode as county, "
        f"cityCode as city from read_csv({_csv('villages.csv')}, all_varchar=true)"
    )
    names_en = settings.DATA_DIR / "region_names_en.csv"
    con.execute(
        f"create or replace table div_name_en as select region_code, name_en "
        f"from read_csv('{names_en}', all_varchar=true)"
    )


def sample_places(con, sc: Scenario, scale: float) -> None:
    """Tables sample_village (code, town, county, city, name, seats) and sample_town (code, county, city, staff).

    Each county keeps scale/full_scale of its villages, at least one, chosen by hash rank; the seed villages
    are always kept. Village seats (cadres) grow from seats_small to seats_full with the scale.
    """
    s = sc["sampling"]
    seeds = sc["seed_places"]
    share = min(1.0, scale / s["full_scale"])
    grow = min(1.0, max(0.0, (scale - 1.0) / (s["full_scale"] - 1.0)))
    seats = s["seats_small"] + round((s["seats_full"] - s["seats_small"]) * grow)
    town_staff = round(s["town_staff_full"] * share)
    seed_villages = sql_list(seeds["villages"])
    seed_towns = sql_list(seeds["towns"])
    con.execute(
        f"""
        create or replace table sample_village as
        with ranked as (
            select v.*, row_number() over (partition by county order by u2('village', code), code) as rn,
                count(*) over (partition by county) as n
            from div_village v
        )
        select code, town, county, city, name,
            case when code in {seed_villages} then {s["seed_village_seats"]} else {seats} end as seats
        from ranked
        where rn <= greatest(1, round(n * {share})) or code in {seed_villages}
        order by code
        """
    )
    # Town staff: the first sampled town of each county has at least one, seed towns a few.
    con.execute(
        f"""
        create or replace table sample_town as
        with towns as (
            select distinct t.code, t.county, t.city
            from div_town t
            where t.code in (select town from sample_village) or t.code in {seed_towns}
        ),
        ranked as (select *, row_number() over (partition by county order by u2('town', code), code) as rn from towns)
        select code, county, city,
            case
                when code in {seed_towns} then greatest({town_staff}, {s["seed_town_staff"]})
                when rn = 1 then greatest({town_staff}, 1)
                else {town_staff}
            end as staff
        from ranked
        order by code
        """
    )


def build_county_info(con, sc: Scenario) -> None:
    """Table county_info: every county's role in the scenario (seed|lagging|rebound|superficial|normal) and its
    campaign start shift in months (counties did not all start on the same day)."""
    alerts = sc["alerts"]
    seeds = sql_list(sc["seed_places"]["counties"])
    lagging = sql_list(alerts["lagging_counties"])
    superficial = sql_list(f["county"] for f in alerts["superficial_fix"])
    shift = int(sc["behaviour"]["county_shift_months"])
    con.execute(
        f"""
        create or replace table county_info as
        select code as county, city,
            case
                when code in {seeds} then 'seed'
                when code in {lagging} then 'lagging'
                when code = '{alerts["rebound_county"]}' then 'rebound'
                when code in {superficial} then 'superficial'
                else 'normal'
            end as county_class,
            case when code in {seeds} then 0 else floor(u2('shift', code) * {shift + 1})::integer end as shift
        from div_county
        order by code
        """
    )
