"""The matter pages, roles, and bad input, through the real app and database."""

import pytest
from sqlmodel import func, select

from tests.conftest import login
from tests.factories import add_member, make_demand, make_matter, make_response, make_user
from tracker import create_app
from tracker.models import AuditEvent, Demand, Fact, Matter
from tracker.services import demands


@pytest.fixture
def world(session):
    owner = make_user(session, name="김담당")
    matter = make_matter(session, owner, reference="2022-법무-001")
    demand = make_demand(session, matter, owner)
    make_response(session, demand, owner, item_ids=[demands.items_of(session, demand.id)[0].id])
    return {"owner": owner, "matter": matter, "demand": demand}


def matter_paths(w):
    m, d = w["matter"].id, w["demand"].id
    item = w["item"] if "item" in w else None
    return [
        f"/matters/{m}",
        f"/matters/{m}/edit",
        f"/matters/{m}/history",
        f"/matters/{m}/demands/{d}",
        f"/matters/{m}/demands/new",
        f"/matters/{m}/facts/new",
        f"/matters/{m}/correspondence/new",
        f"/matters/{m}/demands/{d}/responses/new",
        f"/matters/{m}/parties/new",
    ] + ([f"/matters/{m}/demands/items/{item}"] if item else [])


def test_tracker_shows_each_item_at_a_glance(client, world):
    login(client, world["owner"])
    page = client.get(f"/matters/{world['matter'].id}").get_data(as_text=True)
    assert "가맹점 데이터" in page and "잔액" in page
    assert "거부" in page  # the latest response
    assert "2022-01-27 (목)" in page and "2022-02-28 (월)" in page
    assert "한결원" in page


def test_item_page_shows_the_whole_exchange(client, session, world):
    login(client, world["owner"])
    item = demands.items_of(session, world["demand"].id)[0]
    page = client.get(f"/matters/{world['matter'].id}/demands/items/{item.id}").get_data(
        as_text=True
    )
    assert "영업기밀" in page and "2022-02-03 (목)" in page and "이력" in page


def test_non_member_gets_404_everywhere(client, session, world):
    stranger = make_user(session)
    login(client, stranger)
    read_only = {
        f"/matters/{world['matter'].id}",
        f"/matters/{world['matter'].id}/history",
        f"/matters/{world['matter'].id}/demands/{world['demand'].id}",
    }
    for path in matter_paths(world):
        assert client.get(path).status_code == 404, path
        if path not in read_only:
            assert client.post(path, data={"title": "x"}).status_code == 404, path


