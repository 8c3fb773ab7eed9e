"""Paths, thresholds and environment overrides, in one place."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
QUERIES_DIR = ROOT / "queries"
DIVISIONS_DIR = DATA_DIR / "zhejiang_divisions"
SCENARIO_FILE = DATA_DIR / "scenario.toml"
LINES_FILE = DATA_DIR / "lines.toml"  # 条线: the functional lines that own the apps (burden/lines.py)
RULES_FILE = DATA_DIR / "rules.toml"  # 规则: checks of the apps against the rules (burden/rules.py)
DEMO_FILES_DIR = DATA_DIR / "demo"
ACCESS_FILE = DATA_DIR / "access.toml"  # who may see what (burden/access.py); env BURDEN_ACCESS overrides
PSEUDONYM_KEY_FILE = DATA_DIR / "pseudonym.key"  # local mode only; deployments keep the key in secrets
ASSETS = ROOT / "burden" / "assets"

TIMEZONE = "Asia/Shanghai"
PROVINCE_CODE = "33"

# Metric settings (SPEC "Metrics"); each can be overridden by the environment.
APPS_TARGET = int(os.environ.get("BURDEN_APPS_TARGET", "5"))
BASELINE_MONTHS = int(os.environ.get("BURDEN_BASELINE_MONTHS", "3"))
DUPLICATE_WINDOW_DAYS = 7
ZOMBIE_ACTIVE_SHARE = 0.05
ZOMBIE_ACTIVE_DAYS = 90
ZOMBIE_SILENT_DAYS = 60
SUPERFICIAL_FIX_DAYS = 14
# A region lags when fewer than this share of its cases is done while its median cadre holds more apps than the
# target (queries/lagging_regions.sql $min_progress; the Remediation page and the Overview's alerts).
LAGGING_PROGRESS = 0.5


def duckdb_threads() -> int | None:
    """BURDEN_DUCKDB_THREADS caps the threads of every DuckDB connection (DuckDB's default is one per core):
    processes that share a machine's cores, such as the test workers, each take fewer."""
    threads = os.environ.get("BURDEN_DUCKDB_THREADS", "").strip()
    if not threads:
        return None
    if not threads.isdigit() or int(threads) < 1:
        raise ValueError(f"BURDEN_DUCKDB_THREADS must be a whole number of threads, 1 or more (got {threads!r})")
    return int(threads)


def db_path() -> Path:
    """The database file: BURDEN_DB, else data/burden.duckdb."""
    return Path(os.environ.get("BURDEN_DB", DATA_DIR / "burden.duckdb"))


def ledger_url(db: Path | None = None) -> str:
    """The ledger's event store (burden/ledger/store.py): BURDEN_LEDGER_URL (postgresql://... for several server
    processes), else SQLite in a file beside the database (`db`, or db_path())."""
    return os.environ.get("BURDEN_LEDGER_URL") or f"sqlite:///{db or db_path()}.ledger.sqlite"


def session_idle_min() -> float:
    """A signed-in session ends after this many idle minutes (BURDEN_SESSION_IDLE_MIN, default 30)."""
    return float(os.environ.get("BURDEN_SESSION_IDLE_MIN", "30"))


def session_max_hours() -> float:
    """A signed-in session ends this many hours after sign-in, however active (BURDEN_SESSION_MAX_HOURS, 12)."""
    return float(os.environ.get("BURDEN_SESSION_MAX_HOURS", "12"))


# The audit log keeps every record; those older than this many days (at least 180: the Cybersecurity Law, art. 21)
# are also archived to CSV files with their SHA-256 (burden/ledger/audit.py).
AUDIT_KEEP_DAYS = int(os.environ.get("BURDEN_AUDIT_KEEP_DAYS", "180"))


# A rebound is two consecutive monthly rises after the low point, each at least this big
# (smaller wiggles are noise, not a rebound).
REBOUND_MIN_RISE_APPS = 0.25  # mean apps used per cadre
REBOUND_MIN_RISE_RATE = 0.02  # duplicate-entry rate, as a fraction


def is_loopback(address: str | None) -> bool:
    """Whether an address listens on this machine only (empty/None means every interface)."""
    if not address:
        return False
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
