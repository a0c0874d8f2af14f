"""Deadlines through the services, the CLI and the browser, on the real database."""

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from tests.conftest import login
from tests.factories import add_member, make_demand, make_matter, make_user
from tracker.errors import Conflict, Forbidden, ValidationFailed
from tracker.models import Deadline, DeadlineExtension
from tracker.services import deadlines


@pytest.fixture
def world(session):
    owner = make_user(session, name="김담당")
    matter = make_matter(session, owner, reference="2022-법무-001")
    return owner, matter


@pytest.mark.parametrize(
    "trigger, period, due",
    [
        ("2022-01-27", "1 month", "2022-02-28"),  # DOMAIN.md worked example (02-27 is a Sunday)
        ("2022-01-21", "10 days", "2022-02-03"),  # DOMAIN.md worked example (설날 연휴)
        (
            "2022-01-27T00:00",
            "1 month",
            "2022-02-28",
        ),  # midnight start: 01-27 counts → 02-26 Sat → 02-28
        ("2022-01-27", "1개월", "2022-02-28"),
    ],
)
def test_cli_compute_json(runner, trigger, period, due):
    result = runner.invoke(
        args=["deadline", "compute", "--from", trigger, "--period", period, "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["due"] == due
    assert payload["trace"] and all("article" in s for s in payload["trace"])


@pytest.mark.parametrize(
    "trigger, period, field",
    [
        ("2022-01-27", "0 days", "period"),
        ("2022-01-27", "-3 weeks", "period"),
        ("2022-01-27", "1 fortnight", "period"),
        ("2022-02-30", "1 month", "trigger_on"),
        ("2022-01-27T09:00", "1 month", "trigger_on"),
    ],
)
def test_cli_compute_refuses_bad_input_clearly(runner, trigger, period, field):
    result = runner.invoke(args=["deadline", "compute", "--from", trigger, "--period", period])
    assert result.exit_code == 2
    assert f"error: {field}:" in result.output


def test_computed_deadline_keeps_its_trace_and_ends_at_midnight_kst(session, world):
    owner, matter = world
    d = deadlines.create_deadline(
        session=session,
        actor=owner,
        matter_id=matter.id,
        title="정산 완료 기한",
        trigger_on="2022-01-27",
        period="1 month",
    )
    assert d.due_on == date(2022, 2, 28) and d.trigger_on == date(2022, 1, 27)
    assert d.ends_at == datetime(2022, 2, 28, 15, 0, tzinfo=UTC)  # 2022-03-01 00:00 KST
    session.expire_all()
    assert session.get(Deadline, d.id).ends_at == datetime(2022, 2, 28, 15, 0, tzinfo=UTC)
    articles = [s["article"] for s in deadlines.trace_of(d)]
    assert "민법 제161조" in articles and articles[0] == "민법 제157조"


def test_ad_hoc_holiday_changes_later_computations(session, world):
    owner, matter = world
    admin = make_user(session, is_admin=True)
    before = deadlines.compute(session, "2022-02-25", "3 days").due  # 02-28 Mon
    deadlines.add_holiday(session=session, actor=admin, day="2022-02-28", name="임시공휴일(시험)")
    after = deadlines.compute(session, "2022-02-25", "3 days").due
    assert (before, after) == (date(2022, 2, 28), date(2022, 3, 2))  # 03-01 is 3·1절
    with pytest.raises(Forbidden):
        deadlines.add_holiday(session=session, actor=owner, day="2022-03-03", name="x")


def test_both_or_neither_due_forms_are_refused(session, world):
    owner, matter = world
    with pytest.raises(ValidationFailed) as err:
        deadlines.create_deadline(
            session=session,
            actor=owner,
            matter_id=matter.id,
            title="x",
            due_on="2022-02-28",
            trigger_on="2022-01-27",
            period="1 month",
        )
    assert err.value.for_field("due_on")
    with pytest.raises(ValidationFailed):
        deadlines.create_deadline(session=session, actor=owner, matter_id=matter.id, title="x")


def test_extend_keeps_history_and_closed_cannot_extend(session, world):
    owner, matter = world
    d = deadlines.create_deadline(
        session=session, actor=owner, matter_id=matter.id, title="회신 기한", due_on="2022-02-28"
    )
    deadlines.extend(
        session=session,
        actor=owner,
        matter_id=matter.id,
        deadline_id=d.id,
        new_due_on="2022-03-15",
        reason="상대방 연장 요청 수용",
    )
    session.refresh(d)
    assert d.status == "extended" and d.due_on == date(2022, 3, 15) and d.sequence == 1
    ext = session.exec(select(DeadlineExtension)).one()
    assert (ext.old_due_on, ext.new_due_on, ext.reason) == (
        date(2022, 2, 28),
        date(2022, 3, 15),
        "상대방 연장 요청 수용",
    )
    deadlines.set_status(
        session=session, actor=owner, matter_id=matter.id, deadline_id=d.id, status="cancelled"
    )
    with pytest.raises(Conflict):
        deadlines.extend(
            session=session,
            actor=owner,
            matter_id=matter.id,
            deadline_id=d.id,
            new_due_on="2022-04-01",
            reason="x",
        )


def test_dashboard_lists_overdue_upcoming_and_matters_without(session, world):
    owner, matter = world
    bare = make_matter(session, owner, title="기한 없는 사건")
    deadlines.create_deadline(
        session=session, actor=owner, matter_id=matter.id, title="지난 기한", due_on="2022-02-28"
    )
    deadlines.create_deadline(
        session=session,
        actor=owner,
        matter_id=matter.id,
        title="다가오는 기한",
        due_on="2022-03-20",
    )
    deadlines.create_deadline(
        session=session, actor=owner, matter_id=matter.id, title="먼 기한", due_on="2022-06-01"
    )
    view = deadlines.dashboard(session, owner, date(2022, 3, 3))
    assert [(r.deadline.title, r.days_left) for r in view["overdue"]] == [("지난 기한", -3)]
    assert [r.deadline.title for r in view["upcoming"]] == ["다가오는 기한"]
    assert [m.id for m in view["without"]] == [bare.id]


def test_browser_form_computes_and_shows_the_trace(client, session, world):
    owner, matter = world
    login(client, owner)
    preview = client.post("/deadlines/compute", data={"trigger_on": "2022-01-21", "period": "10일"})
    assert "2022-02-03" in preview.get_data(as_text=True) and "민법 제161조" in preview.get_data(
        as_text=True
    )
    response = client.post(
        f"/matters/{matter.id}/deadlines/new",
        data={
            "title": "자료 제출 기한",
            "kind": "hard",
            "trigger_on": "2022-01-21",
            "period": "10 days",
        },
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "2022-02-03 (목) 24:00 KST" in page and "설날" in page


@pytest.mark.parametrize("period", ["0 days", "-3 weeks", "1 fortnight"])
def test_browser_form_bad_period_is_a_field_error(client, session, world, period):
    owner, matter = world
    login(client, owner)
    response = client.post(
        f"/matters/{matter.id}/deadlines/new",
        data={"title": "x", "kind": "hard", "trigger_on": "2022-01-27", "period": period},
    )
    assert response.status_code == 422
    assert 'id="period-error"' in response.get_data(as_text=True)
    assert session.exec(select(Deadline)).first() is None


def test_browser_form_bad_date_is_a_field_error(client, session, world):
    owner, matter = world
    login(client, owner)
    response = client.post(
        f"/matters/{matter.id}/deadlines/new",
        data={"title": "x", "kind": "hard", "due_on": "2022-02-30"},
    )
    assert response.status_code == 422 and 'id="due_on-error"' in response.get_data(as_text=True)


def test_overdue_deadline_is_red_at_the_top_of_the_dashboard(client, session, world):
    owner, matter = world
    deadlines.create_deadline(
        session=session,
        actor=owner,
        matter_id=matter.id,
        title="정산 완료 기한",
        due_on="2022-02-28",
    )
    login(client, owner)
    page = client.get("/").get_data(as_text=True)
    top = page.index('class="card alert overdue-deadlines"')
    assert top < page.index("overdue-h") and "정산 완료 기한" in page[top : top + 2000]
    assert "일 경과" in page[top : top + 2000]


def test_viewer_cannot_change_deadlines(client, session, world):
    owner, matter = world
    viewer = make_user(session)
    add_member(session, matter, owner, viewer, "viewer")
    d = deadlines.create_deadline(
        session=session, actor=owner, matter_id=matter.id, title="기한", due_on="2022-02-28"
    )
    login(client, viewer)
    assert client.get(f"/matters/{matter.id}/deadlines/{d.id}").status_code == 200
    for path, data in [
        ("status", {"status": "met"}),
        ("extend", {"new_due_on": "2022-03-01", "reason": "x"}),
        ("watchers", {"watchers": [str(viewer.id)]}),
    ]:
        assert (
            client.post(f"/matters/{matter.id}/deadlines/{d.id}/{path}", data=data).status_code
            == 403
        )
    assert (
        client.post(
            f"/matters/{matter.id}/deadlines/new",
            data={"title": "x", "kind": "hard", "due_on": "2022-03-01"},
        ).status_code
        == 403
    )


def test_demo_has_the_worked_example_deadline(runner, session):
    runner.invoke(args=["demo"])
    rows = {d.title: d for d in session.exec(select(Deadline))}
    settle = rows["발행수수료·잔액 정산 완료 기한"]
    assert settle.due_on == date(2022, 2, 28) and settle.period
    assert rows["서울시 위탁 사무 수행 중 생성된 데이터 일체 이관 요구"].status == "missed"
    assert rows["정산 금액 산출 근거 자료 제출 요청"].status == "met"
    assert len(rows) == 3
    assert make_demand  # factories stay importable for the reminder tests


def test_deadline_for_a_demand_item_through_the_form(client, session, world):
    owner, matter = world
    demand = make_demand(session, matter, owner)
    from tracker.services import demands

    item = demands.items_of(session, demand.id)[0]
    login(client, owner)
    assert f"item_id={item.id}" in client.get(
        f"/matters/{matter.id}/demands/items/{item.id}"
    ).get_data(as_text=True)
    response = client.post(
        f"/matters/{matter.id}/deadlines/new",
        data={
            "title": "가맹점 자료 후속 확인",
            "kind": "follow_up",
            "due_on": "2022-03-10",
            "demand_id": demand.id,
            "item_id": item.id,
        },
    )
    assert response.status_code == 302
    session.rollback()
    d = session.exec(select(Deadline).where(Deadline.title == "가맹점 자료 후속 확인")).one()
    assert (d.demand_id, d.item_id, d.kind) == (demand.id, item.id, "follow_up")


def test_a_demand_due_date_is_a_deadline_that_follows_edits(session, world):
    owner, matter = world
    demand = make_demand(session, matter, owner, due_on=date(2022, 2, 28))
    d = deadlines.of_demand(session, demand.id)[0]
    assert (d.kind, d.due_on, d.status) == ("hard", date(2022, 2, 28), "open")
    from tracker.services import demands

    demands.update_demand(
        session=session,
        actor=owner,
        matter_id=matter.id,
        demand_id=demand.id,
        title=demand.title,
        kind=demand.kind,
        sent_on=demand.sent_on,
        channel=demand.channel,
        party_id=demand.party_id,
        due_on="2022-03-15",
    )
    session.refresh(d)
    assert (d.due_on, d.status, d.sequence) == (date(2022, 3, 15), "extended", 1)
    assert session.exec(select(DeadlineExtension)).one().old_due_on == date(2022, 2, 28)
