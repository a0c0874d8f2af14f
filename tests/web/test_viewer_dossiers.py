"""Viewers change nothing: they download and verify dossiers but cannot build one (a build
registers a record and custody events). Browser and CLI say the same."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from tests.conftest import login
from tests.factories import add_member, make_matter, make_user
from tracker.models import AuditEvent, Dossier
from tracker.services import dossiers


@pytest.fixture
def members(session):
    owner, editor, viewer = make_user(session), make_user(session), make_user(session)
    matter = make_matter(session, owner, reference="2022-법무-009")
    add_member(session, matter, owner, editor, role="editor")
    add_member(session, matter, owner, viewer, role="viewer")
    return {"matter": matter, "editor": editor, "viewer": viewer}


@pytest.fixture
def world(app, session, members):
    """The members, and one dossier an editor built."""
    matter, editor = members["matter"], members["editor"]
    row = dossiers.request_build(
        session=session,
        actor=editor,
        matter_id=matter.id,
        purpose="civil",
        at=datetime(2022, 3, 2, tzinfo=UTC),
    )
    row = dossiers.run_build(
        engine=app.extensions["tracker.engine"],
        vault=app.extensions["tracker.vault"],
        settings=app.config["TRACKER"],
        dossier_id=row.id,
        sign=False,
    )
    assert row.status == "done", row.error
    return {**members, "dossier": row}


def _state(session) -> tuple[int, int, str | None]:
    session.rollback()
    return (
        session.exec(select(func.count()).select_from(Dossier)).one(),
        session.exec(select(func.count()).select_from(AuditEvent)).one(),
        session.exec(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first(),
    )


def test_viewer_sees_no_build_form_and_a_build_is_refused(client, session, world):
    m = world["matter"].id
    login(client, world["viewer"])
    page = client.get(f"/matters/{m}/dossiers/").get_data(as_text=True)
    assert 'name="purpose"' not in page and "증거자료집 작성" not in page
    assert "작성은 편집자와 관리자가 합니다" in page
    assert f"/matters/{m}/dossiers/{world['dossier'].id}/download" in page
    assert 'name="pdf"' in page  # the verify form
    before = _state(session)
    refused = client.post(f"/matters/{m}/dossiers/", data={"purpose": "civil", "lang": "ko"})
    assert refused.status_code == 403
    assert _state(session) == before


def test_viewer_downloads_and_verifies_an_existing_dossier(client, session, world):
    m, row = world["matter"].id, world["dossier"]
    login(client, world["viewer"])
    pdf = client.get(f"/matters/{m}/dossiers/{row.id}/download")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
    checked = client.post(
        f"/matters/{m}/dossiers/verify",
        data={"pdf": (io.BytesIO(pdf.data), "d.pdf")},
        content_type="multipart/form-data",
    )
    assert checked.status_code == 200 and row.number in checked.get_data(as_text=True)


def test_editor_sees_the_build_form(client, session, members):
    login(client, members["editor"])
    page = client.get(f"/matters/{members['matter'].id}/dossiers/").get_data(as_text=True)
    assert 'name="purpose"' in page


def test_viewer_cannot_build_from_the_cli(runner, session, members, tmp_path):
    before = _state(session)
    out = tmp_path / "x.pdf"
    result = runner.invoke(
        args=[
            "dossier",
            "build",
            "--matter",
            "2022-법무-009",
            "--purpose",
            "civil",
            "--out",
            str(out),
            "--as",
            members["viewer"].email,
        ]
    )
    assert result.exit_code == 1
    assert "does not allow this change" in result.output
    assert not out.exists()
    assert _state(session) == before
