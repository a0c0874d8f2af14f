"""Correspondence and chronology facts."""

from __future__ import annotations

from sqlmodel import Session, select

from ..models import Correspondence, Demand, Fact, Party, User
from ..models.enums import Channel, DatePrecision, Direction, FactStatus, Role
from . import access, audit
from .checks import N_, Checks


def _correspondence_fields(checks: Checks, session: Session, matter_id: int, values: dict):
    fields = {
        "direction": checks.choice("direction", values.get("direction"), Direction),
        "channel": checks.choice("channel", values.get("channel"), Channel),
        "occurred_on": checks.day("occurred_on", values.get("occurred_on")),
        "subject": checks.text("subject", values.get("subject"), max_len=500),
        "summary": checks.text("summary", values.get("summary"), required=False),
        "party_id": None,
        "demand_id": None,
    }
    for key, model in (("party_id", Party), ("demand_id", Demand)):
        raw = values.get(key)
        if raw in (None, "", 0, "0"):
            continue
        obj = session.get(model, int(raw)) if str(raw).isdigit() else None
        if obj is None or obj.matter_id != matter_id:
            checks.fail(key, N_("Not a valid choice."))
        else:
            fields[key] = obj.id
    return fields


def add_correspondence(*, session: Session, actor: User, matter_id: int, **values):
    """Log a letter, email, meeting or call, in or out."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    checks = Checks()
    fields = _correspondence_fields(checks, session, matter_id, values)
    checks.done()
    entry = Correspondence(matter_id=matter_id, **fields)
    session.add(entry)
    audit.created(session, actor, entry, matter_id=matter_id)
    session.commit()
    return entry


def update_correspondence(
    *, session: Session, actor: User, matter_id: int, entry_id: int, **values
):
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    entry = access.in_matter(session.get(Correspondence, entry_id), matter_id)
    checks = Checks()
    fields = _correspondence_fields(checks, session, matter_id, values)
    checks.done()
    before = audit.snapshot(entry)
    for key, value in fields.items():
        setattr(entry, key, value)
    session.add(entry)
    audit.updated(session, actor, entry, before, matter_id=matter_id)
    session.commit()
    return entry


def correspondence_of(session: Session, matter_id: int) -> list[Correspondence]:
    return list(
        session.exec(
            select(Correspondence)
            .where(Correspondence.matter_id == matter_id)
            .order_by(Correspondence.occurred_on.desc(), Correspondence.id.desc())
        )
    )


def _fact_fields(checks: Checks, values: dict) -> dict:
    precision = checks.choice("precision", values.get("precision"), DatePrecision, default="day")
    occurred_on = checks.day("occurred_on", values.get("occurred_on"), required=False)
    if occurred_on is None and precision == DatePrecision.DAY and not checks.errors:
        # No date at all is allowed, but then say how uncertain it is.
        precision = DatePrecision.ABOUT
    return {
        "occurred_on": occurred_on,
        "precision": precision,
        "text": checks.text("text", values.get("text"), max_len=10000),
        "status": checks.choice("status", values.get("status"), FactStatus, default="undisputed"),
        "sources": checks.text("sources", values.get("sources"), required=False, max_len=2000),
    }


def add_fact(*, session: Session, actor: User, matter_id: int, **values) -> Fact:
    """Add a chronology entry; its date may be uncertain."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    checks = Checks()
    fields = _fact_fields(checks, values)
    checks.done()
    fact = Fact(matter_id=matter_id, **fields)
    session.add(fact)
    audit.created(session, actor, fact, matter_id=matter_id)
    session.commit()
    return fact


def update_fact(*, session: Session, actor: User, matter_id: int, fact_id: int, **values) -> Fact:
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    fact = access.in_matter(session.get(Fact, fact_id), matter_id)
    checks = Checks()
    fields = _fact_fields(checks, values)
    checks.done()
    before = audit.snapshot(fact)
    for key, value in fields.items():
        setattr(fact, key, value)
    session.add(fact)
    audit.updated(session, actor, fact, before, matter_id=matter_id)
    session.commit()
    return fact


def delete_fact(*, session: Session, actor: User, matter_id: int, fact_id: int) -> None:
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    fact = access.in_matter(session.get(Fact, fact_id), matter_id)
    audit.deleted(session, actor, fact, matter_id=matter_id)
    session.delete(fact)
    session.commit()


def chronology(session: Session, matter_id: int) -> list[Fact]:
    facts = list(session.exec(select(Fact).where(Fact.matter_id == matter_id)))
    # Undated facts go last, in the order they were entered.
    facts.sort(key=lambda f: (f.occurred_on is None, f.occurred_on or f.created_at.date(), f.id))
    return facts
