from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class Demand(SQLModel, table=True):
    """What we asked of a party, when, how, and on what basis."""

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    party_id: int = Field(foreign_key="party.id", index=True)
    title: str = Field(max_length=300)
    kind: str = Field(max_length=32)
    sent_on: date
    channel: str = Field(max_length=32)
    basis: str = Field(default="")
    due_on: date | None = None
    notes: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DemandItem(SQLModel, table=True):
    """One data category or figure inside a demand, tracked until delivered and verified."""

    id: int | None = Field(default=None, primary_key=True)
    demand_id: int = Field(foreign_key="demand.id", index=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    category: str = Field(max_length=300)
    reference_date: date | None = None
    status: str = Field(default="outstanding", max_length=32)
    notes: str = Field(default="")
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Response(SQLModel, table=True):
    """What came back for a demand, and the items it answers."""

    id: int | None = Field(default=None, primary_key=True)
    demand_id: int = Field(foreign_key="demand.id", index=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    received_on: date
    position: str = Field(max_length=32)
    grounds: str = Field(default="")
    conditions: str = Field(default="")
    summary: str = Field(default="")
    channel: str = Field(default="official_letter", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ResponseItem(SQLModel, table=True):
    response_id: int = Field(foreign_key="response.id", primary_key=True)
    item_id: int = Field(foreign_key="demanditem.id", primary_key=True)
