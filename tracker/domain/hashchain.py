"""The audit trail's hash chain: canonical JSON, event hashes, and the walk that checks them.

Pure stdlib. An event's hash is SHA-256 over the canonical JSON of its fields together with the
previous event's hash, so editing, deleting or inserting a row breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in audit data")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot put {type(value).__name__} in the audit trail")


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text: the same value always gives the same string."""
    return json.dumps(
        value, default=_default, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def event_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    payload = canonical_json({**fields, "prev_hash": prev_hash})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: Any
    reason: str

    def describe(self) -> str:
        return f"event #{self.seq} (id {self.event_id}): {self.reason}"


@dataclass(frozen=True)
class ChainedEvent:
    """What the walk needs of a stored event."""

    event_id: Any
    seq: int
    fields: Mapping[str, Any]
    prev_hash: str
    hash: str


def verify_chain(events: Iterable[ChainedEvent]) -> tuple[int, ChainBreak | None]:
    """Walk events in ``seq`` order. Return how many were checked and the first break, if any.

    A missing sequence number means a row was deleted; a ``prev_hash`` that does not match the
    event before means a row was inserted or moved; a hash that does not match its own fields
    means a row was edited.
    """
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for event in events:
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                reason = f"sequence jumps from {expected_seq - 1} to {event.seq}: a row was deleted"
            else:
                reason = f"sequence {event.seq} repeats or runs backwards: a row was added"
            return checked, ChainBreak(event.seq, event.event_id, reason)
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(
                event.seq,
                event.event_id,
                "previous-hash link does not match the event before: a row was added or reordered",
            )
        if event_hash(event.fields, event.prev_hash) != event.hash:
            return checked, ChainBreak(
                event.seq, event.event_id, "content does not match its hash: the row was edited"
            )
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    return checked, None
