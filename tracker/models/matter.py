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
    # Where the matter is (or will be) before a court or prosecutor: printed on the
    # 증거설명서 (사건, 원고/피고, ○○지방법원 귀중) and on the 고소장 annex (○○검찰청 검사장 귀중).
    court: str = Field(default="", max_length=100)
    case_number: str = Field(default="", max_length=64)
    case_name: str = Field(default="", max_length=200)
    procedural_role: str = Field(default="", max_length=16)  # ProceduralRole, or "" (unknown)
    criminal_addressee: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Party(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    name: str = Field(max_length=200)
    short_name: str = Field(default="", max_length=60)
    role: str = Field(max_length=32)
    contact: str = Field(default="")
    # For the 고소인/피고소인 and 원고/피고 blocks of court papers.
    address: str = Field(default="", max_length=500)
    representative: str = Field(default="", max_length=200)
    notes: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
