"""A "remember me" sign-in ends with sign-out and with a new password, on every device.

The tests copy the real remember cookie into a fresh client, as a thief or a forgotten
browser would hold it.
"""

from __future__ import annotations

from sqlmodel import func, select

from tests.conftest import login
from tests.factories import PASSWORD, make_user
from tracker.models import AuditEvent, User
from tracker.services import users

NEW_PASSWORD = "another long password"


def _remembered_sign_in(app, client, user) -> str:
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    return cookie.value


def _holder_of(app, remember: str):
    """A browser that has only the remember cookie (no session)."""
    other = app.test_client()
    other.set_cookie("remember_token", remember)
    return other


def _chain(session) -> tuple[int, str | None]:
    session.rollback()
    count = session.exec(select(func.count()).select_from(AuditEvent)).one()
    last = session.exec(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return count, last


def test_remember_cookie_signs_in_a_fresh_browser(app, client, session):
    user = make_user(session)
    remember = _remembered_sign_in(app, client, user)
    page = _holder_of(app, remember).get("/")
    assert page.status_code == 200
    assert user.name in page.get_data(as_text=True)


def test_sign_out_ends_a_remembered_sign_in_elsewhere(app, client, session):
    user = make_user(session)
    remember = _remembered_sign_in(app, client, user)
    response = client.post("/logout")
    assert response.status_code == 302
    # The signing-out browser is told to drop its cookie.
    assert client.get_cookie("remember_token") is None
    before = _chain(session)
    refused = _holder_of(app, remember).get("/")
    assert refused.status_code == 302 and "/login" in refused.location
    # Refusing the copy changed nothing.
    assert _chain(session) == before


def test_sign_out_is_audited_without_the_token(app, client, session):
    user = make_user(session)
    _remembered_sign_in(app, client, user)
    token = session.get(User, user.id).session_token
    client.post("/logout")
    session.rollback()
    event = session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert event.action == "sign_out" and event.entity_id == str(user.id)
    assert token not in event.before + event.after
    assert session.get(User, user.id).session_token not in event.before + event.after
    assert users_chain_intact(session)


def users_chain_intact(session) -> bool:
    from tracker.services import audit

    _count, broken = audit.verify(session)
    return broken is None


def test_own_password_change_ends_other_remembered_sign_ins(app, client, session):
    user = make_user(session)
    remember = _remembered_sign_in(app, client, user)
    response = client.post(
        "/users/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    # The browser that changed it stays signed in, with a new remember cookie.
    assert client.get("/").status_code == 200
    fresh = client.get_cookie("remember_token")
    assert fresh is not None and fresh.value != remember
    assert _holder_of(app, fresh.value).get("/").status_code == 200
    before = _chain(session)
    assert _holder_of(app, remember).get("/").status_code == 302
    assert _chain(session) == before


def test_admin_password_reset_ends_the_accounts_sign_ins(app, client, session):
    admin = make_user(session, is_admin=True)
    user = make_user(session)
    remember = _remembered_sign_in(app, client, user)
    users.reset_password(session=session, actor=admin, user_id=user.id, new=NEW_PASSWORD)
    assert client.get("/").status_code == 302  # its session too
    assert _holder_of(app, remember).get("/").status_code == 302
    session.rollback()
    event = session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert event.actor_id == admin.id and event.entity_id == str(user.id)
    login(client, user, NEW_PASSWORD)


def test_short_reset_password_is_refused_and_changes_nothing(session):
    admin = make_user(session, is_admin=True)
    user = make_user(session)
    token, hashed = user.session_token, user.password_hash
    before = _chain(session)
    try:
        users.reset_password(session=session, actor=admin, user_id=user.id, new="short")
    except users.ValidationFailed as err:
        assert err.errors == [("new", "Use at least 10 characters.")]
    else:
        raise AssertionError("a short password was accepted")
    session.rollback()
    stored = session.get(User, user.id)
    assert (stored.session_token, stored.password_hash) == (token, hashed)
    assert _chain(session) == before


def test_session_of_a_signed_out_user_is_refused(app, client, session):
    """A session cookie copied before sign-out (not only the remember cookie) stops working."""
    user = make_user(session)
    login(client, user)
    copied = client.get_cookie("session").value
    client.post("/logout")
    other = app.test_client()
    other.set_cookie("session", copied)
    assert other.get("/").status_code == 302
