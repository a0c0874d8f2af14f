"""Fixtures: a fresh, migrated database per test, on SQLite always and on PostgreSQL when
TRACKER_TEST_DATABASE_URL is set (CI sets it).

The schema is built once per test session by Alembic (the real migrations), then each test
gets a copy (SQLite) or truncated tables (PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

import tracker.models  # noqa: F401
from tracker import create_app
from tracker.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = url
    cfg.attributes["skip_logging"] = True
    return cfg


def _worker() -> str:
    """This run's and this xdist worker's own name, so that two runs on one server (two
    developers, CI beside a session) never drop each other's databases."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
    return f"{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    return path


def pg_test_url(suffix: str = "") -> str:
    """A database of this xdist worker's own on the test server, created empty."""
    admin = make_url(PG_URL)
    name = f"tracker_test_{_worker()}{suffix}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_database():
    url = pg_test_url()
    command.upgrade(alembic_config(url), "head")
    yield url
    drop_pg_database(url)


def drop_pg_database(url: str) -> None:
    target = make_url(url)
    engine = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    engine.dispose()


def _truncate(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "tracker.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    _truncate(url)
    return url


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return {
        "instance_dir": tmp_path / "instance",
        "database_url": database_url,
        "storage_dir": tmp_path / "instance" / "vault",
        "secret_key": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "TESTING": True,
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    yield app
    app.extensions["tracker.engine"].dispose()


@pytest.fixture
def session(app):
    engine = app.extensions["tracker.engine"]
    # No app context here: each request and CLI call must push its own, as in production.
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def login(client, user, password: str | None = None):
    from tests.factories import PASSWORD

    response = client.post("/login", data={"email": user.email, "password": password or PASSWORD})
    assert response.status_code == 302, response.data[:500]
    return response


@pytest.fixture
def make_engine_for():
    engines = []

    def _make(url):
        engine = make_engine(url)
        engines.append(engine)
        return engine

    yield _make
    for engine in engines:
        engine.dispose()
