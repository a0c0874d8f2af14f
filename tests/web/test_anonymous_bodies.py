"""A client that has not signed in cannot make the server read or spool a large body.

Against a real server on loopback (werkzeug, as tests/e2e) with a raw socket, because the
test client hands the app the whole body at once and would hide what the server reads.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from sqlmodel import func, select
from werkzeug.serving import make_server

from tests.factories import PASSWORD, make_user
from tracker import create_app
from tracker.models import AuditEvent

DECLARED = 256 * 1024 * 1024


@pytest.fixture
def served(app_config):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, server.server_port
    server.shutdown()
    app.extensions["tracker.engine"].dispose()


def _post_huge(port: int, path: str, cookie: str = "") -> tuple[int, float, int]:
    """POST a multipart body that claims DECLARED bytes and keeps sending until the server
    answers or hangs up: (status, seconds to the answer, bytes the server let us send)."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=30)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: multipart/form-data; boundary=XXX\r\n"
        f"Content-Length: {DECLARED}\r\n{cookie}\r\n"
        '--XXX\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\n\r\n'
    ).encode()
    sent = 0
    stop = threading.Event()

    def send():
        nonlocal sent
        block = b"\0" * (1024 * 1024)
        try:
            conn.sendall(head)
            while sent < DECLARED - len(head) and not stop.is_set():
                sent += conn.send(block)
        except OSError:
            pass  # the server hung up: what we want

    started = time.monotonic()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    answer = b""
    while b"\r\n" not in answer:
        chunk = conn.recv(4096)
        if not chunk:
            break
        answer += chunk
    elapsed = time.monotonic() - started
    stop.set()
    conn.close()
    sender.join(10)
    return int(answer.split(b" ", 2)[1]), elapsed, sent


@pytest.mark.parametrize("path", ["/login", "/matters/1/evidence/upload", "/lang/en"])
def test_anonymous_large_body_is_refused_before_it_is_read(served, session, path):
    _app, port = served
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    status, elapsed, sent = _post_huge(port, path)
    assert status == 413
    assert elapsed < 5
    # The server read at most what the socket buffers held, never the declared 256 MiB.
    assert sent < 16 * 1024 * 1024
    session.rollback()
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == events


def test_anonymous_413_page_says_to_sign_in(app_config, session):
    app = create_app(app_config)
    try:
        response = app.test_client().post(
            "/login", data={"email": "x@example.com", "password": "x" * (100 * 1024)}
        )
        assert response.status_code == 413
        assert "로그인" in response.get_data(as_text=True)
    finally:
        app.extensions["tracker.engine"].dispose()


def test_sign_in_form_still_works_on_the_served_app(served, session):
    """The small limit leaves the real sign-in (with its CSRF token) alone."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    _app, port = served
    user = make_user(session)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/login").read().decode()
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    body = urllib.parse.urlencode(
        {"email": user.email, "password": PASSWORD, "csrf_token": token}
    ).encode()
    signed_in = opener.open(f"{base}/login", data=body)
    assert signed_in.geturl() == f"{base}/"
    assert user.name in signed_in.read().decode()
