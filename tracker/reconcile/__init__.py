"""Ledger reconciliation and data-completeness audits (DuckDB; files in, files and JSON out).

``open_ledger`` reads a CSV (UTF-8, UTF-8 with BOM, CP949) or XLSX file safely; ``reconcile``
compares two ledgers key by key; ``tracker.reconcile.audit.audit`` checks a dataset against a
profile (not re-exported here, where its name would hide the ``audit`` module). The app layer
stores the files they write as evidence.
"""

from tracker.reconcile.audit import PROFILES, AuditReport
from tracker.reconcile.engine import ReconcileResult, SideSummary, engine_version, reconcile
from tracker.reconcile.ledger import Ledger, LedgerTooLarge, open_ledger, suggest_columns

__all__ = [
    "PROFILES",
    "AuditReport",
    "Ledger",
    "LedgerTooLarge",
    "ReconcileResult",
    "SideSummary",
    "engine_version",
    "open_ledger",
    "reconcile",
    "suggest_columns",
]
