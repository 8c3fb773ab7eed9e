"""审计日志 The audit log as the admin page shows it: search by person, role, region, action and dates, as a table
and as the same CSV `python -m burden audit export` writes. Only an admin (or the local single user) may read it:
the check is here, below the page, so no other path reads the log for anyone else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from burden import access, settings
from burden.i18n import t
from burden.ledger.audit import AuditLog, Record, to_csv
from burden.ledger.store import shared

READERS = ("admin", "local")


class NotAllowed(PermissionError):
    pass


@dataclass(frozen=True)
class Search:
    who: str | None = None
    role: str | None = None
    region: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None


def may_read(scope: access.Scope) -> bool:
    return scope.region is not None and scope.role in READERS


def default_since(today: date) -> date:
    return today - timedelta(days=30)


def search(scope: access.Scope, wanted: Search) -> list[Record]:
    """The records matching the search, oldest first; the region filter stays inside the admin's own scope."""
    if not may_read(scope):
        raise NotAllowed(f"role {scope.role!r} may not read the audit log")
    region = wanted.region.strip() if wanted.region else None
    if region and not scope.allows(region):
        raise NotAllowed(f"region {region!r} is not in your scope ({scope.region})")
    found = AuditLog(shared(settings.ledger_url())).search(
        who=(wanted.who or "").strip() or None,
        role=wanted.role,
        region=region,
        action=wanted.action,
        since=wanted.since,
        until=wanted.until,
    )
    return [r for r in found if scope.region == settings.PROVINCE_CODE or scope.allows(r.region)]


def table(records: list[Record]) -> pl.DataFrame:
    """Newest first, as shown on the page."""
    rows = list(reversed(records))
    return pl.DataFrame(
        {
            t("audit.col.at"): [r.at.replace("T", " ") for r in rows],
            t("audit.col.who"): [r.who for r in rows],
            t("audit.col.role"): [
                t(f"auth.role.{r.role}") if r.role in access.ROLES + ("local",) else r.role for r in rows
            ],
            t("audit.col.region"): [r.region or "" for r in rows],
            t("audit.col.action"): [t(f"audit.action.{r.action}") for r in rows],
            t("audit.col.target"): [r.target or "" for r in rows],
            t("audit.col.outcome"): [r.outcome for r in rows],
            t("audit.col.detail"): [_detail(r.detail) for r in rows],
        },
        schema={name: pl.String for name in _columns()},
    )


def _columns() -> list[str]:
    return [t(f"audit.col.{c}") for c in ("at", "who", "role", "region", "action", "target", "outcome", "detail")]


def _detail(detail: dict | None) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(detail.items())) if detail else ""


def csv_bytes(records: list[Record]) -> bytes:
    """The records as `python -m burden audit export` writes them (UTF-8 with a BOM, so Excel reads the Chinese)."""
    return ("\ufeff" + to_csv(records)).encode("utf-8")
