"""Demands, their items, and the responses that answer them: the heart of the tracker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from ..errors import Conflict
from ..models import Demand, DemandItem, Party, Response, ResponseItem, User, utcnow
from ..models.enums import OPEN_ITEM_STATUSES, Channel, DemandKind, ItemStatus, Position, Role
from . import access, audit, deadlines
from .checks import N_, Checks

# What a response's position says about the items it answers. Conditional and silent answers
# leave an item where it was: nothing was handed over.
_STATUS_AFTER = {
    Position.COMPLIED: ItemStatus.DELIVERED,
    Position.PARTIAL: ItemStatus.PARTIAL,
    Position.REFUSED: ItemStatus.REFUSED,
}


@dataclass(frozen=True)
class ItemInput:
    category: str
    reference_date: date | str | None = None


def _demand_fields(checks: Checks, session: Session, matter_id: int, values: dict) -> dict:
    fields = {
        "title": checks.text("title", values.get("title"), max_len=300),
        "kind": checks.choice("kind", values.get("kind"), DemandKind),
        "sent_on": checks.day("sent_on", values.get("sent_on")),
        "channel": checks.choice("channel", values.get("channel"), Channel),
        "basis": checks.text("basis", values.get("basis"), required=False, max_len=4000),
        "due_on": checks.day("due_on", values.get("due_on"), required=False),
        "notes": checks.text("notes", values.get("notes"), required=False),
    }
    party_id = values.get("party_id")
    party = session.get(Party, int(party_id)) if str(party_id or "").isdigit() else None
    if party is None or party.matter_id != matter_id:
        checks.fail("party_id", N_("Choose a party of this matter."))
    else:
        fields["party_id"] = party.id
    if fields["sent_on"] and fields["due_on"] and fields["due_on"] < fields["sent_on"]:
        checks.fail("due_on", N_("The deadline is before the demand was sent."))
    return fields


def create_demand(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    items: list[ItemInput],
    with_deadline: bool = True,
    **values,
) -> Demand:
    """Record a demand and its items in one transaction. Refuses a demand with no item.
    A due date also becomes a hard deadline (reminders included) unless ``with_deadline`` is
    False, e.g. when the caller records a computed deadline itself."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    checks = Checks()
    fields = _demand_fields(checks, session, matter_id, values)
    parsed = []
    for item in items:
        category = checks.text("items", item.category, required=False, max_len=300)
        ref = checks.day("items", item.reference_date, required=False)
        if category:
            parsed.append((category, ref))
    if not parsed:
        checks.fail("items", N_("List at least one item you asked for."))
    checks.done()
    demand = Demand(matter_id=matter_id, **fields)
    session.add(demand)
    audit.created(session, actor, demand, matter_id=matter_id)
    for category, ref in parsed:
        item = DemandItem(
            demand_id=demand.id, matter_id=matter_id, category=category, reference_date=ref
        )
        session.add(item)
        audit.created(session, actor, item, matter_id=matter_id)
    if with_deadline:
        deadlines.for_demand(session, actor, demand)
    session.commit()
    return demand


def update_demand(*, session: Session, actor: User, matter_id: int, demand_id: int, **values):
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    demand = access.in_matter(session.get(Demand, demand_id), matter_id)
    checks = Checks()
    fields = _demand_fields(checks, session, matter_id, values)
    checks.done()
    before = audit.snapshot(demand)
    for key, value in fields.items():
        setattr(demand, key, value)
    session.add(demand)
    audit.updated(session, actor, demand, before, matter_id=matter_id)
    deadlines.follow_demand(session, actor, demand, before["due_on"])
    session.commit()
    return demand


def add_item(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    demand_id: int,
    category: str,
    reference_date=None,
) -> DemandItem:
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    demand = access.in_matter(session.get(Demand, demand_id), matter_id)
    checks = Checks()
    category = checks.text("category", category, max_len=300)
    ref = checks.day("reference_date", reference_date, required=False)
    checks.done()
    item = DemandItem(
        demand_id=demand.id, matter_id=matter_id, category=category, reference_date=ref
    )
    session.add(item)
    audit.created(session, actor, item, matter_id=matter_id)
    session.commit()
    return item


