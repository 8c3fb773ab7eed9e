"""Command line: python -m burden generate|load|quarantine|rollup|demo|summary|serve|audit|ledger."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from burden import settings


def _cmd_generate(args: argparse.Namespace) -> int:
    from burden.demo import generate

    generate(Path(args.out), scale=args.scale, seed=args.seed, fmt=args.format)
    return 0


def _cmd_load(args: argparse.Namespace) -> int:
    from burden.ingest.pipeline import load

    report = load([Path(p) for p in args.paths], settings.db_path(), kind=args.kind, commit=not args.dry_run)
    if not args.dry_run:  # the audit log keeps every load: who ran it (the system user), the files and the counts
        import getpass

        from burden.ledger.audit import AuditLog
        from burden.ledger.store import open_store

        target, outcome, detail = report.audit()
        log = AuditLog(open_store(settings.ledger_url()))
        log.record(getpass.getuser(), "cli", None, "load", target, outcome, detail)
    return 0 if report.ok else 1


def _cmd_quarantine(args: argparse.Namespace) -> int:
    from burden.ingest import quarantine

    if args.action == "list":
        return quarantine.print_list(settings.db_path(), args.rows)
    if not args.path:
        print("quarantine export needs a PATH (a .csv file, or a folder for one file per table)")
        return 2
    try:
        written = quarantine.export(settings.db_path(), Path(args.path), args.table, args.all)
    except ValueError as exc:
        print(f"quarantine export: {exc}")
        return 2
    for path, n in written:
        print(f"{n:,} rows -> {path}")
    print(f"exported {sum(n for _, n in written):,} quarantined rows; correct them and load the file(s) again")
    return 0


def _cmd_rollup(args: argparse.Namespace) -> int:
    if args.engine == "spark":
        import shutil

        try:
            import pyspark  # noqa: F401

            from burden.engines import spark
        except ImportError as exc:
            print(f"--engine spark needs {exc.name}: pip install -r requirements-spark.txt", file=sys.stderr)
            return 2
        if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
            print("--engine spark needs a Java runtime (e.g. apt-get install openjdk-17-jre-headless)", file=sys.stderr)
            return 2
        spark.rollup(settings.db_path(), args.master, progress=lambda line: print(line, file=sys.stderr))
        return 0
    from burden.rollups import rebuild

    rebuild(settings.db_path())
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from burden.demo.build import build_demo

    build_demo(settings.db_path(), scale=args.scale, seed=args.seed, force=args.force)
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from burden import access
    from burden.summary import print_summary

    # The command line reads the database file directly: whoever runs it is the local single user.
    with access.using(access.local_scope()):
        return print_summary(args.region, args.from_month, args.to_month, args.format)


def _cmd_serve(args: argparse.Namespace) -> int:
    from burden.balancer import serve

    return serve(args.processes, args.port, args.address, Path(args.secrets) if args.secrets else None)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day: write YYYY-MM-DD, e.g. 2026-06-01") from None


def _cmd_audit(args) -> int:
    from burden.ledger import audit
    from burden.ledger.store import open_store

    log = audit.AuditLog(open_store(settings.ledger_url()))
    if args.action == "archive":
        folder = Path(args.folder) if args.folder else settings.db_path().parent / "audit-archive"
        made = log.archive(folder)
        print(f"archived to {made}" if made else "nothing to archive: every record is within the retention")
        return 0
    found = log.search(
        who=args.filter_who,
        role=args.filter_role,
        region=args.filter_region,
        action=args.filter_action,
        since=args.since,
        until=args.until,
    )
    text = audit.to_csv(found)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"{len(found):,} audit records written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _cmd_ledger(args) -> int:
    from burden import access
    from burden.ingest.pipeline import sync_ledger
    from burden.ledger.cases import Ledger, OutOfScope, history_text
    from burden.ledger.store import open_store

    if args.action == "sync":
        changed = sync_ledger(settings.db_path())
        print("the database's ledger was up to date" if not changed else "done", file=sys.stderr)
        return 0
    if not args.case_id:
        print("ledger history needs a CASE_ID, e.g. RC-330109-K330109-01", file=sys.stderr)
        return 2
    # The command line reads the store directly: whoever runs it is the local single user.
    try:
        case = Ledger(open_store(settings.ledger_url())).case(access.local_scope(), args.case_id)
    except OutOfScope:
        print(f"no case {args.case_id!r} in the ledger", file=sys.stderr)
        return 1
    sys.stdout.write(history_text(case.history))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m burden", description="减负看板 · Burden Dashboard")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("generate", help="write demo log files to a folder")
    p.add_argument("--out", default=str(settings.DEMO_FILES_DIR))
    p.add_argument("--scale", type=float, default=1.0, help="1 = default demo; 60 = province scale")
    p.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("load", help="load log files (or folders of them) into the database")
    p.add_argument("paths", nargs="+")
    p.add_argument("--kind", choices=["apps", "cadres", "accounts", "events", "photos", "cases"])
    p.add_argument("--dry-run", action="store_true", help="validate and report only; the database is not changed")
    p.set_defaults(func=_cmd_load)

    p = sub.add_parser("quarantine", help="list or export the rows loads rejected (to correct and load again)")
    p.add_argument("action", choices=["list", "export"])
    p.add_argument("path", nargs="?", help="export: a .csv file, or a folder (one CSV per table)")
    p.add_argument("--table", help="export only this table's rows, e.g. app_events")
    p.add_argument("--all", action="store_true", help="export also rows already re-loaded")
    p.add_argument("--rows", type=int, default=0, help="list: also show this many rows")
    p.set_defaults(func=_cmd_quarantine)

    p = sub.add_parser("rollup", help="rebuild the derived tables (on DuckDB, or on Apache Spark)")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help="duckdb (embedded, the default)")
    p.add_argument(
        "--master", default="local[2]", help="Spark's master: local[N] or spark://host:port (--engine spark only)"
    )
    p.set_defaults(func=_cmd_rollup)

    p = sub.add_parser("demo", help="generate, load and roll up the demo database")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--force", action="store_true", help="rebuild even if the database exists")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("summary", help="headline metrics for a region and period")
    p.add_argument("--region", default=settings.PROVINCE_CODE)
    p.add_argument("--from", dest="from_month", help="YYYY-MM")
    p.add_argument("--to", dest="to_month", help="YYYY-MM")
    p.add_argument("--format", choices=["json", "table"], default="table")
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("serve", help="serve the dashboard from several processes behind haproxy (sticky sessions)")
    p.add_argument("--processes", type=int, default=2, help="Streamlit server processes (about one core each)")
    p.add_argument("--port", type=int, default=8501, help="the balancer's port")
    p.add_argument("--address", default="127.0.0.1", help="the balancer's address (not loopback: sign-in needed)")
    p.add_argument("--secrets", help="a secrets.toml for every process (default: .streamlit/secrets.toml)")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("audit", help="export the audit log as CSV, or archive its records past the retention")
    p.add_argument("action", choices=["export", "archive"])
    p.add_argument("--since", type=_day, help="export: from this day (YYYY-MM-DD)")
    p.add_argument("--until", type=_day, help="export: to this day, inclusive")
    for name in ("who", "role", "region", "action"):
        p.add_argument(f"--{name}", dest=f"filter_{name}", help=f"export: only records with this {name}")
    p.add_argument("--out", help="export: write to this file (default: standard output)")
    p.add_argument("--folder", help="archive: where the CSV files go (default: audit-archive beside the database)")
    p.set_defaults(func=_cmd_audit)

    p = sub.add_parser("ledger", help="print a case's history (every change, oldest first), or sync the database")
    p.add_argument("action", choices=["history", "sync"])
    p.add_argument("case_id", nargs="?", help="history: the case, e.g. RC-330109-K330109-01")
    p.set_defaults(func=_cmd_ledger)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
