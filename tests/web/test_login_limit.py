"""The sign-in limit counts per account and client address, honours a configured proxy, and
keeps working (in memory) when Redis is down."""

from __future__ import annotations

import logging
import socket

import pytest
from sqlmodel import func, select

from tests.factories import PASSWORD, make_user
from tracker import create_app
from tracker.models import AuditEvent


def _fail(client, email: str, n: int, **headers) -> list[int]:
    return [
        client.post(
            "/login", data={"email": email, "password": f"wrong {i}"}, headers=headers
        ).status_code
        for i in range(n)
    ]


def _sign_in(client, email: str, **headers) -> int:
    return client.post(
        "/login", data={"email": email, "password": PASSWORD}, headers=headers
    ).status_code


@pytest.fixture
def app_with(app_config):
    apps = []

    def make(**overrides):
        made = create_app({**app_config, **overrides})
        apps.append(made)
        return made

    yield make
    for made in apps:
        made.extensions["tracker.engine"].dispose()


def test_one_accounts_typos_do_not_lock_out_another_from_the_same_address(client, session):
    a, b = make_user(session), make_user(session)
    assert _fail(client, a.email, 6) == [401] * 5 + [429]
    assert _sign_in(client, b.email) == 302
    client.post("/logout")
    # The same account in another spelling is the same account.
    assert _sign_in(client, f"  {a.email.upper()} ") == 429
    assert _fail(client, b.email, 5) == [401] * 5


def test_with_one_proxy_hop_forwarded_addresses_count_separately(app_with, session):
    user = make_user(session)
    client = app_with(proxy_hops=1).test_client()
    first, second = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.9"}
    assert _fail(client, user.email, 6, **first)[-1] == 429
    assert _sign_in(client, user.email, **second) == 302


def test_without_a_proxy_hop_forwarded_addresses_are_ignored(app_with, session):
    user = make_user(session)
    client = app_with(proxy_hops=0).test_client()
    first, second = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.9"}
    assert _fail(client, user.email, 6, **first)[-1] == 429
    # A client cannot escape the limit by making up a header.
    assert _sign_in(client, user.email, **second) == 429


def test_proxy_hops_from_the_environment(monkeypatch, app_with, session):
    monkeypatch.setenv("TRACKER_PROXY_HOPS", "1")
    app = app_with()
    assert app.config["TRACKER"].proxy_hops == 1
    seen = {}

    @app.get("/_probe")
    def _probe():
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme, host=request.host)
        return ""

    app.test_client().get(
        "/_probe",
        headers={
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "tracker.example.org",
        },
    )
    assert seen == {"addr": "203.0.113.7", "scheme": "https", "host": "tracker.example.org"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def limiter_state():
    from tracker.web.extensions import limiter

    yield
    # One Limiter object serves every app a process builds; the "Redis is dead, count in
    # memory" state this test leaves would otherwise leak into the next tests for a few seconds.
    limiter._storage_dead = False


def test_sign_in_works_when_redis_is_down(app_with, session, caplog, limiter_state):
    user = make_user(session)
    app = app_with(redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        assert _sign_in(client, user.email) == 302
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
    client.post("/logout")
    # The limit still holds, counted in memory.
    assert _fail(client, user.email, 6) == [401] * 5 + [429]
    session.rollback()
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    assert _sign_in(client, user.email) == 429
    session.rollback()
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == events
