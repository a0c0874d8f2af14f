"""Engine per app, session per request or command.

SQLite runs in WAL mode with foreign keys on.

**Write transactions begin IMMEDIATE on SQLite.** Under WAL, a transaction opened with a plain
(deferred) BEGIN reads from a snapshot and asks for the single writer lock only at its first
write. If another connection committed after that snapshot was taken, SQLite cannot let the
transaction write (what it read is stale) and answers "database is locked" at once: the busy
timeout does not apply, because no amount of waiting makes the snapshot current. Every request
reads before it writes (the signed-in user, the access check), so with eight people saving at
once about half the saves failed this way. ``BEGIN IMMEDIATE`` takes the writer lock before the
first read: a second writer then waits for it (``busy_timeout``, 30 s), and every read inside a
write transaction is current. Which transactions write:

- a web request whose method is not GET, HEAD or OPTIONS, or a GET view marked ``@writes`` (a
  download that records a custody event first): ``get_session`` binds it to ``writer``;
- CLI commands and worker jobs: ``get_session`` outside a request, and ``session_scope``;
- sessions a service opens on an engine itself (the worker's runs): ``Session(writer(engine))``,
  or a first statement that is itself the write (``UPDATE … WHERE``, an ``INSERT``): a
  transaction that has read nothing yet gets the busy timeout too (jobstate, workers).

Reads (GET requests, ``reader``) keep a deferred BEGIN: under WAL a reader neither waits for
the writer nor holds it up, so a long read (a dossier's context, a page) never delays a save.
A reader transaction that writes after it has read raises ``WriteInReadTransaction`` at once,
rather than failing only under load; a GET view that records something is marked ``@writes``.
A bare ``Session(engine)`` (tests, scripts) begins deferred, as before.

Audit chain: a service's write transaction holds SQLite's writer lock from its first statement,
so the chain head it reads is the latest. PostgreSQL serialises chain appends with an advisory
lock (services.audit), and ``writer`` / ``reader`` change nothing there (row locks wait on their
own). A unique ``seq`` backs both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool
from sqlmodel import Session

BEGIN = "tracker_begin"  # the execution option ``writer`` and ``reader`` set
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE_SQL = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
BEGIN_SQL = re.compile(r"\s*BEGIN\b", re.IGNORECASE)
_FIRST = "tracker_first_statement"  # per connection: did this transaction read or write first

View = TypeVar("View", bound=Callable)


class WriteInReadTransaction(RuntimeError):
    """A programming error: code that writes ran in a transaction opened for reading only."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, poolclass=NullPool
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every test
            # Let SQLAlchemy, not pysqlite, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            if conn.get_execution_options().get(BEGIN) == "immediate":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")
            conn.info[_FIRST] = None

        @event.listens_for(engine, "before_cursor_execute")
        def _no_write_after_read(conn, _cursor, statement, _params, _context, _many):
            # In a reader, a write is refused once the transaction has read: that is the
            # stale-snapshot case. A write as the first statement is safe (SQLite's busy
            # handler applies to it), and what follows it holds the lock.
            if conn.get_execution_options().get(BEGIN) != "deferred" or BEGIN_SQL.match(statement):
                return
            writing = bool(_WRITE_SQL.match(statement))
            first = conn.info.setdefault(_FIRST, None)
            if first is None:
                conn.info[_FIRST] = "write" if writing else "read"
            elif writing and first == "read":
                raise WriteInReadTransaction(
                    "a write after a read in a read-only transaction: open it with "
                    f"db.writer(engine), or mark the GET view @db.writes ({statement[:60]!r})"
                )

        return engine
    return create_engine(url, pool_pre_ping=True)


def writer(app_engine: Engine) -> Engine:
    """The engine for transactions that write: on SQLite they begin IMMEDIATE."""
    return app_engine.execution_options(**{BEGIN: "immediate"})


def reader(app_engine: Engine) -> Engine:
    """The engine for transactions that only read: deferred, and refusing writes on SQLite."""
    return app_engine.execution_options(**{BEGIN: "deferred"})


def writes(view: View) -> View:
    """Mark a GET view that records something (a custody event before a download): its
    request's transaction begins IMMEDIATE, as a POST's does."""
    view.tracker_writes = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    app.extensions["tracker.engine"] = make_engine(app.config["TRACKER"].database_url)
    # A request inside an outer app context (a CLI command, a test) shares its ``g``: close
    # the session at the end of each request too, so no request reads another's snapshot.
    app.teardown_request(_close_session)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["tracker.engine"]


def get_session() -> Session:
    """The request's (or command's) session, opened on first use: a reader for a GET request,
    a writer for any other request, CLI command or job."""
    if "db_session" not in g:
        bind = reader(engine()) if _request_only_reads() else writer(engine())
        g.db_session = Session(bind, expire_on_commit=False)
    return g.db_session


def _request_only_reads() -> bool:
    if not has_request_context() or request.method not in READ_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "tracker_writes", False)


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        # Whatever a failed request wrote is rolled back here: nothing half-written stays.
        session.rollback()
        session.close()


@contextmanager
def session_scope(app_engine: Engine) -> Iterator[Session]:
    """A session that may write, outside a request, for workers and scripts."""
    session = Session(writer(app_engine), expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
