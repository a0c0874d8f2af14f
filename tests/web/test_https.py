"""Served over https (TRACKER_BASE_URL): Secure cookies and HSTS; over http, neither."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_user
from tracker import create_app


@pytest.fixture
def app_at(app_config):
    apps = []

    def make(base_url: str):
        made = create_app({**app_config, "base_url": base_url})
        apps.append(made)
        return made

    yield make
    for made in apps:
        made.extensions["tracker.engine"].dispose()


def _sign_in_cookies(app, user) -> dict[str, str]:
    response = app.test_client().post(
        "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_https_base_url_makes_cookies_secure_and_sends_hsts(app_at, session):
    app = app_at("https://tracker.example.org")
    user = make_user(session)
    cookies = _sign_in_cookies(app, user)
    assert {"session", "remember_token"} <= cookies.keys()
    for header in cookies.values():
        assert "; Secure" in header and "HttpOnly" in header
    page = app.test_client().get("/login")
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_http_base_url_keeps_cookies_usable_on_plain_http(app_at, session):
    app = app_at("http://127.0.0.1:5000")
    user = make_user(session)
    for header in _sign_in_cookies(app, user).values():
        assert "Secure" not in header
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers
