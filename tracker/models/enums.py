"""Closed vocabularies. Stored as their string values; services validate against them."""

from __future__ import annotations

from enum import StrEnum


class MatterKind(StrEnum):
    CIVIL = "civil"
    CRIMINAL = "criminal"
    ADMINISTRATIVE = "administrative"
    PRE_LITIGATION = "pre_litigation"


class ProceduralRole(StrEnum):
    """Our side's standing in the civil suit (원고/피고/참가인); a complaint makes us 고소인."""

    PLAINTIFF = "plaintiff"
    DEFENDANT = "defendant"
    INTERVENOR = "intervenor"


class MatterStatus(StrEnum):
    OPEN = "open"
    ON_HOLD = "on_hold"
    CLOSED = "closed"


class PartyRole(StrEnum):
    OUR_SIDE = "our_side"
    COUNTERPARTY = "counterparty"
    THIRD_PARTY = "third_party"
    REGULATOR = "regulator"
    COURT = "court"


class DemandKind(StrEnum):
    DATA_TRANSFER = "data_transfer"
    SETTLEMENT = "settlement"
    OTHER = "other"


class Channel(StrEnum):
    OFFICIAL_LETTER = "official_letter"
    LETTER = "letter"
    EMAIL = "email"
    MEETING = "meeting"
    CALL = "call"
    OTHER = "other"


class ItemStatus(StrEnum):
    OUTSTANDING = "outstanding"
    PARTIAL = "partial"
    REFUSED = "refused"
    DELIVERED = "delivered"
    VERIFIED = "verified"


# Items in these states still need something from the other side.
OPEN_ITEM_STATUSES = (ItemStatus.OUTSTANDING, ItemStatus.PARTIAL, ItemStatus.REFUSED)


class Position(StrEnum):
    COMPLIED = "complied"
    PARTIAL = "partial"
    REFUSED = "refused"
    CONDITIONAL = "conditional"
    SILENT = "silent"


class Direction(StrEnum):
    INCOMING = "in"
    OUTGOING = "out"


class FactStatus(StrEnum):
    UNDISPUTED = "undisputed"
    DISPUTED_BY_THEM = "disputed_by_them"
    DISPUTED_BY_US = "disputed_by_us"
    UNSURE = "unsure"


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    ABOUT = "about"


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}
