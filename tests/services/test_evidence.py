"""Exhibits against the real vault directory and the real database."""

import io
import os
import stat
import unicodedata

import pytest
from sqlmodel import func, select

from tests.evidence_helpers import ELF, pdf_bytes
from tests.factories import add_member, make_matter, make_user
from tracker.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tracker.models import AuditEvent, Evidence
from tracker.services import evidence
from tracker.vault.local import LocalVault


@pytest.fixture
def vault(tmp_path):
    return LocalVault(tmp_path / "vault")


@pytest.fixture
def owner(session):
    return make_user(session)


@pytest.fixture
def matter(session, owner):
    return make_matter(session, owner, label_scheme="gap")


def add(session, vault, actor, matter, *files, **meta):
    uploads = [evidence.Upload(name, io.BytesIO(data)) for name, data in files]
    return evidence.add_files(
        session=session, vault=vault, actor=actor, matter_id=matter.id, uploads=uploads, **meta
    )


def objects(vault):
    return sorted(vault.iter_objects())


def test_same_bytes_are_stored_once_and_recognised(session, vault, owner, matter):
    data = pdf_bytes()
    first = add(session, vault, owner, matter, ("공문.pdf", data))[0]
    again = add(session, vault, owner, matter, ("사본.pdf", data))[0]
    assert first.created and not again.created and again.evidence.id == first.evidence.id
    assert objects(vault) == [first.evidence.sha256]
    path = vault.path_hint(first.evidence.sha256)
    assert path.read_bytes() == data
    assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert first.evidence.media_type == "application/pdf" and first.evidence.inline_safe


def test_received_custody_event_is_in_the_audit_chain(session, vault, owner, matter):
    item = add(session, vault, owner, matter, ("a.pdf", pdf_bytes()))[0].evidence
    actions = [e.action for e in evidence.custody_timeline(session, item.id)]
    assert actions == ["create", "custody.received"]
    from tracker.services import audit

    assert audit.verify(session)[1] is None


def test_nfd_korean_name_kept_exactly_and_shown_nfc(session, vault, owner, matter):
    nfd = unicodedata.normalize("NFD", "정산내역.pdf")
    item = add(session, vault, owner, matter, (nfd, pdf_bytes()))[0].evidence
    assert item.original_filename == nfd
    assert item.display_name == "정산내역.pdf"


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "a\x00b\x1b[31m.pdf", "가" * 300 + ".pdf", "evil\u202efdp.exe"]
)
def test_hostile_names_are_kept_but_never_touch_the_filesystem(session, vault, owner, matter, name):
    item = add(session, vault, owner, matter, (name, b"%PDF-1.4 hostile " + name.encode()))[0]
    assert item.error == ""
    assert item.evidence.original_filename == name.replace("\x00", "\u2400")
    assert "\x00" not in item.evidence.display_name and "\x1b" not in item.evidence.display_name
    assert all(p.name.startswith(("objects", "tmp")) for p in vault.root.iterdir())


def test_empty_file_is_refused_while_the_others_land(session, vault, owner, matter):
    results = add(session, vault, owner, matter, ("empty.pdf", b""), ("ok.pdf", pdf_bytes()))
    assert results[0].error and results[0].evidence is None
    assert results[1].created
    assert session.exec(select(func.count()).select_from(Evidence)).one() == 1
    assert len(objects(vault)) == 1


def test_over_the_limit_names_it_and_stores_nothing(session, vault, owner, matter):
    result = add(session, vault, owner, matter, ("big.bin", b"x" * 2048), max_bytes=1024)[0]
    assert "upload limit of 1,024 bytes" in result.error and result.evidence is None
    assert objects(vault) == [] and list((vault.root / "tmp").iterdir()) == []


def test_interrupted_stream_leaves_no_record_and_no_object(session, vault, owner, matter):
    class Broken(io.RawIOBase):
        def __init__(self):
            self.sent = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.sent > 3 * 1024 * 1024:
                raise ConnectionResetError("client went away")
            buffer[: len(buffer)] = b"x" * len(buffer)
            self.sent += len(buffer)
            return len(buffer)

    with pytest.raises(ConnectionResetError):
        evidence.add_files(
            session=session,
            vault=vault,
            actor=owner,
            matter_id=matter.id,
            uploads=[evidence.Upload("big.pdf", Broken())],
        )
    session.rollback()
    assert session.exec(select(func.count()).select_from(Evidence)).one() == 0
    assert objects(vault) == [] and list((vault.root / "tmp").iterdir()) == []


