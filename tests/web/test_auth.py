import pytest

from tests.conftest import login
from tests.factories import PASSWORD, make_user
from tracker import create_app


def test_sign_in_and_out(client, session):
    user = make_user(session)
    assert client.get("/").status_code == 302
    response = login(client, user)
    assert response.location == "/"
    assert user.name in client.get("/").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_wrong_password_says_so_without_saying_which(client, session):
    user = make_user(session)
    bad = client.post("/login", data={"email": user.email, "password": "wrong password"})
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": PASSWORD})
    assert bad.status_code == unknown.status_code == 401
    assert "비밀번호" in bad.get_data(as_text=True)


def test_sixth_wrong_password_is_rate_limited(client, session):
    user = make_user(session)
    codes = [
        client.post("/login", data={"email": user.email, "password": f"wrong {i}"}).status_code
        for i in range(6)
    ]
    assert codes == [401] * 5 + [429]
    # Even the right password waits out the limit: guessing cannot continue.
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429
    )


def test_successful_sign_ins_do_not_count_against_the_limit(client, session):
    user = make_user(session)
    for _ in range(7):
        login(client, user)
        client.post("/logout")


def test_next_only_follows_local_paths(client, session):
    user = make_user(session)
    response = client.post(
        "/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.location == "/"
    client.post("/logout")
    response = client.post(
        "/login?next=/matters/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.location == "/matters/"


@pytest.fixture
def csrf_client(app_config):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    yield app.test_client()
    app.extensions["tracker.engine"].dispose()


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/matters/new",
        "/lang/en",
        "/logout",
        "/matters/1/demands/new",
        "/matters/1/facts/new",
    ],
)
def test_post_without_csrf_token_is_refused(csrf_client, session, path):
    make_user(session)
    response = csrf_client.post(
        path, data={"email": "x@example.com", "password": "x", "title": "t"}
    )
    assert response.status_code == 400
    assert "보안 토큰" in response.get_data(as_text=True)


def test_csrf_token_from_the_form_works(csrf_client, session):
    user = make_user(session)
    page = csrf_client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = csrf_client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_language_switch_is_remembered_on_the_account(client, session):
    user = make_user(session)
    login(client, user)
    assert "대시보드" in client.get("/").get_data(as_text=True)
    client.post("/lang/en", data={"next": "/"})
    assert "Dashboard" in client.get("/").get_data(as_text=True)
    session.refresh(user)
    assert user.locale == "en"
