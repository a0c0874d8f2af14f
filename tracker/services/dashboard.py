"""What the head of team sees first: overdue items, newest responses, open matters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from ..models import Demand, DemandItem, Matter, Membership, Party, Response, User
from ..models.enums import OPEN_ITEM_STATUSES


@dataclass
class OverdueItem:
    matter: Matter
    demand: Demand
    item: DemandItem
    party: Party
    days_overdue: int


def overview(session: Session, user: User, today: date) -> dict:
    matter_ids = list(
        session.exec(select(Membership.matter_id).where(Membership.user_id == user.id))
    )
    if not matter_ids:
        return {"matters": [], "overdue": [], "responses": [], "open_items": {}}
    matters = {
        m.id: m
        for m in session.exec(
            select(Matter).where(col(Matter.id).in_(matter_ids)).order_by(Matter.reference)
        )
    }
    overdue = [
        OverdueItem(matters[d.matter_id], d, i, p, (today - d.due_on).days)
        for i, d, p in session.exec(
            select(DemandItem, Demand, Party)
            .join(Demand, Demand.id == DemandItem.demand_id)
            .join(Party, Party.id == Demand.party_id)
            .where(
                col(DemandItem.matter_id).in_(matter_ids),
                col(DemandItem.status).in_([s.value for s in OPEN_ITEM_STATUSES]),
                col(Demand.due_on).is_not(None),
                col(Demand.due_on) < today,
            )
        ).all()
    ]
    overdue.sort(key=lambda o: -o.days_overdue)
    responses = session.exec(
        select(Response, Demand)
        .join(Demand, Demand.id == Response.demand_id)
        .where(col(Response.matter_id).in_(matter_ids))
        .order_by(Response.received_on.desc(), Response.id.desc())
        .limit(10)
    ).all()
    open_items: dict[int, int] = {}
    for matter_id in session.exec(
        select(DemandItem.matter_id).where(
            col(DemandItem.matter_id).in_(matter_ids),
            col(DemandItem.status).in_([s.value for s in OPEN_ITEM_STATUSES]),
        )
    ):
        open_items[matter_id] = open_items.get(matter_id, 0) + 1
    return {
        "matters": list(matters.values()),
        "overdue": overdue,
        "responses": [(r, d, matters[d.matter_id]) for r, d in responses],
        "open_items": open_items,
    }
