"""未备案 apps in the demo: logs of apps the catalogue does not list (data/scenario.toml [[alerts.unregistered_app]]),
written as one county export with Chinese headers. The loader rejects each row as "app_id unknown"."""

from __future__ import annotations

from pathlib import Path

from burden.demo.scenario import Scenario
from burden.demo.write import copy_out

FILE = "unregistered_app_events"  # .csv in the demo folder
# Event ids above every generated one (those stay below 2**45).
FIRST_ID = 1 << 60


def write_unregistered(con, sc: Scenario, out_dir: Path) -> int:
    """Write the planted apps' events (every cadre homed in the county, per_cadre_month events in each of the last
    `months` months); returns the row count (0, and no file, when the scenario plants none)."""
    planted = sc["alerts"].get("unregistered_app", [])
    if not planted:
        return 0
    last = sc.months[-1].index
    values = ", ".join(
        f"('{p['app_id']}', '{p['county']}', {int(p['months'])}, {int(p['per_cadre_month'])})" for p in planted
    )
    months = ", ".join(f"({m.index}, date '{m.start.isoformat()}')" for m in sc.months)
    query = f"""
        with planted(app_id, county, months, per_cadre) as (values {values}),
        months(idx, start) as (values {months}),
        rows as (
            select p.app_id, c.cadre_id, m.idx, m.start, i
            from planted p
            inner join cadres c on starts_with(c.region_code, p.county)
            inner join months m on m.idx > {last} - p.months
            cross join range(p.per_cadre) as r(i)
        )
        select {FIRST_ID} + row_number() over (order by app_id, cadre_id, start, i) as "事件编号",
            cadre_id as "干部编号",
            app_id as "应用编号",
            start + to_days(cast(i * 6 + 1 as integer))
                + to_minutes(cast(540 + floor(u3('unreg_t', cadre_id, idx * 8 + i) * 480) as integer)) as "操作时间",
            case when i % 2 = 0 then 'open' else 'view' end as "操作",
            cast(60 + floor(u4('unreg_d', app_id, cadre_id, idx * 8 + i) * 240) as integer) as "时长（秒）"
        from rows
        order by 1
    """
    return copy_out(con, query, out_dir / f"{FILE}.csv", "csv")
