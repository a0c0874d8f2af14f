"""A dossier build or an analysis always ends: done, failed with a reason the reader can read
(in their language, no Python internals), or cancelled; a failed one can be retried.
Through the browser and the CLI, in one process (the worker processes: test_worker_processes)."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from datetime import timedelta

from sqlmodel import select

from tests.conftest import login
from tests.factories import add_member, make_matter, make_user
from tracker.models import Analysis, AuditEvent, Dossier, Evidence, utcnow
from tracker.services import discrepancies, dossiers, evidence, jobstate

PYTHON_INTERNALS = re.compile(r"0x[0-9a-f]{6,}|Traceback|Error\(|Exception|<[a-z_.]+ object")


def _world(session):
    owner = make_user(session, locale="ko")
    matter = make_matter(session, owner)
    viewer = make_user(session, locale="en")
    add_member(session, matter, owner, viewer, "viewer")
    return owner, viewer, matter


def _reload(session, model, row_id):
    session.rollback()
    session.expire_all()
    return session.get(model, row_id)


def _break_dossier_cache(app):
    # A file where the render cache directory should be: the engine's mkdir raises an OSError,
    # an error no code in the build expects.
    cache = app.config["TRACKER"].instance_dir / "dossier-cache"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(b"not a directory")
    return cache


def test_an_unexpected_error_fails_the_build_with_a_reason_in_the_readers_language(
    app, client, session, caplog
):
    owner, viewer, matter = _world(session)
    cache = _break_dossier_cache(app)
    login(client, owner)
    with caplog.at_level(logging.ERROR, logger="tracker.services.jobstate"):
        response = client.post(f"/matters/{matter.id}/dossiers/", data={"purpose": "civil"})
    assert response.status_code == 302
    row = session.exec(select(Dossier)).one()
    row = _reload(session, Dossier, row.id)
    assert row.status == "failed" and row.error_code == "unexpected"
    assert json.loads(row.error_params) == {"reference": f"dossier-{row.id}-1"}
    # The details went to the log, with the reference that the page shows.
    assert f"dossier-{row.id}-1" in caplog.text and "NotADirectoryError" in caplog.text

    page = client.get(response.location).get_data(as_text=True)
    assert "예기치 않은 오류로 작업이 중단되었습니다" in page and f"dossier-{row.id}-1" in page
    assert not PYTHON_INTERNALS.search(page.split('id="progress"')[1][:1500])
    assert ">다시 시도</button>" in page  # the owner may retry

    client.post("/logout")
    login(client, viewer)  # an English reader, and a viewer: the reason, no buttons
    page = client.get(response.location).get_data(as_text=True)
    assert "An unexpected error stopped the job" in page and ">Retry</button>" not in page

    # Retry once the cause is gone: the same row is built, audited.
    client.post("/logout")
    login(client, owner)
    cache.unlink()
    response = client.post(f"/matters/{matter.id}/dossiers/{row.id}/retry")
    assert response.status_code == 302
    row = _reload(session, Dossier, row.id)
    assert row.status == "done" and row.attempts == 2 and row.error_code == ""
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.entity == "Dossier", AuditEvent.entity_id == str(row.id)
        )
    ).all()
    changes = [(e.actor.split(":")[0], json.loads(e.after).get("status")) for e in events]
    assert changes == [
        (owner.email, "queued"),  # requested
        ("worker", "failed"),
        (owner.email, "queued"),  # retried
        ("dossier", "done"),
    ]


def test_cli_build_prints_the_reason(app, runner, session):
    owner, _viewer, matter = _world(session)
    _break_dossier_cache(app)
    result = runner.invoke(
        args=["dossier", "build", "--matter", matter.reference, "--purpose", "civil",
              "--out", str(app.config["TRACKER"].instance_dir / "x.pdf"), "--as", owner.email]
    )  # fmt: skip
    assert result.exit_code == 1
    assert "예기치 않은 오류로 작업이 중단되었습니다(참조 번호 dossier-1-1)" in result.output
    assert not PYTHON_INTERNALS.search(result.output)

    cache = app.config["TRACKER"].instance_dir / "dossier-cache"
    cache.unlink()
    result = runner.invoke(
        args=["dossier", "retry", "--matter", matter.reference, "1", "--as", owner.email]
    )
    assert result.exit_code == 0, result.output
    assert "queued again (attempt 2)" in result.output and result.output.endswith("\tdone\n")
    result = runner.invoke(
        args=["dossier", "cancel", "--matter", matter.reference, "1", "--as", owner.email]
    )
    assert result.exit_code == 1 and "This job has already ended." in result.output


def test_retry_and_cancel_are_for_editors_and_audited(app, client, session):
    owner, viewer, matter = _world(session)
    row = dossiers.request_build(session=session, actor=owner, matter_id=matter.id, purpose="civil")
    login(client, viewer)
    assert client.post(f"/matters/{matter.id}/dossiers/{row.id}/cancel").status_code == 403
    assert _reload(session, Dossier, row.id).status == "queued"
    client.post("/logout")

    login(client, owner)
    page = client.get(f"/matters/{matter.id}/dossiers/{row.id}").get_data(as_text=True)
    assert "취소" in page  # a queued build offers cancel
    client.post(f"/matters/{matter.id}/dossiers/{row.id}/cancel")
    row = _reload(session, Dossier, row.id)
    assert row.status == "cancelled" and json.loads(row.error_params) == {"by": owner.email}
    page = client.get(f"/matters/{matter.id}/dossiers/{row.id}").get_data(as_text=True)
    assert f"{owner.email} 님이 취소했습니다." in page
    # A cancelled build the worker picks up later is left alone.
    assert dossiers.run_build(
        engine=app.extensions["tracker.engine"],
        vault=app.extensions["tracker.vault"],
        settings=app.config["TRACKER"],
        dossier_id=row.id,
    ).status == "cancelled"  # fmt: skip
    cancel = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "Dossier", AuditEvent.actor == owner.email)
    ).all()[-1]
    assert json.loads(cancel.before) == {"status": "queued"}
    assert json.loads(cancel.after)["status"] == "cancelled"

    # Cancelling what has ended is refused with a clear message.
    page = client.post(
        f"/matters/{matter.id}/dossiers/{row.id}/cancel", follow_redirects=True
    ).get_data(as_text=True)
    assert "이 작업은 이미 끝났습니다." in page


def test_sweep_fails_a_job_whose_worker_died_and_leaves_live_ones(app, client, session):
    owner, _viewer, matter = _world(session)
    engine = app.extensions["tracker.engine"]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    here = jobstate.process_name().rsplit(":", 2)[0]
    rows = {}
    for name, worker, age in (
        ("dead pid", f"{here}:{dead.pid}:1", 0),  # on this host, its process is gone
        ("silent", "elsewhere:12:1", 120),  # another host, no heartbeat for 2 minutes
        ("alive", "elsewhere:13:1", 5),  # another host, beating
    ):
        row = dossiers.request_build(
            session=session, actor=owner, matter_id=matter.id, purpose="civil"
        )
        row.status, row.worker, row.progress = "running", worker, 51
        row.heartbeat_at = utcnow() - timedelta(seconds=age)
        session.add(row)
        session.commit()
        rows[name] = row.id
    login(client, owner)
    # Viewing the page is enough to find out the worker died.
    page = client.get(f"/matters/{matter.id}/dossiers/{rows['dead pid']}").get_data(as_text=True)
    assert "작업이 끝나기 전에 워커가 멈췄습니다. 다시 시도하세요." in page
    swept = jobstate.sweep(engine)
    assert swept == [("Dossier", rows["silent"])]
    for name, status in (("dead pid", "failed"), ("silent", "failed"), ("alive", "running")):
        row = _reload(session, Dossier, rows[name])
        assert row.status == status, name
    assert _reload(session, Dossier, rows["silent"]).error_code == "worker_stopped"
    sweep_events = session.exec(select(AuditEvent).where(AuditEvent.actor == "worker-sweep")).all()
    assert len(sweep_events) == 2


def test_queued_job_with_no_worker_alive_is_failed_after_a_while(app, session):
    owner, _viewer, matter = _world(session)
    row = dossiers.request_build(session=session, actor=owner, matter_id=matter.id, purpose="civil")
    engine = app.extensions["tracker.engine"]
    assert jobstate.sweep(engine, now=utcnow() + timedelta(minutes=5)) == []
    assert jobstate.sweep(engine, now=utcnow() + timedelta(minutes=11)) == [("Dossier", row.id)]
    row = _reload(session, Dossier, row.id)
    assert row.status == "failed" and row.error_code == "no_worker"


def _csv_exhibit(app, session, owner, matter, text: str) -> Evidence:
    result = evidence.add_files(
        session=session,
        vault=app.extensions["tracker.vault"],
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload("merchants.csv", io.BytesIO(text.encode()))],
    )[0]
    return result.evidence


def test_analysis_failure_reason_retry_and_cancel(app, client, session, monkeypatch):
    import tempfile

    owner, viewer, matter = _world(session)
    item = _csv_exhibit(app, session, owner, matter, "가맹점ID,상호\nM1,가게\n")
    analysis = discrepancies.request_audit(
        session=session, actor=owner, matter_id=matter.id, evidence_id=item.id, profile="merchants"
    )
    # Scratch space the analysis cannot create: an OSError nobody expects.
    monkeypatch.setattr(tempfile, "tempdir", str(app.config["TRACKER"].instance_dir / "missing"))
    row = discrepancies.run(
        engine=app.extensions["tracker.engine"],
        vault=app.extensions["tracker.vault"],
        analysis_id=analysis.id,
    )
    assert row.status == "failed" and row.error_code == "unexpected"
    login(client, owner)
    url = f"/matters/{matter.id}/discrepancies/analyses/{analysis.id}"
    page = client.get(url).get_data(as_text=True)
    assert f"참조 번호 analysis-{analysis.id}-1" in page and ">다시 시도</button>" in page
    assert not PYTHON_INTERNALS.search(page.split('id="progress"')[1][:1500])

    monkeypatch.setattr(tempfile, "tempdir", None)
    assert client.post(f"{url}/retry").status_code == 302
    row = _reload(session, Analysis, analysis.id)
    assert row.status == "done" and row.attempts == 2

    assert client.post(f"{url}/retry", follow_redirects=True).status_code == 200
    assert _reload(session, Analysis, analysis.id).status == "done"  # refused: it is done
    client.post("/logout")
    login(client, viewer)
    assert client.post(f"{url}/cancel").status_code == 403


def test_a_refused_input_keeps_its_message_but_never_a_python_repr(app):
    from tracker.errors import ValidationFailed

    err = ValidationFailed(
        [("file", "cannot read <_io.BytesIO object at 0x7f3a2b1c9d80> as CSV: 가맹점ID missing")]
    )
    code, params = jobstate.failure_of(err)
    assert code == "refused"
    assert params == {"messages": ["cannot read (…) as CSV: 가맹점ID missing"]}
    row = Dossier(number="x", matter_id=1, purpose="civil", generated_at=utcnow())
    row.error_code, row.error_params = code, json.dumps(params)
    with app.test_request_context():
        assert jobstate.reason(row, locale="ko") == (
            "입력을 처리할 수 없습니다: cannot read (…) as CSV: 가맹점ID missing"
        )
        assert jobstate.reason(row, locale="en").startswith("The input was refused: ")
