"""Real ``python -m tracker.cli worker`` processes building the demo dossier: killed (SIGKILL),
stopped (SIGTERM, what systemd and docker send), stopped past the grace period. No build is
ever left "running"."""

from __future__ import annotations

import signal

import pytest
from sqlmodel import Session, select

from tests.worker_helpers import instance_env, start_worker, stop, wait_for, worker_row
from tracker.models import Dossier, User
from tracker.services import dossiers


@pytest.fixture
def demo(runner, session):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    admin = session.exec(select(User).where(User.email == "admin@example.com")).one()
    session.commit()
    return admin


def _row(engine, dossier_id: int) -> Dossier:
    with Session(engine, expire_on_commit=False) as s:
        return s.get(Dossier, dossier_id)


def _queue_build(app, session, admin) -> int:
    row = dossiers.request_build(session=session, actor=admin, matter_id=1, purpose="civil")
    app.extensions["tracker.jobs"]["build_dossier"](row.id)  # into the instance's queue
    return row.id


def _rendering(engine, dossier_id: int):
    row = _row(engine, dossier_id)
    return row if row.status == "running" and row.progress >= 30 else None


def test_a_killed_worker_s_build_is_failed_with_a_reason_then_retried(
    app, app_config, client, session, demo, tmp_path
):
    engine = app.extensions["tracker.engine"]
    env = instance_env(app_config)
    first = start_worker(env, engine, tmp_path / "first.log")
    try:
        dossier_id = _queue_build(app, session, demo)
        wait_for("the build to render", lambda: _rendering(engine, dossier_id))
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        stop(first)
    assert _row(engine, dossier_id).status == "running"  # nobody has noticed yet

    second = start_worker(env, engine, tmp_path / "second.log")
    try:
        # The new worker's first sweep finds the dead one's build.
        row = wait_for(
            "the sweep", lambda: (r := _row(engine, dossier_id)).status == "failed" and r, 30
        )
        assert row.error_code == "worker_stopped" and row.progress == 100
        password = (app_config["instance_dir"] / "admin-password.txt").read_text().strip()
        client.post("/login", data={"email": demo.email, "password": password})
        page = client.get(f"/matters/1/dossiers/{dossier_id}").get_data(as_text=True)
        assert "작업이 끝나기 전에 워커가 멈췄습니다. 다시 시도하세요." in page
        assert ">다시 시도</button>" in page

        assert client.post(f"/matters/1/dossiers/{dossier_id}/retry").status_code == 302
        row = wait_for(
            "the retried build",
            lambda: (r := _row(engine, dossier_id)).status in ("done", "failed") and r,
            240,
        )
        assert row.status == "done" and row.attempts == 2
        assert row.worker.split(":")[1] == str(second.pid)
    finally:
        stop(second)


def test_sigterm_lets_the_running_build_finish(app, app_config, session, demo, tmp_path):
    engine = app.extensions["tracker.engine"]
    worker = start_worker(instance_env(app_config), engine, tmp_path / "worker.log")
    try:
        dossier_id = _queue_build(app, session, demo)
        wait_for("the build to render", lambda: _rendering(engine, dossier_id))
        worker.send_signal(signal.SIGTERM)
        assert _row(engine, dossier_id).status == "running"  # the signal came mid-build
        assert worker.wait(timeout=240) == 0
    finally:
        stop(worker)
    row = _row(engine, dossier_id)
    assert row.status == "done" and row.sha256 and row.attempts == 1
    assert worker_row(engine, worker.pid).stopped_at is not None


def test_sigterm_past_the_grace_puts_the_build_back_in_the_queue(
    app, app_config, session, demo, tmp_path
):
    engine = app.extensions["tracker.engine"]
    env = instance_env(app_config)
    worker = start_worker(env, engine, tmp_path / "first.log", "--grace", "0")
    try:
        dossier_id = _queue_build(app, session, demo)
        wait_for("the build to render", lambda: _rendering(engine, dossier_id))
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        stop(worker)
    row = _row(engine, dossier_id)
    assert row.status == "queued" and row.worker == "" and row.attempts == 1

    # The next worker takes it from the queue and builds it.
    second = start_worker(env, engine, tmp_path / "second.log")
    try:
        row = wait_for(
            "the requeued build",
            lambda: (r := _row(engine, dossier_id)).status in ("done", "failed") and r,
            240,
        )
        assert row.status == "done" and row.attempts == 2
    finally:
        stop(second)
