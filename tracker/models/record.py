"""Correspondence and chronology facts: the matter's record of what happened."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class Correspondence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    party_id: int | None = Field(default=None, foreign_key="party.id", index=True)
    demand_id: int | None = Field(default=None, foreign_key="demand.id", index=True)
    direction: str = Field(max_length=8)
    channel: str = Field(max_length=32)
    occurred_on: date
    subject: str = Field(max_length=500)
    summary: str = Field(default="")
    # Filled by email import; empty for letters, meetings and calls logged by hand.
    sender: str = Field(default="", max_length=500)
    recipients: str = Field(default="")
    cc: str = Field(default="")
    message_id: str | None = Field(default=None, max_length=500, index=True)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    body_text: str = Field(default="")
    body_html: str = Field(default="")
    import_problems: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Fact(SQLModel, table=True):
    """A chronology entry. Its date may be known only to the month or year, or roughly."""

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    occurred_on: date | None = None
    precision: str = Field(default="day", max_length=16)
    text: str
    status: str = Field(default="undisputed", max_length=32)
    sources: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
