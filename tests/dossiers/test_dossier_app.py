"""Dossiers of the demo matter, built through the CLI and the browser, opened and checked."""

import json
import subprocess

import pikepdf
import pytest
from pypdf import PdfReader
from sqlmodel import select

from tests.conftest import login
from tests.factories import make_user
from tracker.models import AuditEvent, Dossier, User

pytestmark = pytest.mark.xdist_group("dossier")


@pytest.fixture
def demo(runner, session):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    admin = session.exec(select(User).where(User.email == "admin@example.com")).one()
    session.commit()  # end this read so later queries see what the CLI and requests commit
    return admin


def build(runner, tmp_path, admin, purpose="civil", *extra):
    out = tmp_path / f"{purpose}.pdf"
    result = runner.invoke(
        args=[
            "dossier",
            "build",
            "--matter",
            "2022-법무-001",
            "--purpose",
            purpose,
            "--out",
            str(out),
            "--as",
            admin.email,
            *extra,
        ]
    )
    assert result.exit_code == 0, result.output
    return out, result.output


def test_civil_dossier_is_registered_signed_and_verifies(runner, session, demo, tmp_path):
    out, output = build(runner, tmp_path, demo, "civil", "--at", "2022-03-02T09:00+09:00")
    session.rollback()
    row = session.exec(select(Dossier)).one()
    assert row.status == "done" and row.number == "D-2022-법무-001-0001" and row.sha256 in output
    assert row.generated_at.isoformat() == "2022-03-02T00:00:00+00:00"
    inside = json.loads(row.exhibits)
    assert [x["label"] for x in inside] == [f"갑 제{n}호증" for n in range(1, 8)]
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "서울사랑상품권" in text and "증거설명서" in text and "갑 제1호증" in text
    reader = PdfReader(out)
    assert len(reader.pages) == row.page_count
    # Each exhibit's first page carries its label.
    for x in inside:
        assert x["label"] in reader.pages[x["start_page"] - 1].extract_text()
    assert f"{row.page_count}" in reader.pages[-1].extract_text()
    verified = runner.invoke(args=["dossier", "verify", str(out), "--json"])
    report = json.loads(verified.output)
    assert verified.exit_code == 0 and report["ok"] and report["dossier"]["number"] == row.number
    assert report["signature"]["timestamp_valid"] is True
    # Custody: every exhibit inside got an "included in a dossier" event.
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "custody.included_in_dossier")
    ).all()
    assert len(events) == 7
    assert runner.invoke(args=["verify"]).exit_code == 0  # the dossier PDF is not an orphan


def test_one_changed_byte_fails_verification(runner, session, demo, tmp_path):
    out, _ = build(runner, tmp_path, demo)
    data = bytearray(out.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    result = runner.invoke(args=["dossier", "verify", str(tampered), "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 1 and not report["ok"] and not report["registered"]


def test_unsigned_previews_with_the_same_at_are_byte_identical(runner, demo, tmp_path):
    a, _ = build(
        runner,
        tmp_path / "a" if (tmp_path / "a").mkdir() is None else None,
        demo,
        "criminal",
        "--unsigned",
        "--at",
        "2022-03-02T09:00+09:00",
    )
    b, _ = build(
        runner,
        tmp_path / "b" if (tmp_path / "b").mkdir() is None else None,
        demo,
        "criminal",
        "--unsigned",
        "--at",
        "2022-03-02T09:00+09:00",
    )
    assert a.read_bytes() == b.read_bytes()
    c, _ = build(
        runner,
        tmp_path / "c" if (tmp_path / "c").mkdir() is None else None,
        demo,
        "criminal",
        "--unsigned",
        "--at",
        "2022-03-03T09:00+09:00",
    )
    assert c.read_bytes() != a.read_bytes()


def test_attachments_rehash_against_the_manifest(runner, demo, tmp_path):
    import hashlib

    out, _ = build(runner, tmp_path, demo)
    with pikepdf.open(out) as pdf:
        files = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
    manifest = json.loads(files.pop("manifest.json"))
    listed = {x["sha256"] for x in manifest["exhibits"]}
    assert listed and all(hashlib.sha256(b).hexdigest() in listed for b in files.values())


def test_browser_build_download_and_custody(client, session, demo, tmp_path):
    admin = demo
    from tracker.services import demo as demo_service

    password = (
        (client.application.config["TRACKER"].instance_dir / "admin-password.txt")
        .read_text()
        .strip()
    )
    assert demo_service.ADMIN_EMAIL == admin.email
    client.post("/login", data={"email": admin.email, "password": password})
    response = client.post(
        "/matters/1/dossiers/",
        data={"purpose": "criminal", "lang": "en", "sections": ["summary", "evidence_statement"]},
    )
    assert response.status_code == 302
    session.rollback()
    session.expire_all()
    row = session.exec(select(Dossier)).one()
    assert row.status == "done" and row.lang == "en"
    page = client.get(response.location).get_data(as_text=True)
    assert row.sha256 in page
    pdf = client.get(f"/matters/1/dossiers/{row.id}/download")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
    session.rollback()
    exported = session.exec(select(AuditEvent).where(AuditEvent.action == "custody.exported")).all()
    assert len(exported) == 7
    verify = client.post(
        "/matters/1/dossiers/verify",
        data={"pdf": (__import__("io").BytesIO(pdf.data), "d.pdf")},
        content_type="multipart/form-data",
    )
    assert "✓" in verify.get_data(as_text=True)


def test_non_member_cannot_build_or_download(client, session, demo, tmp_path, runner):
    build(runner, tmp_path, demo)
    stranger = make_user(session)
    login(client, stranger)
    assert (
        client.post("/matters/1/dossiers/", data={"purpose": "civil", "lang": "ko"}).status_code
        == 404
    )
    assert client.get("/matters/1/dossiers/1/download").status_code == 404
    result = runner.invoke(
        args=[
            "dossier",
            "build",
            "--matter",
            "2022-법무-001",
            "--purpose",
            "civil",
            "--out",
            str(tmp_path / "x.pdf"),
            "--as",
            stranger.email,
        ]
    )
    assert result.exit_code == 1 and not (tmp_path / "x.pdf").exists()


def test_build_reports_progress_as_parts_render(session, demo, app):
    from tracker.services import dossiers

    row = dossiers.request_build(session=session, actor=demo, matter_id=1, purpose="civil")
    seen = []
    real = dossiers._set

    def spy(engine, dossier_id, **values):
        if "progress" in values:
            seen.append(values["progress"])
        return real(engine, dossier_id, **values)

    dossiers._set = spy
    try:
        dossiers.run_build(
            engine=app.extensions["tracker.engine"],
            vault=app.extensions["tracker.vault"],
            settings=app.config["TRACKER"],
            dossier_id=row.id,
        )
    finally:
        dossiers._set = real
    assert seen == sorted(seen) and seen[0] == 10 and seen[-1] >= 85
    assert any(30 < p < 80 for p in seen)  # the render steps in between were reported
    session.rollback()
    session.expire_all()
    assert session.get(Dossier, row.id).progress == 100
