"""Exhibits through the browser routes and `tracker verify`, with the real vault."""

import io
import os
from urllib.parse import quote

import pytest
from sqlmodel import func, select

from tests.conftest import login
from tests.evidence_helpers import ELF, HTML, SVG, pdf_bytes, png_bytes
from tests.factories import add_member, make_matter, make_user
from tracker.models import Evidence


@pytest.fixture
def world(app, session):
    owner = make_user(session)
    matter = make_matter(session, owner, reference="2022-법무-001")
    return {"owner": owner, "matter": matter, "vault": app.extensions["tracker.vault"]}


def upload(client, matter, *files, **form):
    data = {"files": [(io.BytesIO(content), name) for name, content in files], **form}
    return client.post(
        f"/matters/{matter.id}/evidence/upload", data=data, content_type="multipart/form-data"
    )


def stored(session, matter):
    return list(
        session.exec(select(Evidence).where(Evidence.matter_id == matter.id).order_by(Evidence.id))
    )


def test_upload_many_files_and_see_them_listed(client, session, world):
    login(client, world["owner"])
    response = upload(
        client,
        world["matter"],
        ("회신 공문.pdf", pdf_bytes()),
        ("사진.png", png_bytes()),
        received_on="2022-01-10",
    )
    assert response.status_code == 302
    items = stored(session, world["matter"])
    assert [e.display_name for e in items] == ["회신 공문.pdf", "사진.png"]
    assert all(str(e.received_on) == "2022-01-10" for e in items)
    page = client.get(f"/matters/{world['matter'].id}/evidence/").get_data(as_text=True)
    assert "회신 공문.pdf" in page and items[0].sha256[:16] in page


def test_pdf_previews_inline_with_korean_filename_and_custody(client, session, world):
    login(client, world["owner"])
    upload(client, world["matter"], ("정산 내역.pdf", pdf_bytes()))
    item = stored(session, world["matter"])[0]
    m = world["matter"].id
    view = client.get(f"/matters/{m}/evidence/{item.id}/view")
    assert view.status_code == 200 and view.mimetype == "application/pdf"
    assert view.data == pdf_bytes()
    disposition = view.headers["Content-Disposition"]
    assert (
        disposition.startswith("inline")
        and f"filename*=UTF-8''{quote('정산 내역.pdf')}" in disposition
    )
    download = client.get(f"/matters/{m}/evidence/{item.id}/download")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    page = client.get(f"/matters/{m}/evidence/{item.id}").get_data(as_text=True)
    assert "열람" in page and "다운로드" in page  # viewed and downloaded in the custody timeline


@pytest.mark.parametrize(
    "name, content",
    [
        ("page.html", HTML),
        ("drawing.svg", SVG),
        ("계약서.pdf", ELF),
        ("memo.hwp", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
    ],
)
def test_risky_types_are_never_served_inline(client, session, world, name, content):
    login(client, world["owner"])
    upload(client, world["matter"], (name, content))
    item = stored(session, world["matter"])[0]
    m = world["matter"].id
    assert client.get(f"/matters/{m}/evidence/{item.id}/view").status_code == 404
    download = client.get(f"/matters/{m}/evidence/{item.id}/download")
    assert download.status_code == 200 and download.data == content
    assert download.mimetype == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_executable_renamed_pdf_is_flagged_on_its_page(client, session, world):
    login(client, world["owner"])
    upload(client, world["matter"], ("계약서.pdf", ELF))
    item = stored(session, world["matter"])[0]
    page = client.get(f"/matters/{world['matter'].id}/evidence/{item.id}").get_data(as_text=True)
    assert item.type_mismatch and "미리 보지 않습니다" in page


def test_non_member_cannot_fetch_even_knowing_ids(client, session, world):
    login(client, world["owner"])
    upload(client, world["matter"], ("a.pdf", pdf_bytes()))
    item = stored(session, world["matter"])[0]
    client.post("/logout")
    session.rollback()  # sign-out wrote (a new session token): leave the older snapshot
    stranger = make_user(session)
    login(client, stranger)
    m = world["matter"].id
    for path in [
        f"/matters/{m}/evidence/",
        f"/matters/{m}/evidence/{item.id}",
        f"/matters/{m}/evidence/{item.id}/view",
        f"/matters/{m}/evidence/{item.id}/download",
        f"/static/../instance/vault/objects/{item.sha256[:2]}/{item.sha256[2:4]}/{item.sha256}",
    ]:
        assert client.get(path).status_code == 404, path
    own = make_matter(session, stranger, title="내 사건")
    assert client.get(f"/matters/{own.id}/evidence/{item.id}/download").status_code == 404


def test_viewer_cannot_upload(client, session, world):
    viewer = make_user(session)
    add_member(session, world["matter"], world["owner"], viewer, "viewer")
    login(client, viewer)
    response = upload(client, world["matter"], ("a.pdf", pdf_bytes()))
    assert response.status_code == 403
    assert list(world["vault"].iter_objects()) == []


def test_upload_over_the_request_limit_is_a_clear_413(app_config, session):
    from tracker import create_app

    app = create_app({**app_config, "max_upload_mb": 1})
    client = app.test_client()
    owner = make_user(session)
    matter = make_matter(session, owner)
    login(client, owner)
    response = upload(client, matter, ("big.pdf", b"%PDF-" + b"x" * (2 * 1024 * 1024)))
    assert response.status_code == 413
    assert "1 MB" in response.get_data(as_text=True)
    assert session.exec(select(func.count()).select_from(Evidence)).one() == 0
    assert list(app.extensions["tracker.vault"].iter_objects()) == []
    app.extensions["tracker.engine"].dispose()


def test_interrupted_upload_leaves_nothing(client, session, world):
    login(client, world["owner"])
    boundary = "XyZ"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + b"%PDF-"
        + b"x" * 200_000
    )
    response = client.post(
        f"/matters/{world['matter'].id}/evidence/upload",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Content-Length": str(len(body) + 100_000)},
    )
    # Werkzeug drops the unfinished part (or answers 400 when the socket closes): either way
    # no file reaches the service.
    assert response.status_code in (302, 400)
    assert session.exec(select(func.count()).select_from(Evidence)).one() == 0
    vault = world["vault"]
    assert list(vault.iter_objects()) == [] and list((vault.root / "tmp").iterdir()) == []


