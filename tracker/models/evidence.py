"""Exhibits: files in the vault with their 증거설명서 metadata, labels and links.

Custody events are audit events (entity ``Evidence``, action ``custody.*``), so the chain of
custody is covered by the same hash chain as every other change.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class Evidence(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("matter_id", "sha256"),
        UniqueConstraint("matter_id", "label_number", "label_branch"),
    )

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    # What the server measured; never taken from the client.
    sha256: str = Field(max_length=64, index=True)
    size: int = Field(sa_type=BigInteger)
    media_type: str = Field(max_length=100)
    media_label: str = Field(default="", max_length=200)
    inline_safe: bool = False
    type_mismatch: bool = False
    # What the user says about it.
    original_filename: str = Field(max_length=1024)
    display_name: str = Field(max_length=1024)
    title: str = Field(default="", max_length=500)
    source_party_id: int | None = Field(default=None, foreign_key="party.id")
    source_person: str = Field(default="", max_length=200)
    obtained_how: str = Field(default="", max_length=200)
    received_on: date | None = None
    author: str = Field(default="", max_length=200)
    made_on: date | None = None
    is_original: bool = False
    proves: str = Field(default="")
    tags: str = Field(default="", max_length=500)
    # 서증 번호: given when marked for production, never reused. Branch 0 means none.
    label_number: int | None = None
    label_branch: int = 0
    labeled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_reason: str = Field(default="")
    # An attachment of an imported email points at the email's own evidence record.
    parent_id: int | None = Field(default=None, foreign_key="evidence.id")
    correspondence_id: int | None = Field(default=None, foreign_key="correspondence.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EvidenceLink(SQLModel, table=True):
    """An exhibit supports a fact, demand, response or piece of correspondence."""

    evidence_id: int = Field(foreign_key="evidence.id", primary_key=True)
    target_type: str = Field(max_length=32, primary_key=True)
    target_id: int = Field(primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)


class CorrespondenceAttachment(SQLModel, table=True):
    """One attachment of one email, under the name that email gave it, in its place.

    The bytes are stored once per matter (one Evidence per sha256), but every email that
    carried them has its own row here, so an email lists all it carried: the second email with
    a file already on record, and the same file attached twice under two names. ``evidence_id``
    is empty when the attachment could not be stored (``problem`` says why).
    """

    __table_args__ = (UniqueConstraint("correspondence_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    correspondence_id: int = Field(foreign_key="correspondence.id", index=True)
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id", index=True)
    position: int  # 1, 2, ... in the order of the message
    filename: str = Field(max_length=1024)  # as this email named it
    content_id: str | None = Field(default=None, max_length=500)
    inline: bool = False
    problem: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IntegrityCheck(SQLModel, table=True):
    """One run of the vault integrity check: every stored object re-hashed."""

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    trigger: str = Field(default="cli", max_length=32)
    objects_checked: int = 0
    ok: bool = False
    tampered: str = Field(default="[]")
    missing: str = Field(default="[]")
    orphans: str = Field(default="[]")
