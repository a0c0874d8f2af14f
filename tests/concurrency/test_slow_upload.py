"""A slow upload never holds up other people's saves.

On SQLite a write transaction holds the single writer lock from its first statement. An upload
arrives over the network for as long as the sender's link takes, and the vault hashes it after:
neither may happen inside a write transaction, or every other save waits (and fails after the
busy timeout). One person uploads a file over several seconds while another saves a fact; the
fact must be acknowledged at once, and the upload must land whole.
"""

from __future__ import annotations

import hashlib
import socket
import sys
import threading
import time
import uuid

import pytest
from sqlmodel import select
from werkzeug.serving import make_server

from tests.factories import PASSWORD, add_member, make_matter, make_user
from tracker import create_app
from tracker.models import Evidence, Fact

from .served import Browser, Person

SEND_SECONDS = float(__import__("os").environ.get("SLOW_SECONDS", "6"))


@pytest.fixture
def served(app_config):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, server.server_port
    server.shutdown()
    app.extensions["tracker.engine"].dispose()


def _slow_upload(port: int, cookie: str, token: str, path: str, content: bytes, out: dict):
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="slow.bin"'
        "\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = head + content + tail
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
        # The same browser as the sign-in: the session is bound to the client's user agent.
        f"User-Agent: Python-urllib/{sys.version_info[0]}.{sys.version_info[1]}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(request)
        chunks = 30
        step = len(body) // chunks + 1
        for n in range(chunks):
            time.sleep(SEND_SECONDS / chunks)
            sock.sendall(body[n * step : (n + 1) * step])
        out["sent_at"] = time.monotonic()
        reply = b""
        while b"\r\n" not in reply and (block := sock.recv(65536)):
            reply += block
    out["status"] = int(reply.split(b" ", 2)[1])


def test_a_slow_upload_does_not_hold_up_another_persons_save(served, session):
    app, port = served
    base = f"http://127.0.0.1:{port}"
    owner = make_user(session)
    other = make_user(session)
    matter = make_matter(session, owner)
    add_member(session, matter, owner, other, role="editor")
    session.commit()

    uploader, saver = Browser(base), Browser(base)
    uploader.sign_in(Person(owner.email, PASSWORD))
    saver.sign_in(Person(other.email, PASSWORD))
    token = uploader.token(f"/matters/{matter.id}/evidence/")
    fact_token = saver.token(f"/matters/{matter.id}/facts/new")
    jar = next(h.cookiejar for h in uploader.opener.handlers if hasattr(h, "cookiejar"))
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)

    content = bytes(range(256)) * (8 * 1024)  # 2 MiB
    out: dict = {}
    thread = threading.Thread(
        target=_slow_upload,
        args=(port, cookie, token, f"/matters/{matter.id}/evidence/upload", content, out),
    )
    thread.start()
    time.sleep(SEND_SECONDS / 3)  # the upload is under way
    began = time.monotonic()
    status, body = saver.post(
        f"/matters/{matter.id}/facts/new",
        {"occurred_on": "2022-03-02", "precision": "day", "text": "업로드 중 저장",
         "status": "undisputed", "sources": "", "csrf_token": fact_token},
    )  # fmt: skip
    saved_at = time.monotonic()
    thread.join(60)

    assert status == 302, body[:300]
    assert out.get("status") == 302
    # The save came back at once, while the upload was still arriving (for seconds more).
    waited = saved_at - began
    assert waited < SEND_SECONDS / 4, f"the save waited {waited:.1f} s for the upload"
    assert out["sent_at"] - saved_at > SEND_SECONDS / 4
    session.rollback()
    stored = session.exec(select(Evidence).where(Evidence.matter_id == matter.id)).all()
    assert [e.sha256 for e in stored] == [hashlib.sha256(content).hexdigest()]
    facts = session.exec(select(Fact).where(Fact.matter_id == matter.id)).all()
    assert [f.text for f in facts] == ["업로드 중 저장"]
