"""What-if for the Remediation view: delete apps, or merge apps into one, and project apps per cadre and hours.

The projection runs in queries/whatif_apps_per_cadre.sql over app_cadre_month for the period's last month;
the chosen app ids are bound as list parameters, never spliced into the SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from burden import db, i18n, labels
from burden.filters import ViewState
from burden.i18n import t


@dataclass(frozen=True)
class Choice:
    delete: tuple[str, ...] = ()
    merge_from: tuple[str, ...] = ()
    merge_into: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.delete and not (self.merge_from and self.merge_into)

    @property
    def is_valid(self) -> bool:
        """A merge target that is itself deleted or merged away would make the projection meaningless."""
        return self.merge_into is None or (
            self.merge_into not in self.delete and self.merge_into not in self.merge_from
        )

    def params(self) -> dict:
        sources = list(self.merge_from) if self.merge_into else []
        return {
            "delete": list(self.delete),
            "merge_from": sources,
            "merge_to": [self.merge_into] * len(sources),
        }


def app_options(state: ViewState) -> pl.DataFrame:
    """Apps held or used in the region in the period's last month, most users first, with a display label."""
    params = state.query_params()
    apps = db.query("whatif_app_options", region=params["region"], to=params["to"])
    shown = [
        labels.with_code(labels.app_name(*row), row[2]) for row in apps.select("name_zh", "name_en", "app_id").rows()
    ]
    return apps.with_columns(label=pl.Series(shown, dtype=pl.String))


def project(state: ViewState, choice: Choice) -> pl.DataFrame:
    """One row for the region (is_total) and one per child region, before and after the choice."""
    params = state.query_params()
    result = db.query("whatif_apps_per_cadre", region=params["region"], to=params["to"], **_hashable(choice.params()))
    return labels.with_region_label(result)


def _hashable(params: dict) -> dict:
    """db.query caches by parameters; tuples hash, and DuckDB binds them as lists like Python lists."""
    return {key: tuple(value) for key, value in params.items()}


def table(projection: pl.DataFrame) -> pl.DataFrame:
    return projection.select(
        *labels.region_columns(),
        pl.col("held_median_before").round(1).alias(t("rem.col.median_before")),
        pl.col("held_median_after").round(1).alias(t("rem.col.median_after")),
        pl.col("held_mean_before").round(2).alias(t("rem.col.held_before")),
        pl.col("held_mean_after").round(2).alias(t("rem.col.held_after")),
        pl.col("used_mean_before").round(2).alias(t("rem.col.used_before")),
        pl.col("used_mean_after").round(2).alias(t("rem.col.used_after")),
        pl.col("hours_returned_per_cadre_week").round(2).alias(t("rem.col.hours_returned")),
    )


def title(total: dict) -> str:
    return t(
        "rem.whatif_title",
        before=i18n.fmt_num(total["held_mean_before"]),
        after=i18n.fmt_num(total["held_mean_after"]),
    )
