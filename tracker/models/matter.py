from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class Matter(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=64, unique=True, index=True)
    title: str = Field(max_length=300)
    kind: str = Field(max_length=32)
    status: str = Field(default="open", max_length=32)
    summary: str = Field(default="")
    our_side: str = Field(default="", max_length=200)
    label_scheme: str = Field(default="gap", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Party(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    name: str = Field(max_length=200)
    short_name: str = Field(default="", max_length=60)
    role: str = Field(max_length=32)
    contact: str = Field(default="")
    notes: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