def update_item(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    item_id: int,
    category: str,
    reference_date=None,
    status: str,
    notes: str = "",
) -> DemandItem:
    """Edit an item; a status change is stamped so 'how long outstanding' stays true."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    item = access.in_matter(session.get(DemandItem, item_id), matter_id)
    checks = Checks()
    category = checks.text("category", category, max_len=300)
    ref = checks.day("reference_date", reference_date, required=False)
    status = checks.choice("status", status, ItemStatus)
    notes = checks.text("notes", notes, required=False)
    checks.done()
    before = audit.snapshot(item)
    if status != item.status:
        item.status_changed_at = utcnow()
    item.category, item.reference_date, item.status, item.notes = category, ref, status, notes
    session.add(item)
    audit.updated(session, actor, item, before, matter_id=matter_id)
    session.commit()
    return item


def set_item_status(
    *, session: Session, actor: User, matter_id: int, item_id: int, status: str
) -> DemandItem:
    """Change only an item's status (the tracker's quick edit)."""
    item = access.in_matter(session.get(DemandItem, item_id), matter_id)
    return update_item(
        session=session,
        actor=actor,
        matter_id=matter_id,
        item_id=item_id,
        category=item.category,
        reference_date=item.reference_date,
        status=status,
        notes=item.notes,
    )


def delete_item(*, session: Session, actor: User, matter_id: int, item_id: int) -> None:
    """Remove an item recorded by mistake. An item a response answered stays."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    item = access.in_matter(session.get(DemandItem, item_id), matter_id)
    if session.exec(select(ResponseItem).where(ResponseItem.item_id == item_id)).first():
        raise Conflict(N_("A response answers this item; it cannot be removed."))
    audit.deleted(session, actor, item, matter_id=matter_id)
    session.delete(item)
    session.commit()


def _response_fields(checks: Checks, values: dict) -> dict:
    return {
        "received_on": checks.day("received_on", values.get("received_on")),
        "position": checks.choice("position", values.get("position"), Position),
        "grounds": checks.text("grounds", values.get("grounds"), required=False),
        "conditions": checks.text("conditions", values.get("conditions"), required=False),
        "summary": checks.text("summary", values.get("summary"), required=False),
        "channel": checks.choice(
            "channel", values.get("channel"), Channel, default="official_letter"
        ),
    }


def _answered_items(
    checks: Checks, session: Session, demand: Demand, item_ids: list
) -> list[DemandItem]:
    ids = {int(i) for i in item_ids if str(i).isdigit()}
    items = (
        list(
            session.exec(
                select(DemandItem).where(
                    col(DemandItem.id).in_(ids), DemandItem.demand_id == demand.id
                )
            )
        )
        if ids
        else []
    )
    if not items or len(items) != len(ids):
        checks.fail("item_ids", N_("Choose the items of this demand that the response answers."))
    return items


def record_response(
    *, session: Session, actor: User, matter_id: int, demand_id: int, item_ids: list, **values
) -> Response:
    """Record what came back and move each answered item's status accordingly.

    A verified item is never moved back by a later response; change it by hand if needed.
    """
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    demand = access.in_matter(session.get(Demand, demand_id), matter_id)
    checks = Checks()
    fields = _response_fields(checks, values)
    items = _answered_items(checks, session, demand, item_ids)
    if fields["received_on"] and fields["received_on"] < demand.sent_on:
        checks.fail("received_on", N_("The response is dated before the demand was sent."))
    checks.done()
    response = Response(demand_id=demand.id, matter_id=matter_id, **fields)
    session.add(response)
    audit.created(session, actor, response, matter_id=matter_id)
    for item in items:
        link = ResponseItem(response_id=response.id, item_id=item.id)
        session.add(link)
        new_status = _STATUS_AFTER.get(Position(fields["position"]))
        if new_status and item.status != ItemStatus.VERIFIED and item.status != new_status:
            before = audit.snapshot(item)
            item.status = new_status
            item.status_changed_at = utcnow()
            session.add(item)
            audit.updated(session, actor, item, before, matter_id=matter_id)
    audit.record(
        session,
        actor=actor,
        action="link",
        entity="Response",
        entity_id=response.id,
        matter_id=matter_id,
        after={"items": sorted(i.id for i in items)},
    )
    session.commit()
    return response


