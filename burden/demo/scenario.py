"""The demo scenario (data/scenario.toml): timeline, sampling and calibration knobs, read once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from burden import settings


@dataclass(frozen=True)
class Month:
    index: int  # 0 = first month of data
    start: date
    end: date  # last day

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Scenario:
    raw: dict
    seed: int
    months: tuple[Month, ...]
    baseline_months: int
    campaign_months: int

    def __getitem__(self, key: str):
        return self.raw[key]

    @property
    def campaign_start(self) -> date:
        return self.months[self.baseline_months].start

    @property
    def data_end(self) -> date:
        return self.months[-1].end

    def phase(self, month_index: int) -> float:
        """Campaign progress of an ordinary county in a month: 0 before, ~1 at the end (before county shifts)."""
        b = self["behaviour"]
        into = month_index - self.baseline_months + 1  # 1 in the campaign's first month
        if into <= 0:
            return 0.0
        if into <= self.campaign_months:
            return b["phase_campaign_end"] * into / self.campaign_months
        return min(1.0, b["phase_campaign_end"] + b["phase_followup_step"] * (into - self.campaign_months))


def _months(first: str, count: int) -> tuple[Month, ...]:
    year, month = (int(p) for p in first.split("-"))
    out = []
    for i in range(count):
        y, m = year + (month - 1 + i) // 12, (month - 1 + i) % 12 + 1
        start = date(y, m, 1)
        nxt = date(y + m // 12, m % 12 + 1, 1)
        out.append(Month(i, start, nxt - timedelta(days=1)))
    return tuple(out)


def load_scenario(path: Path | None = None) -> Scenario:
    raw = tomllib.loads(Path(path or settings.SCENARIO_FILE).read_text(encoding="utf-8"))
    t = raw["timeline"]
    count = t["baseline_months"] + t["campaign_months"] + t["followup_months"]
    return Scenario(
        raw=raw,
        seed=int(raw["seed"]),
        months=_months(t["first_month"], count),
        baseline_months=t["baseline_months"],
        campaign_months=t["campaign_months"],
    )
