"""Test factories: ``make_x(session, **overrides)``. Each goes through the real service."""

from __future__ import annotations

import itertools
from datetime import date

from tracker.models import Demand, Matter, Party, Response, User
from tracker.services import demands, matters, users

PASSWORD = "correct horse battery"
_n = itertools.count(1)


def make_user(session, **overrides) -> User:
    n = next(_n)
    values = {
        "email": f"user{n}@example.com",
        "name": f"사용자{n}",
        "password": PASSWORD,
        "is_admin": False,
        "locale": "ko",
    }
    values.update(overrides)
    return users.create_user(session=session, actor="test", **values)


def make_matter(session, owner: User, **overrides) -> Matter:
    values = {"title": "서울사랑상품권 데이터 이관", "kind": "civil", "our_side": "서울특별시"}
    values.update(overrides)
    return matters.create_matter(session=session, actor=owner, **values)


def add_member(session, matter: Matter, owner: User, user: User, role: str = "viewer"):
    return matters.set_member(
        session=session, actor=owner, matter_id=matter.id, email=user.email, role=role
    )


def make_party(session, matter: Matter, owner: User, **overrides) -> Party:
    values = {"name": "한국간편결제진흥원", "short_name": "한결원", "role": "counterparty"}
    values.update(overrides)
    return matters.add_party(session=session, actor=owner, matter_id=matter.id, **values)


def make_demand(
    session, matter: Matter, owner: User, party: Party | None = None, **overrides
) -> Demand:
    party = party or make_party(session, matter, owner)
    values = {
        "party_id": party.id,
        "title": "가맹점 데이터 이관 요구",
        "kind": "data_transfer",
        "channel": "official_letter",
        "sent_on": date(2022, 1, 27),
        "due_on": date(2022, 2, 28),
        "items": [
            demands.ItemInput("가맹점 데이터"),
            demands.ItemInput("잔액", date(2021, 12, 31)),
        ],
    }
    values.update(overrides)
    return demands.create_demand(session=session, actor=owner, matter_id=matter.id, **values)


def make_response(session, demand: Demand, owner: User, **overrides) -> Response:
    items = demands.items_of(session, demand.id)
    values = {
        "item_ids": [i.id for i in items],
        "received_on": date(2022, 2, 3),
        "position": "refused",
        "grounds": "영업기밀",
    }
    values.update(overrides)
    return demands.record_response(
        session=session, actor=owner, matter_id=demand.matter_id, demand_id=demand.id, **values
    )
