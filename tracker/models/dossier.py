"""Every dossier ever built: immutable once done, with its hash, inputs and a data snapshot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class Dossier(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=120, unique=True, index=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    purpose: str = Field(max_length=16)
    lang: str = Field(default="ko", max_length=8)
    options: str = Field(default="{}")  # sections, date range, chosen exhibits
    built_by: str = Field(default="", max_length=254)
    generated_at: datetime = Field(sa_type=UTCDateTime)
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
    # The signed PDF, stored in the vault by this hash.
    sha256: str | None = Field(default=None, max_length=64, index=True)
    size: int | None = Field(default=None, sa_type=BigInteger)
    page_count: int | None = None
    signed_locally: bool = True
    exhibits: str = Field(default="[]")  # [{evidence_id, label, sha256, start_page}]
    snapshot: str = Field(default="{}")  # the context the PDF was built from (paths removed)
    # The audit chain's newest event when the context was read (printed on the cover), so
    # `dossier verify` can say whether the chain still holds it with the same hash.
    audit_seq: int | None = None
    audit_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
