from datetime import date

import pytest
from sqlmodel import func, select

from tests.factories import (
    add_member,
    make_demand,
    make_matter,
    make_party,
    make_response,
    make_user,
)
from tracker.errors import Forbidden, NotFound, ValidationFailed
from tracker.models import AuditEvent, Demand, DemandItem, Response
from tracker.services import demands


def test_response_moves_item_status_and_tracker_shows_it(session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    demand = make_demand(session, matter, owner)
    items = demands.items_of(session, demand.id)
    make_response(session, demand, owner, item_ids=[items[0].id], position="partial")
    rows = {r.item.id: r for r in demands.tracker(session, matter.id, date(2022, 3, 10))}
    first, second = rows[items[0].id], rows[items[1].id]
    assert first.item.status == "partial" and first.latest.position == "partial"
    assert second.item.status == "outstanding" and second.latest is None
    # Sent 2022-01-27, due 2022-02-28: on 03-10 it is 42 days outstanding and 10 overdue.
    assert (second.days_outstanding, second.overdue_days) == (42, 10)


def test_verified_item_is_not_moved_back_by_a_later_response(session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    demand = make_demand(session, matter, owner)
    item = demands.items_of(session, demand.id)[0]
    demands.update_item(
        session=session,
        actor=owner,
        matter_id=matter.id,
        item_id=item.id,
        category=item.category,
        status="verified",
    )
    make_response(session, demand, owner, item_ids=[item.id], position="refused")
    session.refresh(item)
    assert item.status == "verified"


def test_conditional_response_leaves_status(session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    demand = make_demand(session, matter, owner)
    item = demands.items_of(session, demand.id)[0]
    make_response(
        session,
        demand,
        owner,
        item_ids=[item.id],
        position="conditional",
        conditions="제로페이망 이용 분담금",
    )
    session.refresh(item)
    assert item.status == "outstanding"


def test_closed_item_is_not_counted_outstanding(session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    demand = make_demand(session, matter, owner)
    make_response(session, demand, owner, position="complied")
    rows = demands.tracker(session, matter.id, date(2022, 3, 10))
    assert all(r.item.status == "delivered" and r.days_outstanding is None for r in rows)
    assert all(r.overdue_days is None for r in rows)


def test_failed_demand_leaves_nothing_half_written(session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    party = make_party(session, matter, owner)
    events_before = session.exec(select(func.count()).select_from(AuditEvent)).one()
    with pytest.raises(ValidationFailed) as err:
        demands.create_demand(
            session=session,
            actor=owner,
            matter_id=matter.id,
            party_id=party.id,
            title="x",
            kind="data_transfer",
            channel="email",
            sent_on="2022-02-30",
            items=[demands.ItemInput("가맹점 데이터", "2021-13-01")],
        )
    session.rollback()
    fields = {f for f, _m in err.value.errors}
    assert {"sent_on", "items"} <= fields
    assert session.exec(select(func.count()).select_from(Demand)).one() == 0
    assert session.exec(select(func.count()).select_from(DemandItem)).one() == 0
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == events_before


def test_response_must_answer_items_of_its_own_demand(session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    one = make_demand(session, matter, owner)
    other = make_demand(session, matter, owner, title="정산 요구")
    foreign_item = demands.items_of(session, other.id)[0]
    with pytest.raises(ValidationFailed) as err:
        make_response(session, one, owner, item_ids=[foreign_item.id])
    assert err.value.for_field("item_ids")


def test_response_before_demand_is_refused(session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    demand = make_demand(session, matter, owner)
    with pytest.raises(ValidationFailed) as err:
        make_response(session, demand, owner, received_on=date(2021, 1, 1))
    assert err.value.for_field("received_on")


def test_viewer_cannot_record_and_stranger_cannot_see(session):
    owner = make_user(session)
    viewer = make_user(session)
    stranger = make_user(session)
    matter = make_matter(session, owner)
    add_member(session, matter, owner, viewer, "viewer")
    demand = make_demand(session, matter, owner)
    with pytest.raises(Forbidden):
        make_response(session, demand, viewer)
    session.rollback()
    with pytest.raises(NotFound):
        make_response(session, demand, stranger)
    session.rollback()
    assert session.exec(select(func.count()).select_from(Response)).one() == 0


def test_every_change_is_audited_old_to_new(session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    demand = make_demand(session, matter, owner)
    item = demands.items_of(session, demand.id)[0]
    demands.update_item(
        session=session,
        actor=owner,
        matter_id=matter.id,
        item_id=item.id,
        category=item.category,
        status="delivered",
        notes="받음",
    )
    event = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "DemandItem", AuditEvent.action == "update")
    ).one()
    assert event.actor == owner.email
    assert '"status":"outstanding"' in event.before and '"status":"delivered"' in event.after
    assert '"notes":"받음"' in event.after and "category" not in event.after
