"""What ``tracker verify`` checks besides the audit chain and the exhibits: the database's own
structure, and the bytes of every registered dossier.

Both only read: nothing here changes a record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel, select

from ..models import AuditEvent, Dossier
from ..vault.backend import VaultBackend

#: Lines of ``PRAGMA integrity_check`` reported at most (it can list thousands).
MAX_PROBLEMS = 20


@dataclass
class DatabaseReport:
    """``method`` says how the database was checked; ``problems`` is empty when it is sound."""

    method: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(engine: Engine) -> DatabaseReport:
    """SQLite: ``PRAGMA integrity_check`` (every page, index and constraint of the file).
    PostgreSQL: every table read through (which reads every heap page), and every B-tree index
    checked with ``amcheck`` when that extension is installed (``CREATE EXTENSION amcheck``).
    A database too damaged to answer is reported as a problem, never raised.

    Runs in a read-only transaction of its own: it never waits for a writer (an upload in
    progress) nor holds one up."""
    with Session(engine) as session:
        return _check(session)


def _check(session: Session) -> DatabaseReport:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        report = DatabaseReport("SQLite PRAGMA integrity_check")
        try:
            rows = [r[0] for r in session.exec(text("PRAGMA integrity_check")).all()]
        except DBAPIError as exc:
            session.rollback()
            return DatabaseReport(report.method, [_reason(exc)])
        report.problems = [r for r in rows if r != "ok"][:MAX_PROBLEMS]
        return report
    return _check_postgresql(session)


def _check_postgresql(session: Session) -> DatabaseReport:
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    amcheck = (
        session.exec(text("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")).first()
        is not None
    )
    method = f"PostgreSQL: {len(tables)} tables read through"
    method += ", B-tree indexes checked with amcheck" if amcheck else " (amcheck not installed)"
    report = DatabaseReport(method)
    for table in tables:
        try:
            with session.begin_nested():
                # count(*) walks every heap page of the table: a damaged page fails here.
                session.exec(text(f'SELECT count(*) FROM "{table}"')).one()  # noqa: S608
        except DBAPIError as exc:
            report.problems.append(f"table {table}: {_reason(exc)}")
    if amcheck:
        indexes = session.exec(
            text(
                "SELECT c.relname, c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE a.amname = 'btree' AND t.relname = ANY(:tables) ORDER BY c.relname"
            ).bindparams(tables=tables)
        ).all()
        for name, oid in indexes:
            try:
                with session.begin_nested():
                    session.exec(text("SELECT bt_index_check(:oid)").bindparams(oid=oid))
            except DBAPIError as exc:
                report.problems.append(f"index {name}: {_reason(exc)}")
    session.rollback()
    return report


@dataclass
class DossierReport:
    checked: int = 0
    tampered: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    # Dossiers whose printed audit chain head the chain no longer holds with that hash.
    untied: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.tampered or self.missing or self.untied)


def verify_dossiers(session: Session, vault: VaultBackend) -> DossierReport:
    """Re-hash the stored PDF of every registered (built) dossier against its row's sha256."""
    report = DossierReport()
    rows = session.exec(
        select(Dossier).where(Dossier.sha256.is_not(None)).order_by(Dossier.id)
    ).all()
    for dossier in rows:
        report.checked += 1
        verdict = vault.verify(dossier.sha256)
        entry = {
            "dossier_id": dossier.id,
            "number": dossier.number,
            "matter_id": dossier.matter_id,
            "sha256": dossier.sha256,
        }
        if verdict == "tampered":
            report.tampered.append(entry)
        elif verdict == "missing":
            report.missing.append(entry)
        if dossier.audit_seq:
            # The walk of the whole chain is verify's own step; here only: is the event the
            # dossier printed on its cover still there, with the hash it printed?
            kept = session.exec(
                select(AuditEvent.hash).where(AuditEvent.seq == dossier.audit_seq)
            ).first()
            if kept != dossier.audit_hash:
                report.untied.append(
                    {**entry, "audit_seq": dossier.audit_seq, "audit_hash": dossier.audit_hash}
                )
    return report


def _reason(exc: DBAPIError) -> str:
    return " ".join(str(exc.orig).split()) or type(exc.orig).__name__