def test_viewer_reads_but_cannot_change_anything(client, session, world):
    viewer = make_user(session)
    add_member(session, world["matter"], world["owner"], viewer, "viewer")
    login(client, viewer)
    m = world["matter"].id
    assert client.get(f"/matters/{m}").status_code == 200
    before = session.exec(select(func.count()).select_from(AuditEvent)).one()
    posts = {
        f"/matters/{m}/edit": {
            "title": "바꿈",
            "kind": "civil",
            "status": "open",
            "label_scheme": "gap",
        },
        f"/matters/{m}/demands/new": {
            "title": "x",
            "party_id": "1",
            "kind": "other",
            "sent_on": "2022-01-01",
            "channel": "email",
            "items": "a",
        },
        f"/matters/{m}/facts/new": {"text": "x", "precision": "day", "status": "unsure"},
        f"/matters/{m}/correspondence/new": {
            "occurred_on": "2022-01-01",
            "direction": "in",
            "channel": "email",
            "subject": "x",
        },
        f"/matters/{m}/parties/new": {"name": "x", "role": "court"},
        f"/matters/{m}/members": {"email": viewer.email, "role": "admin"},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 403, path
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == before
    page = client.get(f"/matters/{m}").get_data(as_text=True)
    assert "요구 기록" not in page  # no edit buttons for a viewer


def test_unknown_ids_give_404(client, world):
    login(client, world["owner"])
    m = world["matter"].id
    for path in [
        "/matters/999",
        f"/matters/{m}/demands/999",
        f"/matters/{m}/demands/items/999",
        f"/matters/{m}/facts/999",
        f"/matters/{m}/correspondence/999",
        f"/matters/{m}/parties/999",
        f"/matters/{m}/demands/responses/999",
    ]:
        assert client.get(path).status_code == 404, path


def test_record_from_another_matter_is_404(client, session, world):
    other = make_matter(session, world["owner"], title="다른 사건")
    login(client, world["owner"])
    assert client.get(f"/matters/{other.id}/demands/{world['demand'].id}").status_code == 404


def test_broken_input_shows_field_errors_not_500(client, session, world):
    login(client, world["owner"])
    m = world["matter"].id
    response = client.post(
        f"/matters/{m}/demands/new",
        data={
            "title": "",
            "party_id": "999",
            "kind": "data_transfer",
            "channel": "email",
            "sent_on": "2022-02-30",
            "due_on": "tomorrow",
            "items": "",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('class="error"') >= 3
    assert "필수" in page
    assert session.exec(select(func.count()).select_from(Demand)).one() == 1


def test_deadline_before_sent_date_is_a_field_error(client, world):
    login(client, world["owner"])
    party_id = world["demand"].party_id
    response = client.post(
        f"/matters/{world['matter'].id}/demands/new",
        data={
            "title": "t",
            "party_id": str(party_id),
            "kind": "other",
            "channel": "email",
            "sent_on": "2022-02-10",
            "due_on": "2022-02-01",
            "items": "자료",
        },
    )
    assert response.status_code == 422
    assert 'id="due_on-error"' in response.get_data(as_text=True)


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_script_tags_come_back_escaped(client, session, world):
    login(client, world["owner"])
    m = world["matter"].id
    client.post(
        f"/matters/{m}/facts/new",
        data={"text": HOSTILE, "precision": "day", "status": "unsure", "sources": HOSTILE},
    )
    client.post(
        f"/matters/{m}/edit",
        data={
            "title": HOSTILE,
            "kind": "civil",
            "status": "open",
            "label_scheme": "gap",
            "summary": HOSTILE,
        },
    )
    for path in [f"/matters/{m}", "/", "/matters/", f"/matters/{m}/history"]:
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;" in page, path


def test_new_matter_through_the_form(client, session):
    user = make_user(session)
    login(client, user)
    response = client.post(
        "/matters/new",
        data={"title": "정산 분쟁", "kind": "civil", "status": "open", "label_scheme": "gap"},
    )
    assert response.status_code == 302
    matter = session.exec(select(Matter)).one()
    assert client.get(response.location).status_code == 200
    assert matter.reference.endswith("-001")


def test_duplicate_reference_is_a_field_error(client, world):
    login(client, world["owner"])
    response = client.post(
        "/matters/new",
        data={
            "reference": "2022-법무-001",
            "title": "t",
            "kind": "civil",
            "status": "open",
            "label_scheme": "gap",
        },
    )
    assert response.status_code == 422
    assert 'id="reference-error"' in response.get_data(as_text=True)


def test_oversized_request_gets_a_clear_413(app_config, session):
    app = create_app({**app_config, "max_upload_mb": 1})
    client = app.test_client()
    user = make_user(session)
    login(client, user)
    response = client.post("/matters/new", data={"title": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "1 MB" in response.get_data(as_text=True)
    assert session.exec(select(func.count()).select_from(Matter)).one() == 0
    app.extensions["tracker.engine"].dispose()


def test_fact_with_uncertain_date(client, session, world):
    login(client, world["owner"])
    m = world["matter"].id
    response = client.post(
        f"/matters/{m}/facts/new",
        data={
            "occurred_on": "",
            "precision": "day",
            "status": "unsure",
            "text": "시민 약 130만 명 영향",
        },
    )
    assert response.status_code == 302
    fact = session.exec(select(Fact)).one()
    assert fact.occurred_on is None and fact.precision == "about"
    assert "날짜 미상" in client.get(f"/matters/{m}").get_data(as_text=True)


def test_record_response_through_the_form_updates_the_tracker(client, session, world):
    login(client, world["owner"])
    m, d = world["matter"].id, world["demand"].id
    items = demands.items_of(session, d)
    response = client.post(
        f"/matters/{m}/demands/{d}/responses/new",
        data={
            "received_on": "2022-02-10",
            "position": "complied",
            "channel": "email",
            "item_ids": [str(items[1].id)],
            "summary": "잔액 자료 수령",
        },
    )
    assert response.status_code == 302
    session.rollback()  # end the test's own read snapshot so the request's commit is visible
    assert items[1].status == "delivered"
    page = client.get(f"/matters/{m}").get_data(as_text=True)
    row = page.split(f'id="item-{items[1].id}"')[1].split("</tr>")[0]
    assert "제출됨" in row and "이행" in row


def test_failed_request_leaves_nothing_half_written(app, client, session, world, monkeypatch):
    """A crash after the demand row is flushed: the whole request rolls back."""
    from tracker.services import audit

    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(client, world["owner"])
    m = world["matter"].id
    calls = {"n": 0}
    real = audit.record

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(audit, "record", crash_on_second)
    before = session.exec(select(func.count()).select_from(Demand)).one()
    response = client.post(
        f"/matters/{m}/demands/new",
        data={
            "title": "t",
            "party_id": str(world["demand"].party_id),
            "kind": "other",
            "channel": "email",
            "sent_on": "2022-02-10",
            "items": "자료 하나\n자료 둘",
        },
    )
    assert response.status_code == 500
    assert session.exec(select(func.count()).select_from(Demand)).one() == before


def test_quick_status_change_returns_the_updated_row(client, session, world):
    login(client, world["owner"])
    m = world["matter"].id
    item = demands.items_of(session, world["demand"].id)[1]
    response = client.post(
        f"/matters/{m}/demands/items/{item.id}/status",
        data={"status": "verified"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<tr") and f'id="item-{item.id}"' in html
    assert 'value="verified" selected' in html
    session.rollback()
    assert item.status == "verified"
    bad = client.post(f"/matters/{m}/demands/items/{item.id}/status", data={"status": "lost"})
    assert bad.status_code == 422


def test_viewer_cannot_quick_change_status(client, session, world):
    viewer = make_user(session)
    add_member(session, world["matter"], world["owner"], viewer, "viewer")
    login(client, viewer)
    item = demands.items_of(session, world["demand"].id)[0]
    response = client.post(
        f"/matters/{world['matter'].id}/demands/items/{item.id}/status", data={"status": "verified"}
    )
    assert response.status_code == 403
