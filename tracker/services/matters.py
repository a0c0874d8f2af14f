"""Matters, their parties and their members."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import Session, func, select

from ..domain.exhibit_labels import SCHEMES
from ..errors import Conflict, ValidationFailed
from ..models import Demand, Matter, Membership, Party, User, utcnow
from ..models.enums import MatterKind, MatterStatus, PartyRole, ProceduralRole, Role
from . import access, audit
from .checks import N_, Checks

_REFERENCE = re.compile(r"^[\w\-./]{1,64}$")


def _next_reference(session: Session, now: datetime) -> str:
    year = now.astimezone(UTC).year
    count = session.exec(select(func.count()).select_from(Matter)).one()
    n = count + 1
    while session.exec(select(Matter.id).where(Matter.reference == f"{year}-{n:03d}")).first():
        n += 1
    return f"{year}-{n:03d}"


def _matter_fields(checks: Checks, values: dict) -> dict:
    fields = {
        "title": checks.text("title", values.get("title"), max_len=300),
        "kind": checks.choice("kind", values.get("kind"), MatterKind),
        "status": checks.choice("status", values.get("status"), MatterStatus, default="open"),
        "summary": checks.text("summary", values.get("summary"), required=False),
        "our_side": checks.text("our_side", values.get("our_side"), required=False, max_len=200),
        "label_scheme": values.get("label_scheme") or "gap",
        # Court papers: the 증거설명서 and the 고소장 annex print these (empty: left blank and
        # listed as a warning when a dossier is built).
        "court": checks.text("court", values.get("court"), required=False, max_len=100),
        "case_number": checks.text(
            "case_number", values.get("case_number"), required=False, max_len=64
        ),
        "case_name": checks.text("case_name", values.get("case_name"), required=False, max_len=200),
        "procedural_role": checks.choice(
            "procedural_role", values.get("procedural_role"), ProceduralRole, default=""
        ),
        "criminal_addressee": checks.text(
            "criminal_addressee", values.get("criminal_addressee"), required=False, max_len=200
        ),
    }
    if fields["label_scheme"] not in SCHEMES:
        checks.fail("label_scheme", N_("Not a valid choice."))
    return fields


def create_matter(*, session: Session, actor: User, reference: str = "", **values) -> Matter:
    """Create a matter; its creator becomes its admin. Refuses a reference already in use."""
    checks = Checks()
    reference = checks.text("reference", reference, required=False, max_len=64)
    if reference and not _REFERENCE.match(reference):
        checks.fail("reference", N_("Use letters, digits, '-', '.', '/' and '_' only."))
    fields = _matter_fields(checks, values)
    checks.done()
    reference = reference or _next_reference(session, utcnow())
    if session.exec(select(Matter.id).where(Matter.reference == reference)).first():
        raise ValidationFailed([("reference", N_("This reference is already in use."))])
    matter = Matter(reference=reference, **fields)
    session.add(matter)
    session.flush()
    audit.created(session, actor, matter, matter_id=matter.id)
    if isinstance(actor, User):
        member = Membership(user_id=actor.id, matter_id=matter.id, role=Role.ADMIN)
        session.add(member)
        audit.created(session, actor, member, matter_id=matter.id)
    session.commit()
    return matter


def update_matter(*, session: Session, actor: User, matter_id: int, **values) -> Matter:
    """Edit a matter's details (admin or editor). The reference never changes."""
    matter = access.matter_for(session, actor, matter_id, Role.EDITOR)
    checks = Checks()
    fields = _matter_fields(checks, values)
    checks.done()
    before = audit.snapshot(matter)
    for key, value in fields.items():
        setattr(matter, key, value)
    matter.updated_at = utcnow()
    session.add(matter)
    audit.updated(session, actor, matter, before, matter_id=matter.id)
    session.commit()
    return matter


def matters_for(session: Session, user: User) -> list[tuple[Matter, str]]:
    rows = session.exec(
        select(Matter, Membership.role)
        .join(Membership, Membership.matter_id == Matter.id)
        .where(Membership.user_id == user.id)
        .order_by(Matter.status, Matter.reference)
    ).all()
    return [(m, r) for m, r in rows]


