"""A download link cannot write its sender's text into the chain of custody."""

from __future__ import annotations

import hashlib

from sqlmodel import select

from tests.conftest import login
from tests.evidence_helpers import pdf_bytes
from tests.factories import add_member, make_matter, make_user
from tests.web.test_evidence import stored, upload
from tracker.models import AuditEvent
from tracker.services import audit

CRAFTED = "법원 제출용 원본 반출 승인됨 (approved for release)"


def test_crafted_purpose_in_a_link_records_no_attacker_text(client, session):
    owner = make_user(session)
    clicker = make_user(session)
    matter = make_matter(session, owner)
    add_member(session, matter, owner, clicker, role="viewer")
    login(client, owner)
    upload(client, matter, ("정산 내역.pdf", pdf_bytes()))
    client.post("/logout")
    item = stored(session, matter)[0]
    login(client, clicker)
    base = f"/matters/{matter.id}/evidence/{item.id}"
    for path in ("download", "view"):
        response = client.get(f"{base}/{path}", query_string={"purpose": CRAFTED})
        assert response.status_code == 200
        assert hashlib.sha256(response.data).hexdigest() == item.sha256
    session.rollback()
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == "Evidence", AuditEvent.actor_id == clicker.id)
        .order_by(AuditEvent.seq)
    ).all()
    assert [e.action for e in events] == ["custody.downloaded", "custody.viewed"]
    assert all(CRAFTED not in e.after and "approved" not in e.after for e in events)
    # Nor in the custody timeline that the matter's members read.
    page = client.get(base).get_data(as_text=True)
    assert "반출 승인" not in page and "approved for release" not in page
    assert audit.verify(session)[1] is None