def update_response(
    *, session: Session, actor: User, matter_id: int, response_id: int, item_ids: list, **values
) -> Response:
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    response = access.in_matter(session.get(Response, response_id), matter_id)
    demand = session.get(Demand, response.demand_id)
    checks = Checks()
    fields = _response_fields(checks, values)
    items = _answered_items(checks, session, demand, item_ids)
    checks.done()
    before = audit.snapshot(response)
    for key, value in fields.items():
        setattr(response, key, value)
    session.add(response)
    audit.updated(session, actor, response, before, matter_id=matter_id)
    old_ids = set(response_item_ids(session, response.id))
    new_ids = {i.id for i in items}
    if old_ids != new_ids:
        for link in session.exec(
            select(ResponseItem).where(ResponseItem.response_id == response.id)
        ):
            session.delete(link)
        session.flush()
        for item_id in sorted(new_ids):
            session.add(ResponseItem(response_id=response.id, item_id=item_id))
        audit.record(
            session,
            actor=actor,
            action="link",
            entity="Response",
            entity_id=response.id,
            matter_id=matter_id,
            before={"items": sorted(old_ids)},
            after={"items": sorted(new_ids)},
        )
    session.commit()
    return response


def response_item_ids(session: Session, response_id: int) -> list[int]:
    return list(
        session.exec(select(ResponseItem.item_id).where(ResponseItem.response_id == response_id))
    )


# --- reading -----------------------------------------------------------------------------------


@dataclass
class TrackerRow:
    """One line of the demand tracker."""

    item: DemandItem
    demand: Demand
    party: Party
    latest: Response | None
    responses: int
    days_outstanding: int | None
    overdue_days: int | None

    @property
    def is_open(self) -> bool:
        return self.item.status in OPEN_ITEM_STATUSES


def tracker(session: Session, matter_id: int, today: date) -> list[TrackerRow]:
    """Every item of the matter with what was asked, of whom, when, and what came back.

    Three queries whatever the size of the matter (items, demands+parties, response links).
    """
    items = list(
        session.exec(
            select(DemandItem).where(DemandItem.matter_id == matter_id).order_by(DemandItem.id)
        )
    )
    demands = {
        d.id: (d, p)
        for d, p in session.exec(
            select(Demand, Party)
            .join(Party, Party.id == Demand.party_id)
            .where(Demand.matter_id == matter_id)
        ).all()
    }
    answered: dict[int, list[Response]] = {}
    for link, response in session.exec(
        select(ResponseItem, Response)
        .join(Response, Response.id == ResponseItem.response_id)
        .where(Response.matter_id == matter_id)
        .order_by(Response.received_on, Response.id)
    ).all():
        answered.setdefault(link.item_id, []).append(response)
    rows = []
    for item in items:
        demand, party = demands[item.demand_id]
        history = answered.get(item.id, [])
        still_open = item.status in OPEN_ITEM_STATUSES
        days = (today - demand.sent_on).days if still_open else None
        overdue = (
            (today - demand.due_on).days
            if still_open and demand.due_on and today > demand.due_on
            else None
        )
        rows.append(
            TrackerRow(
                item, demand, party, history[-1] if history else None, len(history), days, overdue
            )
        )
    rows.sort(key=lambda r: (not r.is_open, -(r.overdue_days or 0), r.demand.sent_on, r.item.id))
    return rows


def demands_of(session: Session, matter_id: int) -> list[Demand]:
    return list(
        session.exec(select(Demand).where(Demand.matter_id == matter_id).order_by(Demand.sent_on))
    )


def responses_to(session: Session, demand_id: int) -> list[Response]:
    return list(
        session.exec(
            select(Response)
            .where(Response.demand_id == demand_id)
            .order_by(Response.received_on, Response.id)
        )
    )


def items_of(session: Session, demand_id: int) -> list[DemandItem]:
    return list(
        session.exec(
            select(DemandItem).where(DemandItem.demand_id == demand_id).order_by(DemandItem.id)
        )
    )


def responses_for_item(session: Session, item_id: int) -> list[Response]:
    return list(
        session.exec(
            select(Response)
            .join(ResponseItem, ResponseItem.response_id == Response.id)
            .where(ResponseItem.item_id == item_id)
            .order_by(Response.received_on, Response.id)
        )
    )
