from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    """Append-only. ``hash`` covers this event's canonical JSON and ``prev_hash``.

    ``before`` and ``after`` are stored as the exact canonical JSON text that was hashed, so
    verification never depends on how a database round-trips JSON.
    """

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, index=True)
    actor: str = Field(max_length=254)
    action: str = Field(max_length=32)
    entity: str = Field(max_length=64)
    entity_id: str = Field(max_length=64)
    matter_id: int | None = Field(default=None, index=True)
    before: str = Field(default="null")
    after: str = Field(default="null")
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
