"""Accounts and passwords (argon2id)."""

from __future__ import annotations

import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import User
from . import audit
from .checks import N_, Checks

_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps timing the same for both failures.
_DUMMY_HASH = _hasher.hash("not a password")

MIN_PASSWORD = 10


def _normal_email(checks: Checks, email: str) -> str:
    email = checks.text("email", email, max_len=254).lower()
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            checks.fail("email", N_("Not a valid email address."))
    return email


def create_user(
    *,
    session: Session,
    actor,
    email: str,
    name: str,
    password: str,
    is_admin: bool = False,
    locale: str = "ko",
) -> User:
    """Create an account. Refuses a taken email, a short password or a bad address."""
    checks = Checks()
    email = _normal_email(checks, email)
    name = checks.text("name", name, max_len=120)
    if len(password or "") < MIN_PASSWORD:
        checks.fail("password", N_("Use at least 10 characters."))
    checks.done()
    if session.exec(select(User).where(User.email == email)).first():
        raise Conflict(N_("An account with this email already exists."))
    user = User(
        email=email,
        name=name,
        password_hash=_hasher.hash(password),
        is_admin=is_admin,
        locale=locale if locale in ("ko", "en") else "ko",
    )
    session.add(user)
    audit.created(session, actor, user, matter_id=None)
    session.commit()
    return user


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Never says which part was wrong."""
    user = session.exec(select(User).where(User.email == (email or "").strip().lower())).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


def set_locale(*, session: Session, user: User, locale: str) -> None:
    if locale not in ("ko", "en") or user.locale == locale:
        return
    before = audit.snapshot(user)
    user.locale = locale
    session.add(user)
    audit.updated(session, user, user, before, matter_id=None)
    session.commit()


def by_email(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == (email or "").strip().lower())).first()
    if user is None:
        raise NotFound(f"no user with email {email}")
    return user


def _require_site_admin(actor: User) -> None:
    if not getattr(actor, "is_admin", False):
        raise Forbidden("site admin only")


def list_users(*, session: Session, actor: User) -> list[User]:
    _require_site_admin(actor)
    return list(session.exec(select(User).order_by(User.name)))


def update_user(
    *, session: Session, actor: User, user_id: int, name: str, is_admin: bool, active: bool
) -> User:
    """A site admin edits an account. Refuses to leave the site without an active admin."""
    _require_site_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    checks = Checks()
    name = checks.text("name", name, max_len=120)
    checks.done()
    if user.is_admin and (not is_admin or not active):
        admins = session.exec(
            select(User.id).where(User.is_admin == True, User.active == True)  # noqa: E712
        ).all()
        if len(admins) <= 1:
            raise ValidationFailed([("is_admin", N_("The site needs at least one active admin."))])
    before = audit.snapshot(user)
    user.name, user.is_admin, user.active = name, bool(is_admin), bool(active)
    session.add(user)
    audit.updated(session, actor, user, before, matter_id=None)
    session.commit()
    return user


def change_password(*, session: Session, user: User, current: str, new: str) -> None:
    """Change one's own password after proving the current one."""
    try:
        _hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise ValidationFailed([("current", N_("The current password is wrong."))]) from None
    if len(new or "") < MIN_PASSWORD:
        raise ValidationFailed([("new", N_("Use at least 10 characters."))])
    _set_password(session, user, user, new)
    session.commit()


def reset_password(*, session: Session, actor: User, user_id: int, new: str) -> User:
    """A site admin sets a new password for an account; every sign-in of that account, on
    every device, ends."""
    _require_site_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    if len(new or "") < MIN_PASSWORD:
        raise ValidationFailed([("new", N_("Use at least 10 characters."))])
    _set_password(session, actor, user, new)
    session.commit()
    return user


def _set_password(session: Session, actor, user: User, new: str) -> None:
    # A new password also ends the old sign-ins: whoever knew the old one may be signed in.
    user.password_hash = _hasher.hash(new)
    user.session_token = secrets.token_urlsafe(32)
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="User",
        entity_id=user.id,
        matter_id=None,
        before={"password_hash": "(set)", "session_token": "(old)"},
        after={"password_hash": "(changed)", "session_token": "(new)"},
    )


def sign_out_everywhere(*, session: Session, user: User) -> None:
    """End every sign-in of this user (this browser's and any "remember me" cookie elsewhere):
    the session token that each of them carries is replaced."""
    user.session_token = secrets.token_urlsafe(32)
    session.add(user)
    audit.record(
        session,
        actor=user,
        action="sign_out",
        entity="User",
        entity_id=user.id,
        matter_id=None,
        before={"session_token": "(old)"},
        after={"session_token": "(new)"},
    )
    session.commit()


def by_login_id(session: Session, login_id: str) -> User | None:
    """The active user a session or remember cookie names (``<id>:<session token>``), or None
    when the token was replaced since (signed out, password changed) or the account is off."""
    user_id, _sep, token = (login_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def issue_feed_token(*, session: Session, user: User) -> str:
    """A new secret for the user's calendar feed; the old URL stops working."""
    before = audit.snapshot(user)
    user.feed_token = secrets.token_urlsafe(32)
    session.add(user)
    audit.record(
        session,
        actor=user,
        action="update",
        entity="User",
        entity_id=user.id,
        matter_id=None,
        before={"feed_token": "(old)" if before["feed_token"] else None},
        after={"feed_token": "(new)"},
    )
    session.commit()
    return user.feed_token


def revoke_feed_token(*, session: Session, user: User) -> None:
    if user.feed_token is None:
        return
    user.feed_token = None
    session.add(user)
    audit.record(
        session,
        actor=user,
        action="update",
        entity="User",
        entity_id=user.id,
        matter_id=None,
        before={"feed_token": "(set)"},
        after={"feed_token": None},
    )
    session.commit()


def by_feed_token(session: Session, token: str) -> User:
    """The active user whose feed this is; NotFound for a wrong or revoked token."""
    if not token or len(token) > 64:
        raise NotFound("feed")
    user = session.exec(select(User).where(User.feed_token == token)).first()
    if user is None or not user.active:
        raise NotFound("feed")
    return user