def test_executable_renamed_pdf_is_stored_flagged_never_inline(session, vault, owner, matter):
    item = add(session, vault, owner, matter, ("계약서.pdf", ELF))[0].evidence
    assert item.type_mismatch and not item.inline_safe
    assert "pdf" not in item.media_type


def test_viewer_cannot_upload_and_no_bytes_are_stored(session, vault, owner, matter):
    viewer = make_user(session)
    add_member(session, matter, owner, viewer, "viewer")
    with pytest.raises(Forbidden):
        add(session, vault, viewer, matter, ("a.pdf", pdf_bytes()))
    stranger = make_user(session)
    with pytest.raises(NotFound):
        add(session, vault, stranger, matter, ("a.pdf", pdf_bytes()))
    assert objects(vault) == []


def test_labels_run_in_order_branch_and_are_never_reused(session, vault, owner, matter):
    a, b, c, d = (
        add(session, vault, owner, matter, (f"{n}.pdf", pdf_bytes(n)))[0].evidence for n in "abcd"
    )

    def mark(item, **kw):
        return evidence.mark_for_production(
            session=session, actor=owner, matter_id=matter.id, evidence_id=item.id, **kw
        )

    assert evidence.label_of(mark(a), "gap") == "갑 제1호증"
    assert evidence.label_of(mark(b), "gap") == "갑 제2호증"
    evidence.withdraw(
        session=session, actor=owner, matter_id=matter.id, evidence_id=b.id, reason="중복 제출"
    )
    assert evidence.label_of(mark(c), "gap") == "갑 제3호증"  # 2 stays taken by the withdrawn one
    assert evidence.label_of(mark(d, branch_of=c.id), "gap") == "갑 제3호증의 2"
    session.refresh(c)
    assert evidence.label_of(c, "gap") == "갑 제3호증의 1"
    session.refresh(b)
    assert b.withdrawn_reason == "중복 제출" and b.label_number == 2
    assert vault.exists(b.sha256)
    with pytest.raises(Conflict):
        mark(a)
    with pytest.raises(ValidationFailed):
        evidence.renumber(
            session=session,
            actor=owner,
            matter_id=matter.id,
            evidence_id=a.id,
            number=3,
            branch=1,
            reason="x",
        )
    session.rollback()
    evidence.renumber(
        session=session,
        actor=owner,
        matter_id=matter.id,
        evidence_id=a.id,
        number=9,
        branch=0,
        reason="법원 지시로 재정리",
    )
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "renumber")).one()
    assert '"reason":"법원 지시로 재정리"' in event.after and '"label_number":1' in event.before


def test_metadata_edit_is_audited_old_to_new(session, vault, owner, matter):
    item = add(session, vault, owner, matter, ("a.pdf", pdf_bytes()))[0].evidence
    evidence.update(
        session=session,
        actor=owner,
        matter_id=matter.id,
        evidence_id=item.id,
        author="한국간편결제진흥원",
        made_on="2021-12-15",
        is_original=True,
        proves="영업기밀을 이유로 이관을 거부한 사실",
    )
    event = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "Evidence", AuditEvent.action == "update")
    ).one()
    assert '"author":""' in event.before and '"author":"한국간편결제진흥원"' in event.after
    assert '"made_on":"2021-12-15"' in event.after
    with pytest.raises(ValidationFailed):
        evidence.update(
            session=session,
            actor=owner,
            matter_id=matter.id,
            evidence_id=item.id,
            made_on="2021-02-30",
        )


def test_links_only_within_the_matter(session, vault, owner, matter):
    from tracker.services import records

    item = add(session, vault, owner, matter, ("a.pdf", pdf_bytes()))[0].evidence
    fact = records.add_fact(
        session=session,
        actor=owner,
        matter_id=matter.id,
        text="거부 회신",
        occurred_on="2021-12-15",
    )
    evidence.link(
        session=session,
        actor=owner,
        matter_id=matter.id,
        evidence_id=item.id,
        target_type="fact",
        target_id=fact.id,
    )
    assert [e.id for e in evidence.exhibits_for(session, matter.id, "fact", fact.id)] == [item.id]
    other = make_matter(session, owner, title="다른 사건")
    foreign = records.add_fact(session=session, actor=owner, matter_id=other.id, text="x")
    with pytest.raises(ValidationFailed):
        evidence.link(
            session=session,
            actor=owner,
            matter_id=matter.id,
            evidence_id=item.id,
            target_type="fact",
            target_id=foreign.id,
        )
