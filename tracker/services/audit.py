"""Append to and check the hash-chained audit trail.

Every service that changes a record calls :func:`record` inside its own transaction, so the
change and its audit event commit together or not at all.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, SQLModel, select

from ..domain.hashchain import GENESIS, ChainBreak, ChainedEvent, canonical_json, event_hash
from ..domain.hashchain import verify_chain as walk_chain
from ..models import AuditEvent, User, utcnow

# Any constant works: it only has to be the same for every process appending to the chain.
_PG_CHAIN_LOCK = 7_301_120_226

log = logging.getLogger(__name__)

#: The anchor's file name in the instance dir.
ANCHOR_FILE = "audit-anchor.json"


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
    session.info[_PENDING_HEAD] = (event.seq, event.hash)
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


def head(session: Session) -> AuditEvent | None:
    """The chain's newest event (None for an empty chain)."""
    return session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()


def holds(session: Session, seq: int, digest: str) -> dict[str, Any]:
    """Does the chain still hold event ``seq`` with hash ``digest``, every link up to it
    intact? What a document that printed this head (a dossier) is tied to."""
    kept = session.exec(select(AuditEvent).where(AuditEvent.seq == seq)).first()
    # Stop at the head: what came after it does not change what the document was tied to.
    checked, broken = walk_chain(takewhile(lambda e: e.seq <= seq, _stored_events(session)))
    intact = broken is None and checked == seq
    report = {
        "seq": seq,
        "hash": digest,
        "in_chain": kept is not None,
        "hash_matches": kept is not None and kept.hash == digest,
        "chain_intact": intact,
        "problem": broken.describe() if broken else None,
    }
    report["ok"] = report["hash_matches"] and intact
    return report


# -- the anchor: the chain's head, kept outside the database ---------------------------------------
#
# A chain cut short at its end breaks no link: events deleted from the end, or commits the
# database itself lost (a damaged or deleted WAL, a restored backup), leave an intact shorter
# chain. The anchor records the newest head this instance has seen committed, in a file of the
# instance dir, after every commit that appended events; ``check_anchor`` then finds the cut.
# The file is replaced atomically but not fsynced: it is as durable as the database's own
# commits (synchronous=NORMAL), so it is written at the same pace for free and only an OS crash
# can lose both together.

_PENDING_HEAD = "tracker.audit.pending_head"
_ANCHORS: weakref.WeakKeyDictionary[Engine, Path] = weakref.WeakKeyDictionary()


def keep_anchor(engine: Engine, path: Path) -> None:
    """Advance the anchor at ``path`` after every commit through ``engine`` that appended
    audit events (once the chain is known to still hold the anchored event)."""
    _ANCHORS[engine] = Path(path)
    if not sa_event.contains(Session, "after_commit", _after_commit):
        sa_event.listen(Session, "before_commit", _before_commit)
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_soft_rollback", _forget_head)


def _anchor_for(session: Session) -> Path | None:
    try:
        return _ANCHORS.get(session.get_bind())
    except Exception:  # an unbound session: nothing to anchor
        return None


def _before_commit(session: Session) -> None:
    head = session.info.get(_PENDING_HEAD)
    path = _anchor_for(session) if head else None
    if path is None:
        session.info.pop(_PENDING_HEAD, None)
        return
    anchor = _read_anchor(path)
    if anchor is None:
        return
    kept = session.exec(select(AuditEvent.hash).where(AuditEvent.seq == anchor["seq"])).first()
    if kept != anchor["hash"]:
        # The chain no longer holds the anchored event: events were lost before this commit.
        # Keep the anchor where it is, so verify still reports the loss after new events.
        log.error("audit chain no longer holds anchored event #%s: anchor kept", anchor["seq"])
        session.info.pop(_PENDING_HEAD, None)


def _after_commit(session: Session) -> None:
    head = session.info.pop(_PENDING_HEAD, None)
    path = _anchor_for(session) if head else None
    if path is not None:
        try:
            _advance_anchor(path, *head)
        except OSError as exc:
            # The commit stands; a stale anchor only makes the next check less precise.
            log.warning("could not update the audit anchor %s: %s", path, exc)


def _forget_head(session: Session, _previous_transaction) -> None:
    session.info.pop(_PENDING_HEAD, None)


def _read_anchor(path: Path) -> dict | None:
    try:
        anchor = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"seq": None, "hash": None, "unreadable": True}
    if not isinstance(anchor, dict) or not isinstance(anchor.get("seq"), int):
        return {"seq": None, "hash": None, "unreadable": True}
    return anchor


def _advance_anchor(path: Path, seq: int, digest: str) -> None:
    """Move the anchor to ``seq`` unless it is already there or beyond (another process
    committed a later event first); under a lock, so concurrent writers never move it back."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        current = _read_anchor(path)
        if current is not None and (current.get("unreadable") or current["seq"] >= seq):
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"seq": seq, "hash": digest}))
        os.replace(tmp, path)
    finally:
        os.close(fd)


def check_anchor(session: Session, anchor_path) -> str | None:
    """Compare the chain with the head recorded outside the database (in the instance dir)
    after every commit that appended events and at every successful check. A chain cut short
    at its end breaks no link, so only this catches it. Returns a problem, or None; on success
    the anchor moves to the current head."""
    path = Path(anchor_path)
    head = session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    anchor = _read_anchor(path)
    if anchor is not None:
        if anchor.get("unreadable"):
            return f"the anchor {path} cannot be read: the chain's end cannot be checked"
        kept = session.exec(select(AuditEvent).where(AuditEvent.seq == anchor["seq"])).first()
        last = head.seq if head else 0
        if kept is None and last < anchor["seq"]:
            return (
                f"the audit chain ends before the anchor: {anchor['seq'] - last} events missing "
                f"(it ends at event #{last}; event #{anchor['seq']} existed, as recorded outside "
                "the database): events were deleted from its end, or the database lost commits "
                f"(a damaged WAL, a restored backup). If it was restored on purpose, remove {path}"
            )
        if kept is None or kept.hash != anchor["hash"]:
            return (
                f"event #{anchor['seq']} no longer has the hash it had when it was anchored: the "
                "events after the last check were replaced (lost commits, then new events)"
            )
    if head is not None:
        _advance_anchor(path, head.seq, head.hash)
    return None
