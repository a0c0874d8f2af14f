"""Background work: the worker processes that reported in, and periodic-task claims."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class WorkerProcess(SQLModel, table=True):
    """One ``tracker worker`` process: it writes its heartbeat here every few seconds, so the
    dashboard can tell whether background work (reminders, integrity check, builds) runs."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)  # host:pid:start, as jobs record it
    hostname: str = Field(max_length=120)
    pid: int
    threads: int = 1
    # How many times `tracker serve --with-worker` had to restart a dead worker before this one.
    restarts: int = 0
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    heartbeat_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PeriodicRun(SQLModel, table=True):
    """A periodic task's run for one schedule slot. The unique key lets exactly one of any
    number of workers (each with its own scheduler) claim the slot."""

    __table_args__ = (UniqueConstraint("task", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(max_length=64)
    slot: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str = Field(max_length=200)
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str = Field(default="{}")
