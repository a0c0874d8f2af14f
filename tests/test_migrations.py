"""Alembic owns the schema: the models and the migrations must agree, and migrations reverse."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from tests.conftest import BACKENDS, PG_URL, alembic_config, pg_test_url


def _url(backend, tmp_path, suffix):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    assert PG_URL
    return pg_test_url(suffix)


@pytest.mark.parametrize("backend", BACKENDS)
def test_models_and_migrations_agree(backend, tmp_path):
    url = _url(backend, tmp_path, "_agree")
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
    engine.dispose()
    assert diff == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_downgrade_upgrade(backend, tmp_path):
    url = _url(backend, tmp_path, "_cycle")
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(cfg, "head")
    engine = create_engine(url)
    assert {"matter", "demand", "response", "auditevent"} <= set(inspect(engine).get_table_names())
    engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrading_a_database_with_data_keeps_it(backend, tmp_path):
    """Rows written under the first schema survive every later revision (new NOT NULL
    columns get defaults)."""
    url = _url(backend, tmp_path, "_data")
    cfg = alembic_config(url)
    command.upgrade(cfg, "3a2a75e1944c")  # the first revision
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO matter (reference, title, kind, status, summary, our_side, label_scheme,"
            " created_at, updated_at) VALUES ('2022-법무-001', '사건', 'civil', 'open', '', '',"
            " 'gap', '2022-01-27 00:00:00', '2022-01-27 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO correspondence (matter_id, direction, channel, occurred_on, subject,"
            " summary, created_at) VALUES (1, 'in', 'email', '2022-01-10', '회신', '',"
            " '2022-01-10 00:00:00')"
        )
    engine.dispose()
    command.upgrade(cfg, "head")
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT subject, sender, body_text FROM correspondence").one()
    engine.dispose()
    assert tuple(row) == ("회신", "", "")
