"""Append to and check the hash-chained audit trail.

Every service that changes a record calls :func:`record` inside its own transaction, so the
change and its audit event commit together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from ..domain.hashchain import GENESIS, ChainBreak, ChainedEvent, canonical_json, event_hash
from ..domain.hashchain import verify_chain as walk_chain
from ..models import AuditEvent, User, utcnow

# Any constant works: it only has to be the same for every process appending to the chain.
_PG_CHAIN_LOCK = 7_301_120_226


@dataclass(frozen=True)
class Actor:
    """Who did it: a signed-in user, or a named system process (demo loader, worker)."""

    user_id: int | None
    label: str

    @classmethod
    def of(cls, who: User | Actor | str) -> Actor:
        if isinstance(who, Actor):
            return who
        if isinstance(who, str):
            return cls(None, who)
        return cls(who.id, who.email)


def snapshot(obj: SQLModel) -> dict[str, Any]:
    """The record's column values, as they would be hashed."""
    mapper = sa_inspect(obj).mapper
    values = {}
    for column in mapper.column_attrs:
        value = getattr(obj, column.key)
        if column.key in ("password_hash", "feed_token", "session_token"):
            # Secrets never enter the audit trail, only whether they are set.
            value = "(set)" if value else ""
        values[column.key] = value
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Only the fields that changed, old and new."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at,
        "actor_id": event.actor_id,
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "matter_id": event.matter_id,
        "before": event.before,
        "after": event.after,
    }


def _lock_chain(session: Session) -> None:
    # On SQLite the record's own write, flushed before this, already holds the writer lock.
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_PG_CHAIN_LOCK))


def record(
    session: Session,
    *,
    actor: User | Actor | str,
    action: str,
    entity: str,
    entity_id: Any,
    matter_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain. The caller commits."""
    who = Actor.of(actor)
    session.flush()
    _lock_chain(session)
    last = session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        at=at or utcnow(),
        actor_id=who.user_id,
        actor=who.label,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        matter_id=matter_id,
        before=canonical_json(before),
        after=canonical_json(after),
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    event.hash = event_hash(_fields(event), event.prev_hash)
    session.add(event)
    return event


def created(session: Session, actor, obj: SQLModel, *, matter_id: int | None) -> AuditEvent:
    session.flush()
    return record(
        session,
        actor=actor,
        action="create",
        entity=type(obj).__name__,
        entity_id=obj.id,
        matter_id=matter_id,
        after=snapshot(obj),
    )


def updated(
    session: Session, actor, obj: SQLModel, before: dict[str, Any], *, matter_id: int | None
) -> AuditEvent | None:
    """Record the fields that changed; nothing when nothing did."""
    session.flush()
    old, new = diff(before, snapshot(obj))
    if not new:
        return None
    return record(
        session,
        actor=actor,
        action="update",
        entity=type(obj).__name__,
        entity_id=obj.id,
        matter_id=matter_id,
        before=old,
        after=new,
    )


def deleted(session: Session, actor, obj: SQLModel, *, matter_id: int | None) -> AuditEvent:
    return record(
        session,
        actor=actor,
        action="delete",
        entity=type(obj).__name__,
        entity_id=obj.id,
        matter_id=matter_id,
        before=snapshot(obj),
    )


def history(session: Session, *, entity: str, entity_id: Any) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.seq)
        )
    )


def for_matter(session: Session, matter_id: int, limit: int = 500) -> list[AuditEvent]:
    """The matter's newest events first."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.matter_id == matter_id)
            .order_by(AuditEvent.seq.desc())
            .limit(limit)
        )
    )


def _stored_events(session: Session, batch: int = 2000) -> Iterator[ChainedEvent]:
    """Stream the chain in ``seq`` order without loading it whole."""
    after = 0
    while True:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield ChainedEvent(row.id, row.seq, _fields(row), row.prev_hash, row.hash)
        after = rows[-1].seq


def verify(session: Session) -> tuple[int, ChainBreak | None]:
    """Check the whole chain: count of intact events, and the first break if any."""
    return walk_chain(_stored_events(session))


def check_anchor(session: Session, anchor_path) -> str | None:
    """Compare the chain with the head recorded at the last successful check (kept outside the
    database, in the instance dir). A chain cut short at its end breaks no link, so only this
    catches it. Returns a problem, or None; on success the anchor moves to the current head."""
    from pathlib import Path

    path = Path(anchor_path)
    head = session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    if path.exists():
        anchor = json.loads(path.read_text())
        kept = session.exec(select(AuditEvent).where(AuditEvent.seq == anchor["seq"])).first()
        if kept is None:
            last = head.seq if head else 0
            return (
                f"the chain ends at event #{last}, but event #{anchor['seq']} existed at the last "
                "check: events were deleted from its end"
            )
        if kept.hash != anchor["hash"]:
            return f"event #{anchor['seq']} no longer has the hash it had at the last check"
    if head is not None:
        path.write_text(json.dumps({"seq": head.seq, "hash": head.hash}))
    return None
