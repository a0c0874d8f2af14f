"""How transactions begin on SQLite (tracker.db): a write request, a CLI command or a job
takes the writer lock up front, and so waits for another writer instead of failing on a stale
snapshot; a GET request stays deferred and may not write after it has read."""

from __future__ import annotations

import shutil
import threading
import time

import pytest
from sqlalchemy import event, text
from sqlmodel import Session

from tests.conftest import login
from tests.factories import make_matter, make_user
from tracker import db
from tracker.models import Fact


def _begins(engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    return seen


@pytest.fixture
def database_url(tmp_path, sqlite_template) -> str:
    """These tests run on SQLite only: the BEGIN modes are SQLite's (PostgreSQL is left as
    it was, and its saves are tested in test_concurrent_saves)."""
    path = tmp_path / "tracker.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_app(app):
    return app


def test_a_save_begins_immediate_and_a_page_read_deferred(sqlite_app, session, client):
    owner = make_user(session)
    matter = make_matter(session, owner)
    session.commit()
    login(client, owner)
    seen = _begins(sqlite_app.extensions["tracker.engine"])
    response = client.post(
        f"/matters/{matter.id}/facts/new",
        data={"occurred_on": "2022-03-02", "precision": "day", "text": "저장", "status": "unsure"},
    )
    assert response.status_code == 302
    assert seen and set(seen) == {"BEGIN IMMEDIATE"}
    seen.clear()
    assert client.get(f"/matters/{matter.id}").status_code == 200
    assert seen and set(seen) == {"BEGIN"}


def test_cli_commands_begin_immediate(sqlite_app):
    seen = _begins(sqlite_app.extensions["tracker.engine"])
    result = sqlite_app.test_cli_runner().invoke(
        args=["user", "create", "--email", "cli@example.com", "--name", "씨엘아이"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert seen and set(seen) == {"BEGIN IMMEDIATE"}


def test_a_reader_that_writes_after_reading_is_refused(sqlite_app, session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    session.commit()
    reader = db.reader(sqlite_app.extensions["tracker.engine"])
    with Session(reader) as s:
        s.exec(text("SELECT count(*) FROM fact")).one()
        s.add(Fact(matter_id=matter.id, text="몰래", status="unsure", precision="day"))
        with pytest.raises(db.WriteInReadTransaction):
            s.flush()
    # A write as the first statement is fine: nothing stale was read.
    with Session(reader) as s:
        s.exec(text("UPDATE fact SET text = text"))
        s.commit()


def test_a_writer_waits_for_the_lock_where_a_deferred_read_then_write_fails(sqlite_app, session):
    """Why tracker.db begins writes IMMEDIATE: another process commits while this one holds
    a snapshot; deferred, the write fails at once, whatever the busy timeout."""
    owner = make_user(session)
    make_matter(session, owner)
    session.commit()
    engine = sqlite_app.extensions["tracker.engine"]
    held = threading.Event()

    def other_writer():
        with Session(db.writer(engine)) as s:
            s.exec(text("UPDATE matter SET title = title || '.'"))
            held.set()
            time.sleep(0.5)
            s.commit()

    # Deferred: read, someone else writes and commits, then write -> "database is locked".
    with Session(engine) as deferred:
        deferred.exec(text("SELECT count(*) FROM matter")).one()
        thread = threading.Thread(target=other_writer)
        thread.start()
        held.wait(5)
        thread.join()
        started = time.monotonic()
        with pytest.raises(Exception, match="database is locked"):
            deferred.exec(text("UPDATE matter SET status = status"))
        assert time.monotonic() - started < 5  # at once: the busy timeout never applied
    # IMMEDIATE: the same order of events waits for the other writer, then succeeds.
    held.clear()
    thread = threading.Thread(target=other_writer)
    thread.start()
    held.wait(5)
    with Session(db.writer(engine)) as immediate:
        immediate.exec(text("SELECT count(*) FROM matter")).one()
        immediate.exec(text("UPDATE matter SET status = status"))
        immediate.commit()
    thread.join()
