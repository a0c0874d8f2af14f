"""The plain dict a dossier is built from.

The app layer reads the database and hands the engine one ``DossierContext``; the engine never
touches the database. Every string in it is user text: the engine escapes it everywhere and
never lets it become markup, CSS or a URL.

Keys beyond the original brief:

- ``sections`` may be omitted: ``DEFAULT_SECTIONS[purpose]`` is used then.
- ``signature_note`` is filled in by ``build_dossier`` (how the PDF is signed); leave it out.
- ``facts[].status``, ``demands[].items[].status``, ``correspondence[].direction`` / ``kind`` may be
  codes (``undisputed``, ``outgoing``, ``letter``…), shown in the dossier's language, or free text
  shown as given.
- ``deadlines``, ``custody`` and ``audit_head`` may be omitted (their sections then say there is
  nothing recorded, and the cover names no chain head). The app fills them from the database:
  the engine prints them as given and never computes a deadline or reads the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict

from .errors import ContextInvalid

Purpose = Literal["civil", "criminal", "internal"]
Lang = Literal["ko", "en"]
SectionName = Literal[
    "summary",
    "chronology",
    "demands",
    "deadlines",
    "correspondence",
    "discrepancies",
    "evidence_statement",
    "custody",
]

SECTION_NAMES: tuple[str, ...] = (
    "summary",
    "chronology",
    "demands",
    "deadlines",
    "correspondence",
    "discrepancies",
    "evidence_statement",
    "custody",
)

#: Section order each purpose uses when the caller does not choose: a civil court reads the
#: story then the 증거설명서; a prosecutor wants the harm and the numbers before the letters.
#: The deadlines follow the demands they belong to; the chain of custody closes the body, right
#: before the exhibits it vouches for.
DEFAULT_SECTIONS: Mapping[str, tuple[str, ...]] = {
    "civil": (
        "summary",
        "chronology",
        "demands",
        "deadlines",
        "correspondence",
        "discrepancies",
        "evidence_statement",
        "custody",
    ),
    "criminal": (
        "summary",
        "chronology",
        "discrepancies",
        "demands",
        "deadlines",
        "correspondence",
        "evidence_statement",
        "custody",
    ),
    "internal": (
        "summary",
        "demands",
        "deadlines",
        "discrepancies",
        "chronology",
        "correspondence",
        "evidence_statement",
        "custody",
    ),
}


class Matter(TypedDict):
    reference: str
    title: str
    kind: str
    status: str
    summary: str
    our_side: str
    # Court papers (may be empty): the 증거설명서 heading and closing, the 고소장 addressee.
    court: NotRequired[str]
    case_number: NotRequired[str]
    case_name: NotRequired[str]
    procedural_role: NotRequired[str]  # plaintiff / defendant / intervenor / ""
    criminal_addressee: NotRequired[str]


class Party(TypedDict):
    name: str
    role: str  # as printed ("원고", "감독기관")
    contact: str
    role_code: NotRequired[str]  # our_side / counterparty / …: picks the 고소인/피고소인 blocks
    address: NotRequired[str]
    representative: NotRequired[str]


class Fact(TypedDict):
    date_text: str  # "2022-01-27 (목)"; uncertain dates stay text ("2021-12 경")
    text: str
    status: str
    sources: list[str]  # exhibit labels


class DemandItem(TypedDict):
    category: str
    reference_date: str
    status: str
    latest_response: str
    deadline_result: Literal["met", "missed", "open"]
    days_late: int | None


class DemandResponse(TypedDict):
    received_on: str
    position: str
    grounds: str
    conditions: str


class Demand(TypedDict):
    title: str
    party: str
    sent_on: str
    channel: str
    basis: str
    due_on: str
    items: list[DemandItem]
    responses: list[DemandResponse]


class Letter(TypedDict):
    date: str
    direction: str
    kind: str
    counterpart: str
    subject: str
    exhibit_labels: list[str]


class FigureRow(TypedDict):
    metric: str
    reference_date: str
    values: dict[str, int | None]  # source name -> amount
    diffs: dict[str, int | None]  # source name -> value minus the baseline's value


class Figures(TypedDict):
    metrics: list[str]
    rows: list[FigureRow]
    baseline: str  # the source the diffs are taken against


class LedgerSide(TypedDict):
    rows: int  # data rows read, invalid ones included
    keys: int  # distinct valid keys
    total: int  # sum of the valid amounts
    invalid_rows: int
    duplicate_keys: int  # keys on more than one valid row


class ReconciliationSummary(TypedDict):
    """Exactly ``ReconcileResult.to_json()`` of the reconcile engine (what ``summary.json``
    holds under ``summary``): one block per ledger, then the comparison."""

    left: LedgerSide
    right: LedgerSide
    only_left: int
    only_right: int
    matched: int
    mismatched: int
    difference_total: int  # left minus right, over the keys on both sides that differ


class Reconciliation(TypedDict):
    title: str
    left_name: str
    right_name: str
    summary: ReconciliationSummary


class DataAudit(TypedDict):
    title: str
    profile: str
    rows: int
    usable_rows: int
    missing: dict[str, int]
    invalid: dict[str, int]


class Exhibit(TypedDict):
    label: str  # as this bundle prints it: "갑 제1호증", "증 제1호증", "Exhibit 1"
    title: str
    author: str
    made_on: str
    original: bool
    proves: str
    sha256: str  # hex, as recorded when the file entered the vault
    filename: str
    media_type: str
    size: int
    path: Path  # the stored bytes; re-hashed at build time


class Deadline(TypedDict):
    title: str
    kind: str  # hard | follow_up | hearing, or free text
    due_on: str  # the last day; the period ends at its 24:00 KST
    status: str  # met | missed | open | extended | cancelled
    # met: days before the due day it was met (0: on the day); missed, or open and past due:
    # days late as of the met day or the dossier's day; open and ahead: days left.
    days: int | None
    met_on: str  # when it was met (the response that met it), else ""
    basis: str  # "2022-01-27 + 1개월" for a computed deadline, else ""
    note: str
    trace: list[str]  # one line per computation step, article first, in the dossier's language


class CustodyEvent(TypedDict):
    seq: int  # the event's place in the audit hash chain
    at: dt.datetime  # tz-aware
    kind: str  # received | viewed | downloaded | exported | included_in_dossier | ...
    actor: str
    detail: str


class Custody(TypedDict):
    label: str  # the exhibit it belongs to
    received_on: str
    source: str  # from whom
    how: str  # how it was obtained
    sha256_at_receipt: str  # as the audit trail recorded it when the file was received
    receipt_seq: int | None  # the audit event that recorded the receipt
    events: list[CustodyEvent]  # every custody event up to ``audit_head``, oldest first


class AuditHead(TypedDict):
    seq: int
    hash: str  # hex SHA-256 of the newest audit event when the context was made


class DossierContext(TypedDict):
    dossier_number: str
    purpose: Purpose
    lang: Lang
    generated_at: dt.datetime  # tz-aware; shown in KST, stored in the PDF as UTC
    prepared_by: str
    confidentiality: str  # "" for court filings (see wording.confidentiality_mark)
    matter: Matter
    parties: list[Party]
    sections: NotRequired[list[SectionName]]
    facts: list[Fact]
    demands: list[Demand]
    correspondence: list[Letter]
    figures: Figures
    reconciliations: list[Reconciliation]
    data_audits: list[DataAudit]
    exhibits: list[Exhibit]
    deadlines: NotRequired[list[Deadline]]
    custody: NotRequired[list[Custody]]
    audit_head: NotRequired[AuditHead | None]
    signature_note: NotRequired[str]


_REQUIRED_TEXT = ("dossier_number", "prepared_by")


def sections_of(context: Mapping[str, Any]) -> list[str]:
    """The sections to print, in order: the caller's choice or the purpose's default."""
    chosen = context.get("sections")
    if chosen is None:
        return list(DEFAULT_SECTIONS[context["purpose"]])
    return list(chosen)


def check_context(context: Mapping[str, Any]) -> None:
    """Refuse a context the templates could not print faithfully.

    Raises ``ContextInvalid`` listing every problem found (key and message).
    """
    errors: list[tuple[str, str]] = []
    for key in _REQUIRED_TEXT:
        if not isinstance(context.get(key), str) or not context[key].strip():
            errors.append((key, "required text"))
    # A court filing carries no confidentiality mark, so the text may be empty; it must be there.
    if not isinstance(context.get("confidentiality"), str):
        errors.append(("confidentiality", "required text (may be empty)"))
    if context.get("purpose") not in DEFAULT_SECTIONS:
        errors.append(("purpose", "must be civil, criminal or internal"))
    if context.get("lang") not in ("ko", "en"):
        errors.append(("lang", "must be ko or en"))
    generated_at = context.get("generated_at")
    if not isinstance(generated_at, dt.datetime) or generated_at.utcoffset() is None:
        errors.append(("generated_at", "must be a timezone-aware datetime"))
    if not isinstance(context.get("matter"), Mapping):
        errors.append(("matter", "required"))
    if context.get("purpose") in DEFAULT_SECTIONS:
        seen: set[str] = set()
        for name in sections_of(context):
            if name not in SECTION_NAMES:
                errors.append(("sections", f"unknown section {name!r}"))
            elif name in seen:
                errors.append(("sections", f"section {name!r} listed twice"))
            seen.add(name)
    labels: set[str] = set()
    for index, exhibit in enumerate(context.get("exhibits") or []):
        where = f"exhibits[{index}]"
        label = exhibit.get("label")
        if not isinstance(label, str) or not label.strip():
            errors.append((where, "label required"))
        elif label in labels:
            errors.append((where, f"label {label!r} used twice"))
        labels.add(label)
        sha = exhibit.get("sha256")
        if not isinstance(sha, str) or len(sha) != 64 or not _is_hex(sha):
            errors.append((where, "sha256 must be 64 hex digits"))
        if not isinstance(exhibit.get("path"), (str, Path)):
            errors.append((where, "path required"))
    if errors:
        raise ContextInvalid(errors)


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True


def iter_text(value: Any, path: str = "") -> Iterable[tuple[str, str]]:
    """Yield ``(where, text)`` for every string the dossier may print (paths excluded)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key == "path":
                continue
            yield from iter_text(str(key), f"{path}.{key}#key")
            yield from iter_text(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from iter_text(item, f"{path}[{index}]")
