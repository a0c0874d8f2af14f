"""A periodic task runs once per schedule slot however many workers enqueue it, whether the
queue is SQLite-Huey or Redis-Huey: the claim is a row in the database."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tests.factories import make_matter, make_user
from tracker import create_app, jobs
from tracker.models import IntegrityCheck, PeriodicRun
from tracker.services import evidence, workers


def _one_exhibit(app, session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    evidence.add_files(
        session=session,
        vault=app.extensions["tracker.vault"],
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload("a.pdf", io.BytesIO(b"%PDF-1.4 test"))],
    )


def test_the_slot_is_the_schedules_latest_match():
    at = datetime(2022, 2, 21, 9, 7, 31, tzinfo=UTC)
    assert workers.slot_of(jobs.SCHEDULES["send_reminders"], at) == datetime(
        2022, 2, 21, 9, 0, tzinfo=UTC
    )
    # 03:00 KST is 18:00 UTC the day before; 09:07 UTC belongs to that night's slot.
    assert workers.slot_of(jobs.SCHEDULES["integrity_check"], at) == datetime(
        2022, 2, 20, 18, 0, tzinfo=UTC
    )


def test_a_periodic_task_called_twice_for_one_slot_runs_once(app, session):
    _one_exhibit(app, session)
    task = app.extensions["tracker.jobs"]["integrity_check"]
    first, second = task.call_local(), task.call_local()
    assert first["ok"] is True and first["objects"] == 1
    assert second["skipped"] is True
    assert len(session.exec(select(IntegrityCheck)).all()) == 1  # the vault re-hashed once

    now = datetime(2022, 2, 21, 0, 1, tzinfo=UTC)
    with app.app_context():
        assert "sent" in jobs.run_periodic("send_reminders", now=now)
        assert jobs.run_periodic("send_reminders", now=now)["skipped"] is True
        # The next slot runs again.
        assert "sent" in jobs.run_periodic("send_reminders", now=now.replace(minute=15))
    session.rollback()
    runs = workers.runs_of(session, "send_reminders")
    assert [r.slot.minute for r in runs] == [0, 15] and all(r.finished_at for r in runs)


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_workers_on_sqlite_huey_and_redis_huey_share_one_claim(app, app_config, session, redis_url):
    _one_exhibit(app, session)
    redis_app = create_app({**app_config, "redis_url": redis_url})
    try:
        assert type(redis_app.extensions["tracker.huey"]).__name__ == "RedisHuey"
        results = [
            a.extensions["tracker.jobs"]["integrity_check"].call_local() for a in (app, redis_app)
        ]
    finally:
        redis_app.extensions["tracker.engine"].dispose()
    assert results[0]["ok"] is True and results[1]["skipped"] is True
    assert len(session.exec(select(IntegrityCheck)).all()) == 1
    assert len(session.exec(select(PeriodicRun)).all()) == 1
