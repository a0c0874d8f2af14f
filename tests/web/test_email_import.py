"""Email import end to end: a real EUC-KR .eml uploaded in the browser becomes correspondence,
its attachments become linked exhibits, and a second upload is recognised, not doubled."""

import io
import unicodedata

import pytest
from sqlmodel import select

from tests.conftest import login
from tests.factories import make_matter, make_user
from tests.mailimport import samples
from tracker.models import Correspondence, Evidence


@pytest.fixture
def world(session):
    owner = make_user(session)
    return owner, make_matter(session, owner, reference="2022-법무-001")


def upload(client, matter, name, content):
    return client.post(
        f"/matters/{matter.id}/evidence/upload",
        data={"files": [(io.BytesIO(content), name)]},
        content_type="multipart/form-data",
    )


def test_euc_kr_email_becomes_correspondence_with_attachments(client, session, world):
    owner, matter = world
    login(client, owner)
    assert upload(client, matter, "정산.eml", samples.euckr_message()).status_code == 302
    entry = session.exec(select(Correspondence)).one()
    assert entry.subject == samples.EUCKR_SUBJECT and entry.channel == "email"
    assert samples.EUCKR_SENDER_NAME in entry.sender
    assert "정산" in entry.body_text
    items = session.exec(select(Evidence).order_by(Evidence.id)).all()
    names = [e.display_name for e in items]
    assert names[0] == "정산.eml"
    assert samples.XLSX_NAME in names and samples.CSV_NAME_NFC in names
    children = [e for e in items if e.parent_id == items[0].id]
    assert len(children) == 2 and all(c.correspondence_id == entry.id for c in children)
    csv = next(c for c in children if c.display_name == samples.CSV_NAME_NFC)
    assert client.get(f"/matters/{matter.id}/evidence/{csv.id}/download").data == samples.CSV_BYTES
    assert unicodedata.is_normalized("NFC", csv.display_name)
    page = client.get(f"/matters/{matter.id}/correspondence/{entry.id}").get_data(as_text=True)
    assert samples.EUCKR_SUBJECT in page and samples.XLSX_NAME in page


def test_same_message_twice_is_not_doubled(client, session, world):
    owner, matter = world
    login(client, owner)
    upload(client, matter, "a.eml", samples.euckr_message())
    upload(client, matter, "a-copy.eml", samples.euckr_message())
    assert len(session.exec(select(Correspondence)).all()) == 1
    assert len(session.exec(select(Evidence).where(Evidence.parent_id.is_(None))).all()) == 1


def test_iso_2022_kr_and_utf8_messages_decode(client, session, world):
    owner, matter = world
    login(client, owner)
    upload(client, matter, "iso.eml", samples.iso2022kr_message())
    upload(client, matter, "utf8.eml", samples.utf8_message())
    subjects = {c.subject for c in session.exec(select(Correspondence))}
    assert samples.ISO_SUBJECT in subjects and len(subjects) == 2


def test_truncated_message_imports_what_it_can_and_says_what_not(client, session, world):
    owner, matter = world
    login(client, owner)
    raw = samples.report_message()
    cut = raw[: len(raw) * 2 // 3]
    assert upload(client, matter, "cut.eml", cut).status_code == 302
    entry = session.exec(select(Correspondence)).one()
    assert entry.import_problems
    page = client.get(f"/matters/{matter.id}/correspondence/{entry.id}").get_data(as_text=True)
    assert "다 읽지 못한 부분" in page
