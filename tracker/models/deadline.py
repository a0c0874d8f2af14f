"""Deadlines, their extensions and watchers, the reminders sent for them, ad-hoc holidays."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class Deadline(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    matter_id: int = Field(foreign_key="matter.id", index=True)
    kind: str = Field(default="hard", max_length=16)  # hard | follow_up | hearing
    title: str = Field(max_length=300)
    demand_id: int | None = Field(default=None, foreign_key="demand.id")
    item_id: int | None = Field(default=None, foreign_key="demanditem.id")
    response_id: int | None = Field(default=None, foreign_key="response.id")
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    # The deadline ends at 24:00 Asia/Seoul on due_on; ends_at is that moment in UTC.
    due_on: date = Field(index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    # When computed (민법 157–161): what it was computed from, and each step with its article.
    trigger_on: date | None = None
    from_midnight: bool = False
    period: str = Field(default="", max_length=60)
    trace: str = Field(default="[]")
    status: str = Field(default="open", max_length=16, index=True)
    status_note: str = Field(default="")
    met_by_response_id: int | None = Field(default=None, foreign_key="response.id")
    met_by_evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    # Days before the due date to remind; empty means the default (14,7,3,1,0 then daily).
    schedule: str = Field(default="", max_length=100)
    sequence: int = 0
    notes: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeadlineWatcher(SQLModel, table=True):
    deadline_id: int = Field(foreign_key="deadline.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True)


class DeadlineExtension(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    deadline_id: int = Field(foreign_key="deadline.id", index=True)
    old_due_on: date
    new_due_on: date
    reason: str
    actor: str = Field(max_length=254)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Reminder(SQLModel, table=True):
    """One reminder slot for one recipient. The unique key is what makes sending exactly-once:
    a run claims a slot by inserting its row, and only the run that inserted it sends."""

    __table_args__ = (UniqueConstraint("deadline_id", "user_id", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    deadline_id: int = Field(foreign_key="deadline.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    # "<due date>:<D-7|D-day|D+3>": a moved deadline gets fresh slots.
    slot: str = Field(max_length=40)
    status: str = Field(default="sending", max_length=16, index=True)  # sending|sent|failed|skipped
    attempts: int = 0
    last_error: str = Field(default="")
    claimed_by: str = Field(default="", max_length=64)
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Holiday(SQLModel, table=True):
    """A day the government designated a public holiday ad hoc (임시공휴일)."""

    day: date = Field(primary_key=True)
    name: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
