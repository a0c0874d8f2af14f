from sqlmodel import select

from tests.conftest import login
from tests.factories import PASSWORD, make_user
from tracker.models import User


def test_site_admin_creates_and_edits_accounts(client, session):
    admin = make_user(session, is_admin=True)
    login(client, admin)
    response = client.post(
        "/users/new",
        data={
            "email": "counsel@example.com",
            "name": "외부 변호사",
            "password": "long enough pw",
            "locale": "en",
        },
    )
    assert response.status_code == 302
    made = session.exec(select(User).where(User.email == "counsel@example.com")).one()
    assert made.locale == "en" and not made.is_admin
    response = client.post(
        f"/users/{made.id}", data={"email": made.email, "name": "외부 변호사", "active": ""}
    )
    assert response.status_code == 302
    session.rollback()
    assert made.active is False
    client.post("/logout")
    refused = client.post("/login", data={"email": made.email, "password": "long enough pw"})
    assert refused.status_code == 401


def test_non_admin_cannot_manage_accounts(client, session):
    user = make_user(session)
    login(client, user)
    assert client.get("/users/").status_code == 403
    assert (
        client.post(
            "/users/new", data={"email": "x@example.com", "name": "x", "password": "long enough pw"}
        ).status_code
        == 403
    )


def test_last_admin_cannot_be_demoted(client, session):
    admin = make_user(session, is_admin=True)
    login(client, admin)
    response = client.post(
        f"/users/{admin.id}", data={"email": admin.email, "name": admin.name, "active": "y"}
    )
    assert response.status_code == 422
    session.rollback()
    assert admin.is_admin


def test_change_own_password(client, session):
    user = make_user(session)
    login(client, user)
    wrong = client.post(
        "/users/password", data={"current": "not it", "new": "a brand new password"}
    )
    assert wrong.status_code == 422
    ok = client.post("/users/password", data={"current": PASSWORD, "new": "a brand new password"})
    assert ok.status_code == 302
    client.post("/logout")
    login(client, user, "a brand new password")