def test_cli_add_label_list_and_verify_catches_tampering(runner, session, world, tmp_path):
    owner, matter, vault = world["owner"], world["matter"], world["vault"]
    a = tmp_path / "한결원 회신.pdf"
    a.write_bytes(pdf_bytes("a"))
    b = tmp_path / "가맹점 목록.csv"
    b.write_bytes("가맹점ID,상호\n1,가게\n".encode("cp949"))
    added = runner.invoke(
        args=[
            "evidence",
            "add",
            "--matter",
            "2022-법무-001",
            str(a),
            str(b),
            "--source",
            "한결원",
            "--received",
            "2022-01-10",
            "--as",
            owner.email,
        ]
    )
    assert added.exit_code == 0, added.output
    assert added.output.count("stored") == 2
    again = runner.invoke(
        args=["evidence", "add", "--matter", "2022-법무-001", str(a), "--as", owner.email]
    )
    assert "exists" in again.output
    items = stored(session, matter)
    labelled = runner.invoke(
        args=[
            "evidence",
            "label",
            "--matter",
            "2022-법무-001",
            str(items[0].id),
            "--as",
            owner.email,
        ]
    )
    assert labelled.output.strip() == "갑 제1호증"
    listing = runner.invoke(
        args=["evidence", "list", "--matter", "2022-법무-001", "--as", owner.email]
    )
    assert "갑 제1호증" in listing.output
    assert runner.invoke(args=["verify"]).exit_code == 0

    # Flip one byte of the first object.
    path = vault.path_hint(items[0].sha256)
    os.chmod(path, 0o644)
    raw = bytearray(path.read_bytes())
    raw[10] ^= 0x01
    path.write_bytes(bytes(raw))
    # Delete the second object.
    second = vault.path_hint(items[1].sha256)
    os.chmod(second, 0o644)
    second.unlink()
    # And leave an object nobody refers to.
    orphan = vault.put_stream(io.BytesIO(b"nobody's file"))
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert (
        f"TAMPERED: exhibit #{items[0].id}" in result.output and "한결원 회신.pdf" in result.output
    )
    assert f"MISSING: exhibit #{items[1].id}" in result.output
    assert f"ORPHAN: object {orphan.sha256}" in result.output
    page_client = runner.app.test_client()
    login(page_client, owner)
    html = page_client.get("/").get_data(as_text=True)
    assert "증거 무결성 점검 실패" in html


def test_cli_refuses_a_viewer(runner, session, world, tmp_path):
    viewer = make_user(session)
    add_member(session, world["matter"], world["owner"], viewer, "viewer")
    f = tmp_path / "a.pdf"
    f.write_bytes(pdf_bytes())
    result = runner.invoke(
        args=["evidence", "add", "--matter", "2022-법무-001", str(f), "--as", viewer.email]
    )
    assert result.exit_code == 1
    assert list(world["vault"].iter_objects()) == []
