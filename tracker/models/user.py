from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    is_admin: bool = False
    active: bool = True
    locale: str = Field(default="ko", max_length=8)
    # The private calendar feed's secret; None when revoked or never made.
    feed_token: str | None = Field(default=None, max_length=64, unique=True)
    # Part of every sign-in (session and "remember me" cookie); a new one signs out everywhere.
    session_token: str = Field(default_factory=lambda: secrets.token_urlsafe(32), max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    # Flask-Login's protocol, kept here because it is data, not behaviour.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "matter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    role: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
