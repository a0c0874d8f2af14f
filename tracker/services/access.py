"""Who may see and change a matter. Every matter-scoped service and view goes through here."""

from __future__ import annotations

from sqlmodel import Session, select

from ..errors import Forbidden, NotFound
from ..models import Matter, Membership, User
from ..models.enums import ROLE_RANK, Role
from .checks import N_


def role_in(session: Session, user: User | None, matter_id: int) -> Role | None:
    if user is None or user.id is None or not user.active:
        return None
    role = session.exec(
        select(Membership.role).where(
            Membership.user_id == user.id, Membership.matter_id == matter_id
        )
    ).first()
    return Role(role) if role else None


def check(session: Session, user: User | None, matter_id: int, need: Role = Role.VIEWER) -> Role:
    """The user's role, if it is at least ``need``.

    A non-member is told the matter does not exist (NotFound), so ids cannot be probed; a member
    with too small a role gets Forbidden.
    """
    role = role_in(session, user, matter_id)
    if role is None:
        raise NotFound("matter")
    if ROLE_RANK[role] < ROLE_RANK[need]:
        raise Forbidden(N_("Your role on this matter does not allow this change."))
    return role


def may_change(session: Session, user: User | None, matter_id: int) -> bool:
    """Whether the user may change the matter's records (editor or admin). Viewers read,
    download and verify; anything that records something (a dossier build too) needs this.
    Pages use it to hide the forms the services would refuse."""
    role = role_in(session, user, matter_id)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[Role.EDITOR]


def matter_for(
    session: Session, user: User | None, key: int | str, need: Role = Role.VIEWER
) -> Matter:
    """Load a matter by id or reference, checking the user's role on it."""
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        matter = session.get(Matter, int(key))
    else:
        matter = session.exec(select(Matter).where(Matter.reference == key.strip())).first()
    if matter is None:
        raise NotFound("matter")
    check(session, user, matter.id, need)
    return matter


def in_matter(obj, matter_id: int):
    """Refuse an object that belongs to another matter, as if it did not exist."""
    if obj is None or getattr(obj, "matter_id", None) != matter_id:
        raise NotFound(type(obj).__name__.lower() if obj is not None else "record")
    return obj
