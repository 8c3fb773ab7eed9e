"""Remediation view model (整治): ledger progress, overdue cases, fixes checked against the logs, what-if."""

from __future__ import annotations

# A region lags when fewer than this share of its cases is done (and its median cadre holds more apps than the
# target). A view setting, passed to queries/lagging_regions.sql by this view and the Overview's alerts.
LAGGING_PROGRESS = 0.5
