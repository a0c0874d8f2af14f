"""``tracker serve``: gunicorn with gthread workers (a slow upload outlives ``--timeout``), a
worker restarted when it dies, its health on the dashboard, and SIGTERM stopping it all."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import signal
import socket
import time
import urllib.parse
from datetime import timedelta

from sqlmodel import Session, select

from tests.conftest import login
from tests.factories import PASSWORD, make_matter, make_user
from tests.worker_helpers import instance_env, start, stop, wait_for
from tracker.models import Evidence, WorkerProcess, utcnow
from tracker.services import workers

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """One signed-in person over plain http.client, cookies kept by hand."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def _conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def _keep(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name] = value

    def _headers(self, extra: dict | None = None) -> dict:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, **(extra or {})}

    def get(self, path: str) -> tuple[http.client.HTTPResponse, str]:
        conn = self._conn()
        conn.request("GET", path, headers=self._headers())
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        self._keep(response)
        conn.close()
        return response, body

    def token(self, path: str) -> str:
        _response, body = self.get(path)
        return _CSRF.search(body).group(1)

    def sign_in(self, email: str) -> None:
        token = self.token("/login")
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
        conn = self._conn()
        conn.request(
            "POST",
            "/login",
            body=form,
            headers=self._headers({"Content-Type": "application/x-www-form-urlencoded"}),
        )
        response = conn.getresponse()
        response.read()
        self._keep(response)
        assert response.status == 302, response.status


def _up(port: int, proc) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"serve exited {proc.returncode}")
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/login")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def test_a_slow_upload_outlives_the_worker_timeout(app, app_config, session, tmp_path):
    owner = make_user(session)
    matter = make_matter(session, owner)
    port = _free_port()
    serve = start(
        instance_env(app_config),
        "serve", "--port", str(port), "--timeout", "2", "--web-workers", "1",
        log=tmp_path / "serve.log",
    )  # fmt: skip
    try:
        wait_for("the server", lambda: _up(port, serve), 60)
        browser = Browser(port)
        response, _ = browser.get("/login")
        assert response.headers["Server"] == "gunicorn"  # not Werkzeug's development server
        browser.sign_in(owner.email)
        token = browser.token(f"/matters/{matter.id}/evidence/")

        content = os.urandom(2 * 1024 * 1024)
        boundary = "----tracker-slow-upload"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="slow.bin"'
            "\r\nContent-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.putrequest("POST", f"/matters/{matter.id}/evidence/upload")
        for name, value in browser._headers(
            {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(len(head) + len(content) + len(tail)),
            }
        ).items():
            conn.putheader(name, value)
        conn.endheaders()
        started = time.monotonic()
        conn.send(head)
        pieces = 20
        step = len(content) // pieces
        for n in range(pieces):  # 20 pieces, 0.25 s apart: 5 s, over twice the timeout
            conn.send(content[n * step : (n + 1) * step if n < pieces - 1 else len(content)])
            time.sleep(0.25)
        conn.send(tail)
        response = conn.getresponse()
        response.read()
        elapsed = time.monotonic() - started
        conn.close()
        assert elapsed > 4.5
        assert response.status == 302, response.status
    finally:
        stop(serve)
    session.rollback()
    stored = session.exec(select(Evidence).where(Evidence.matter_id == matter.id)).one()
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert "WORKER TIMEOUT" not in (tmp_path / "serve.log").read_text()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_restarts_a_dead_worker_shows_it_and_sigterm_stops_everything(
    app, app_config, session, tmp_path
):
    owner = make_user(session)
    make_matter(session, owner)
    engine = app.extensions["tracker.engine"]
    port = _free_port()
    serve = start(
        instance_env(app_config), "serve", "--with-worker", "--port", str(port),
        log=tmp_path / "serve.log",
    )  # fmt: skip

    def worker(restarts: int):
        with Session(engine) as s:
            return s.exec(
                select(WorkerProcess).where(
                    WorkerProcess.restarts == restarts, WorkerProcess.stopped_at.is_(None)
                )
            ).first()

    try:
        wait_for("the server", lambda: _up(port, serve), 60)
        first = wait_for("the worker", lambda: worker(0), 60)
        os.kill(first.pid, signal.SIGKILL)
        second = wait_for("the restarted worker", lambda: worker(1), 60)
        assert second.pid != first.pid

        browser = Browser(port)
        browser.sign_in(owner.email)
        _response, page = browser.get("/")
        assert "백그라운드 워커 실행 중(1개)" in page
        assert "멈춘 뒤 1번 다시 시작되었습니다." in page

        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=90) == 0
        assert not _alive(second.pid)
        try:
            os.killpg(serve.pid, 0)  # anything left of the server's process group?
            left = True
        except ProcessLookupError:
            left = False
        assert not left, "gunicorn or the worker outlived tracker serve"
    finally:
        stop(serve)
    with Session(engine) as s:
        assert s.get(WorkerProcess, second.id).stopped_at is not None


def test_dashboard_says_when_no_worker_runs(app, client, session):
    owner = make_user(session)
    login(client, owner)
    assert "아직 백그라운드 워커의 신호가 없습니다" in client.get("/").get_data(as_text=True)
    engine = app.extensions["tracker.engine"]
    workers.register(engine, "elsewhere:42:1", threads=1)
    with Session(engine) as s:
        row = s.exec(select(WorkerProcess)).one()
        row.heartbeat_at = utcnow() - timedelta(minutes=5)
        s.add(row)
        s.commit()
    page = client.get("/").get_data(as_text=True)
    assert "이후 백그라운드 워커의 신호가 없습니다" in page and "tracker worker" in page


def test_without_redis_the_sign_in_limit_holds_across_the_served_app(app_config, session, tmp_path):
    # No Redis: the limiter counts in each web process's memory, so `tracker serve` runs one
    # web process (with threads); two would each let five wrong passwords through.
    owner = make_user(session)
    session.commit()
    port = _free_port()
    serve = start(instance_env(app_config), "serve", "--port", str(port), log=tmp_path / "s.log")
    try:
        wait_for("the server", lambda: _up(port, serve), 60)
        statuses = []
        for _ in range(8):
            browser = Browser(port)
            token = browser.token("/login")
            form = urllib.parse.urlencode(
                {"email": owner.email, "password": "wrong password", "csrf_token": token}
            )
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(
                "POST",
                "/login",
                body=form,
                headers=browser._headers({"Content-Type": "application/x-www-form-urlencoded"}),
            )
            response = conn.getresponse()
            response.read()
            conn.close()
            statuses.append(response.status)
    finally:
        stop(serve)
    assert 429 not in statuses[:5], statuses
    assert statuses[5:] == [429, 429, 429], statuses