# --- parties ---------------------------------------------------------------------------------


def _party_fields(checks: Checks, values: dict) -> dict:
    return {
        "name": checks.text("name", values.get("name"), max_len=200),
        "short_name": checks.text(
            "short_name", values.get("short_name"), required=False, max_len=60
        ),
        "role": checks.choice("role", values.get("role"), PartyRole),
        "contact": checks.text("contact", values.get("contact"), required=False, max_len=2000),
        "address": checks.text("address", values.get("address"), required=False, max_len=500),
        "representative": checks.text(
            "representative", values.get("representative"), required=False, max_len=200
        ),
        "notes": checks.text("notes", values.get("notes"), required=False),
    }


def add_party(*, session: Session, actor: User, matter_id: int, **values) -> Party:
    """Add a party to a matter (editor)."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    checks = Checks()
    fields = _party_fields(checks, values)
    checks.done()
    party = Party(matter_id=matter_id, **fields)
    session.add(party)
    audit.created(session, actor, party, matter_id=matter_id)
    session.commit()
    return party


def update_party(*, session: Session, actor: User, matter_id: int, party_id: int, **values):
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    party = access.in_matter(session.get(Party, party_id), matter_id)
    checks = Checks()
    fields = _party_fields(checks, values)
    checks.done()
    before = audit.snapshot(party)
    for key, value in fields.items():
        setattr(party, key, value)
    session.add(party)
    audit.updated(session, actor, party, before, matter_id=matter_id)
    session.commit()
    return party


def delete_party(*, session: Session, actor: User, matter_id: int, party_id: int) -> None:
    """Remove a party nobody refers to. A party with demands stays: history needs it."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    party = access.in_matter(session.get(Party, party_id), matter_id)
    if session.exec(select(Demand.id).where(Demand.party_id == party_id)).first():
        raise Conflict(N_("This party has demands; it cannot be removed."))
    audit.deleted(session, actor, party, matter_id=matter_id)
    session.delete(party)
    session.commit()


def parties(session: Session, matter_id: int) -> list[Party]:
    return list(session.exec(select(Party).where(Party.matter_id == matter_id).order_by(Party.id)))


# --- members ---------------------------------------------------------------------------------


def set_member(
    *, session: Session, actor: User, matter_id: int, email: str, role: str
) -> Membership:
    """Add a member or change a member's role (matter admin only)."""
    access.matter_for(session, actor, matter_id, Role.ADMIN)
    checks = Checks()
    role = checks.choice("role", role, Role)
    email = checks.text("email", email, max_len=254).lower()
    checks.done()
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        raise ValidationFailed([("email", N_("No account has this email."))])
    member = session.exec(
        select(Membership).where(Membership.user_id == user.id, Membership.matter_id == matter_id)
    ).first()
    if member is None:
        member = Membership(user_id=user.id, matter_id=matter_id, role=role)
        session.add(member)
        audit.created(session, actor, member, matter_id=matter_id)
    else:
        _keep_an_admin(session, matter_id, member, role)
        before = audit.snapshot(member)
        member.role = role
        session.add(member)
        audit.updated(session, actor, member, before, matter_id=matter_id)
    session.commit()
    return member


def remove_member(*, session: Session, actor: User, matter_id: int, membership_id: int) -> None:
    access.matter_for(session, actor, matter_id, Role.ADMIN)
    member = access.in_matter(session.get(Membership, membership_id), matter_id)
    _keep_an_admin(session, matter_id, member, None)
    audit.deleted(session, actor, member, matter_id=matter_id)
    session.delete(member)
    session.commit()


def _keep_an_admin(session: Session, matter_id: int, member: Membership, new_role) -> None:
    if member.role != Role.ADMIN or new_role == Role.ADMIN:
        return
    admins = session.exec(
        select(func.count())
        .select_from(Membership)
        .where(Membership.matter_id == matter_id, Membership.role == Role.ADMIN)
    ).one()
    if admins <= 1:
        raise Conflict(N_("A matter needs at least one admin."))


def members(session: Session, matter_id: int) -> list[tuple[Membership, User]]:
    return list(
        session.exec(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.matter_id == matter_id)
            .order_by(User.name)
        ).all()
    )
