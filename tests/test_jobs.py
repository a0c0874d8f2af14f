"""The background queue: the periodic integrity check records its result for the dashboard."""

import io

from sqlmodel import select

from tests.factories import make_matter, make_user
from tracker.models import IntegrityCheck
from tracker.services import evidence


def test_periodic_integrity_check_records_its_result(app, session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    evidence.add_files(
        session=session,
        vault=app.extensions["tracker.vault"],
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload("a.pdf", io.BytesIO(b"%PDF-1.4 test"))],
    )
    task = app.extensions["tracker.jobs"]["integrity_check"]
    summary = task.call_local()
    assert summary == {"ok": True, "objects": 1, "tampered": 0, "missing": 0, "orphans": 0}
    check = session.exec(select(IntegrityCheck)).one()
    assert check.trigger == "worker" and check.ok


def test_the_queue_is_sqlite_under_the_instance_dir_by_default(app):
    huey = app.extensions["tracker.huey"]
    assert type(huey).__name__ == "SqliteHuey"
    assert str(app.config["TRACKER"].instance_dir) in huey.storage.filename
    periodic = {t.__name__ for t in huey._registry._periodic_tasks}
    assert "integrity_check" in periodic
