"""整改台账 The remediation ledger kept in the dashboard: every change an append-only event, the current ledger
derived from the events (issue 16).

store.py   the events in a transactional store: SQLite in WAL mode beside the database (the default), or
           PostgreSQL for several server processes (settings.LEDGER_URL); append-only, one version per case
cases.py   the rules: allowed transitions, the ledger's checks, scope, verdicts; folding events into cases
"""
