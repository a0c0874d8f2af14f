"""Discrepancy evidence: figures as each source reported them, and analysis runs
(ledger reconciliations and data audits) whose outputs are stored as exhibits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class Figure(SQLModel, table=True):
    """One metric as one source reported it for one reference date."""

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    metric: str = Field(max_length=100)
    reference_date: date
    source_party_id: int = Field(foreign_key="party.id")
    value: int = Field(sa_type=BigInteger)
    unit: str = Field(default="KRW", max_length=16)
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    correspondence_id: int | None = Field(default=None, foreign_key="correspondence.id")
    note: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Analysis(SQLModel, table=True):
    """A reconciliation or data audit: its inputs (exhibits), parameters, progress and result.
    The result files are exhibits of their own, each carrying the hashes of what went in."""

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    kind: str = Field(max_length=16)  # reconcile | audit
    title: str = Field(default="", max_length=300)
    left_evidence_id: int = Field(foreign_key="evidence.id")
    right_evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    params: str = Field(default="{}")
    # queued | running | done | failed | cancelled
    status: str = Field(default="queued", max_length=16)
    progress: int = 0
    error: str = Field(default="")
    # Why it failed, as a stable code and its parameters; shown in the reader's language.
    error_code: str = Field(default="", max_length=40)
    error_params: str = Field(default="{}")
    # Who runs it (host:pid:start of the process) and when that process last showed life, so
    # a job whose worker died is found and marked failed instead of "running" forever.
    worker: str = Field(default="", max_length=200)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    summary: str = Field(default="{}")
    result_evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    outputs: str = Field(default="{}")
    created_by: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
