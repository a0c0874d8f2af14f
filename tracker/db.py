"""Engine per app, session per request or command.

SQLite runs in WAL mode with foreign keys on. A service's first write takes SQLite's single
writer lock, and every audit append comes after that write, so the chain head it reads is the
latest (WAL refuses a writer with a stale snapshot). PostgreSQL serialises chain appends with an
advisory lock (services.audit). A unique ``seq`` backs both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool
from sqlmodel import Session


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
            conn.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    app.extensions["tracker.engine"] = make_engine(app.config["TRACKER"].database_url)
    # A request inside an outer app context (a CLI command, a test) shares its ``g``: close
    # the session at the end of each request too, so no request reads another's snapshot.
    app.teardown_request(_close_session)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["tracker.engine"]


def get_session() -> Session:
    """The request's (or command's) session, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        # Whatever a failed request wrote is rolled back here: nothing half-written stays.
        session.rollback()
        session.close()


@contextmanager
def session_scope(app_engine: Engine) -> Iterator[Session]:
    """A session outside a request, for workers and scripts."""
    session = Session(app_engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
