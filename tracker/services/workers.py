"""Worker processes and periodic-task slots, kept in the database so every web process and
every worker sees the same picture, whichever queue (SQLite or Redis) Huey uses.

- Each ``tracker worker`` registers itself and writes a heartbeat every few seconds; the
  dashboard shows whether one is alive, when it last reported and how often it was restarted.
- A periodic task runs once per schedule slot however many workers run: each worker's
  scheduler enqueues it, and the first to insert the (task, slot) row runs it.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ..models import PeriodicRun, WorkerProcess, utcnow

ALIVE_WINDOW = timedelta(seconds=60)
KEEP_STOPPED = timedelta(days=7)


_token: dict[str, Any] = {"pid": None, "name": ""}


def process_name() -> str:
    """host:pid:start of this process; recomputed after a fork (gunicorn web workers)."""
    pid = os.getpid()
    if _token["pid"] != pid:
        _token.update(pid=pid, name=f"{socket.gethostname()[:120]}:{pid}:{time.time():.0f}")
    return _token["name"]


def process_gone(name: str) -> bool:
    """Whether the process that wrote ``name`` is certainly dead. Only answerable on its own
    host; elsewhere the heartbeat's age decides."""
    try:
        host, pid_text, _start = name.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname()[:120]:
        return False
    if pid == os.getpid():
        return name != process_name()  # our pid, but an earlier life (a restarted container)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child its parent has not reaped yet is a zombie, not a worker
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


def register(engine: Engine, name: str, *, threads: int, restarts: int = 0) -> None:
    """Record a starting worker (and forget workers gone for a week)."""
    _host, pid, _start = name.rsplit(":", 2)
    now = utcnow()
    with Session(engine) as s:
        s.exec(delete(WorkerProcess).where(WorkerProcess.heartbeat_at < now - KEEP_STOPPED))
        s.add(
            WorkerProcess(
                name=name,
                hostname=_host[:120],
                pid=int(pid),
                threads=threads,
                restarts=restarts,
                started_at=now,
                heartbeat_at=now,
            )
        )
        s.commit()


def beat(engine: Engine, name: str) -> None:
    with Session(engine) as s:
        s.exec(
            update(WorkerProcess).where(WorkerProcess.name == name).values(heartbeat_at=utcnow())
        )
        s.commit()


def stopped(engine: Engine, name: str) -> None:
    with Session(engine) as s:
        s.exec(update(WorkerProcess).where(WorkerProcess.name == name).values(stopped_at=utcnow()))
        s.commit()


def _alive_query(now: datetime):
    return select(WorkerProcess).where(
        WorkerProcess.heartbeat_at > now - ALIVE_WINDOW, col(WorkerProcess.stopped_at).is_(None)
    )


def _alive(session: Session, now: datetime) -> list[WorkerProcess]:
    # A fresh heartbeat from a process that is gone (killed a moment ago) does not count.
    rows = session.exec(_alive_query(now).order_by(WorkerProcess.started_at))
    return [w for w in rows if not process_gone(w.name)]


def any_alive(session: Session, now: datetime | None = None) -> bool:
    return bool(_alive(session, now or utcnow()))


@dataclass
class Health:
    alive: list[WorkerProcess]
    last: WorkerProcess | None  # the most recent heartbeat of any worker
    restarts: int  # restarts of the workers alive now (or of the last one)

    @property
    def ok(self) -> bool:
        return bool(self.alive)


def health(session: Session, now: datetime | None = None) -> Health:
    """What the dashboard shows about background work."""
    now = now or utcnow()
    alive = _alive(session, now)
    last = session.exec(
        select(WorkerProcess).order_by(col(WorkerProcess.heartbeat_at).desc()).limit(1)
    ).first()
    counted = alive or ([last] if last else [])
    return Health(alive, last, max((w.restarts for w in counted), default=0))


# --- periodic slots --------------------------------------------------------------------------


def slot_of(schedule: Callable[[datetime], bool], now: datetime) -> datetime:
    """The latest minute at or before ``now`` (UTC) that the crontab ``schedule`` matches: the
    slot a run belongs to, the same for every worker however late its queue runs it."""
    minute = now.astimezone(UTC).replace(second=0, microsecond=0, tzinfo=None)
    for _ in range(60 * 24 * 7 + 1):  # a weekly schedule at most
        if schedule(minute):
            return minute.replace(tzinfo=UTC)
        minute -= timedelta(minutes=1)
    return now.astimezone(UTC).replace(second=0, microsecond=0)


def claim_slot(engine: Engine, task: str, slot: datetime, by: str) -> bool:
    """True for the one caller that gets to run ``task`` for ``slot``."""
    with Session(engine) as s:
        s.add(PeriodicRun(task=task, slot=slot, claimed_by=by))
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            return False
    return True


def finish_slot(engine: Engine, task: str, slot: datetime, outcome: dict) -> None:
    with Session(engine) as s:
        s.exec(
            update(PeriodicRun)
            .where(PeriodicRun.task == task, PeriodicRun.slot == slot)
            .values(finished_at=utcnow(), outcome=json.dumps(outcome, default=str))
        )
        s.commit()


def release_slot(engine: Engine, task: str, slot: datetime, by: str) -> None:
    """Give back an unfinished claim (the run was interrupted), so a requeued run may take it."""
    with Session(engine) as s:
        s.exec(
            delete(PeriodicRun).where(
                PeriodicRun.task == task,
                PeriodicRun.slot == slot,
                PeriodicRun.claimed_by == by,
                col(PeriodicRun.finished_at).is_(None),
            )
        )
        s.commit()


def runs_of(session: Session, task: str) -> list[PeriodicRun]:
    return list(
        session.exec(select(PeriodicRun).where(PeriodicRun.task == task).order_by(PeriodicRun.id))
    )
