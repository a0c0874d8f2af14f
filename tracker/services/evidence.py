"""Exhibits: store files in the vault, describe them, label them, keep their custody.

Stored bytes never change: there is no service here that rewrites or deletes an object.
Withdrawing an exhibit keeps its bytes and its label. Every change is an audit event, and so is
every custody event (received, viewed, downloaded, exported, included in a dossier, verified).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlmodel import Session, col, select

from ..domain.exhibit_labels import (
    label_sort_key,
    next_label,
    scheme_for,
    side_of_scheme,
    stored_label,
)
from ..errors import Conflict, NotFound, TrackerError, ValidationFailed
from ..models import (
    AuditEvent,
    Correspondence,
    CorrespondenceAttachment,
    Demand,
    Dossier,
    Evidence,
    EvidenceLink,
    Fact,
    IntegrityCheck,
    Matter,
    Party,
    Response,
    User,
    utcnow,
)
from ..models.enums import Role
from ..vault.backend import StoredObject, VaultBackend
from ..vault.names import display_name
from ..vault.sniff import EML, MSG, sniff_file
from . import access, audit
from .checks import N_, Checks

CUSTODY_KINDS = (
    "received",
    "viewed",
    "downloaded",
    "exported",
    "included_in_dossier",
    "integrity_verified",
)
LINK_TARGETS = {
    "fact": Fact,
    "demand": Demand,
    "response": Response,
    "correspondence": Correspondence,
}


@dataclass
class Upload:
    """One file as it arrives: its name as the client sent it, and a stream of its bytes."""

    filename: str
    stream: BinaryIO | Any


@dataclass
class AddResult:
    filename: str
    evidence: Evidence | None = None
    created: bool = False
    error: str = ""
    correspondence: Correspondence | None = None
    problems: list[str] = field(default_factory=list)
    # Of an email: every attachment it carried, in order, with its exhibit (if stored).
    attachments: list[tuple[CorrespondenceAttachment, Evidence | None]] = field(
        default_factory=list
    )


def custody(
    session: Session,
    actor,
    evidence: Evidence,
    kind: str,
    *,
    purpose: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Append a custody event to the audit chain. The caller commits."""
    if kind not in CUSTODY_KINDS:
        raise ValueError(kind)
    after = {"sha256": evidence.sha256, "purpose": purpose}
    if detail:
        after.update(detail)
    return audit.record(
        session,
        actor=actor,
        action=f"custody.{kind}",
        entity="Evidence",
        entity_id=evidence.id,
        matter_id=evidence.matter_id,
        after=after,
    )


def _metadata(checks: Checks, session: Session, matter_id: int, values: dict) -> dict:
    fields: dict[str, Any] = {}
    text_fields = {
        "title": 500,
        "source_person": 200,
        "obtained_how": 200,
        "author": 200,
        "proves": 10000,
        "tags": 500,
    }
    for name, limit in text_fields.items():
        if name in values:
            fields[name] = checks.text(name, values.get(name), required=False, max_len=limit)
    for name in ("received_on", "made_on"):
        if name in values:
            fields[name] = checks.day(name, values.get(name), required=False)
    if "is_original" in values:
        fields["is_original"] = bool(values.get("is_original"))
    if "source_party_id" in values:
        raw = values.get("source_party_id")
        if raw in (None, "", 0, "0"):
            fields["source_party_id"] = None
        else:
            party = session.get(Party, int(raw)) if str(raw).isdigit() else None
            if party is None or party.matter_id != matter_id:
                checks.fail("source_party_id", N_("Choose a party of this matter."))
            else:
                fields["source_party_id"] = party.id
    return fields


def _store_one(
    session: Session,
    vault: VaultBackend,
    actor: User,
    matter: Matter,
    upload: Upload,
    metadata: dict,
    *,
    max_bytes: int | None,
    parent: Evidence | None = None,
    correspondence_id: int | None = None,
    stored: StoredObject | None = None,
) -> tuple[Evidence, bool]:
    """Stream one file into the vault (unless ``stored`` says it is there already) and record
    it (or find the record it already has)."""
    if stored is None:
        stored = vault.put_stream(upload.stream, max_bytes=max_bytes)
    existing = session.exec(
        select(Evidence).where(Evidence.matter_id == matter.id, Evidence.sha256 == stored.sha256)
    ).first()
    if existing is not None:
        return existing, False
    with vault.open(stored.sha256) as fh:
        sniffed = sniff_file(fh, upload.filename or "")
    # Kept exactly as received, except NUL, which no database text column can hold: it is
    # stored as the visible symbol U+2400 so the record still shows where it was.
    name = (upload.filename or f"file-{stored.sha256[:12]}").replace("\x00", "\u2400")
    evidence = Evidence(
        matter_id=matter.id,
        sha256=stored.sha256,
        size=stored.size,
        media_type=sniffed.media_type,
        media_label=sniffed.label,
        inline_safe=sniffed.inline_safe,
        type_mismatch=sniffed.mismatch,
        original_filename=name,
        display_name=display_name(name),
        parent_id=parent.id if parent else None,
        correspondence_id=correspondence_id,
        **metadata,
    )
    if not evidence.title:
        evidence.title = evidence.display_name
    session.add(evidence)
    audit.created(session, actor, evidence, matter_id=matter.id)
    custody(
        session,
        actor,
        evidence,
        "received",
        purpose=metadata.get("obtained_how") or "upload",
        detail={"size": stored.size, "filename": name},
    )
    return evidence, True


def add_files(
    *,
    session: Session,
    vault: VaultBackend,
    actor: User,
    matter_id: int | str,
    uploads: list[Upload],
    max_bytes: int | None = None,
    import_email: bool = True,
    **metadata,
) -> list[AddResult]:
    """Store each file and record it as an exhibit of the matter, each in its own transaction.

    The role is checked before a byte is stored. The same bytes uploaded again to the same
    matter return the existing record (``created=False``). A file that fails (empty, over the
    limit, interrupted) is reported in its result and leaves no record; the others still land.
    Emails (.eml, .msg) also become correspondence, with each attachment linked as evidence.
    """
    matter = access.matter_for(session, actor, matter_id, Role.EDITOR)
    checks = Checks()
    fields = _metadata(checks, session, matter.id, metadata)
    checks.done()
    if not uploads:
        raise ValidationFailed([("files", N_("Choose at least one file."))])
    # Bytes are streamed into the vault outside any transaction: on SQLite a write transaction
    # holds the single writer lock, and a large file must not make every other save wait.
    session.commit()
    results = []
    for upload in uploads:
        result = AddResult(filename=upload.filename or "")
        try:
            stored = vault.put_stream(upload.stream, max_bytes=max_bytes)
            # The role is checked again inside the transaction that records the file.
            matter = access.matter_for(session, actor, matter.id, Role.EDITOR)
            evidence, created = _store_one(
                session, vault, actor, matter, upload, fields, max_bytes=max_bytes, stored=stored
            )
            result.evidence, result.created = evidence, created
            if created and import_email and _looks_like_email(evidence):
                from . import mail_import

                result.correspondence, result.problems = mail_import.import_message(
                    session=session,
                    vault=vault,
                    actor=actor,
                    matter=matter,
                    evidence=evidence,
                    max_bytes=max_bytes,
                )
                if result.correspondence is not None:
                    result.attachments = attachments_of(
                        session, matter.id, result.correspondence.id
                    )
            session.commit()
        except TrackerError as err:
            session.rollback()
            if isinstance(err, ValidationFailed):
                result.error = "; ".join(m for _f, m in err.errors)
            else:
                result.error = err.message
        results.append(result)
    return results


EMAIL_TYPES = (EML, MSG)


def _looks_like_email(evidence: Evidence) -> bool:
    # The sniffer knows mail by its headers; an ISO-2022-KR message can hide them behind
    # escape sequences, so the name counts too. The parser has the last word either way.
    name = evidence.display_name.lower()
    return evidence.media_type in EMAIL_TYPES or name.endswith((".eml", ".msg"))


# --- reading ---------------------------------------------------------------------------------


def get(session: Session, actor: User, matter_id: int, evidence_id: int) -> Evidence:
    access.matter_for(session, actor, matter_id)
    return access.in_matter(session.get(Evidence, evidence_id), matter_id)


def list_for_matter(session: Session, matter_id: int, *, include_withdrawn: bool = True):
    query = select(Evidence).where(Evidence.matter_id == matter_id)
    if not include_withdrawn:
        query = query.where(col(Evidence.withdrawn_at).is_(None))
    items = list(session.exec(query))
    # Labelled exhibits first, in label order; then the rest as they arrived.
    items.sort(key=_label_order)
    return items


def label_of(evidence: Evidence, scheme: str) -> str:
    """The exhibit's label in ``scheme`` (``""`` while it has none)."""
    return stored_label(scheme, evidence.label_number, evidence.label_branch)


def civil_side(matter: Matter) -> str | None:
    """Our procedural side (plaintiff, defendant, intervenor) in a civil suit, as the matter
    records it: its procedural role (원고/피고/참가인) when set, else the side its 갑/을/병
    label scheme stands for; ``None`` when neither says (a civil bundle then prints 갑, see
    ``exhibit_labels.default_scheme_for``)."""
    return matter.procedural_role or side_of_scheme(matter.label_scheme)


def dossier_scheme(matter: Matter, purpose: str, lang: str) -> str:
    """The scheme a dossier of ``matter`` prints its labels in: 갑/을/병 by our side for a
    civil bundle, ``증 제N호증`` for a criminal one, ``Exhibit N`` in English, the matter's own
    scheme for internal review. The numbers are the same in every bundle."""
    return scheme_for(purpose, lang, civil_side(matter), working=matter.label_scheme)


@dataclass(frozen=True)
class Production:
    """One registered dossier that printed an exhibit, and the label it printed."""

    dossier_id: int
    number: str
    purpose: str
    lang: str
    label: str

    def describe(self) -> str:
        return f"{self.number} ({self.label})"


def productions(
    session: Session, matter_id: int, evidence_ids: list[int] | None = None
) -> dict[int, list[Production]]:
    """For each exhibit of the matter (or of ``evidence_ids``), the registered dossiers (built,
    status done) that list it, oldest first. An exhibit in any of them has a frozen label."""
    wanted = None if evidence_ids is None else set(evidence_ids)
    found: dict[int, list[Production]] = {}
    # Only the columns needed: a dossier's snapshot can be megabytes.
    rows = session.exec(
        select(Dossier.id, Dossier.number, Dossier.purpose, Dossier.lang, Dossier.exhibits)
        .where(Dossier.matter_id == matter_id, Dossier.status == "done")
        .order_by(Dossier.id)
    )
    for dossier_id, number, purpose, lang, inside in rows:
        for entry in json.loads(inside or "[]"):
            evidence_id = entry.get("evidence_id")
            if wanted is None or evidence_id in wanted:
                found.setdefault(evidence_id, []).append(
                    Production(dossier_id, number, purpose, lang, entry.get("label", ""))
                )
    return found


class LabelFrozen(Conflict):
    """A label printed in a registered dossier would change. ``msgid`` and ``params`` give the
    sentence in each reader's language; ``message`` is the English one."""

    def __init__(self, msgid: str, **params: str) -> None:
        self.msgid, self.params = msgid, params
        super().__init__(msgid % params)


FROZEN_BRANCH = N_(
    "%(label)s is in registered dossiers (%(dossiers)s): its label is frozen, so no branch can "
    "be filed under it. Give this exhibit the next number, %(next)s, instead, or override "
    "(audited, with a reason)."
)
FROZEN_RENUMBER = N_(
    "%(label)s is in registered dossiers (%(dossiers)s): its label is frozen. Changing it "
    "would contradict them; override (audited, with a reason) to change it anyway."
)


def custody_timeline(session: Session, evidence_id: int) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity == "Evidence", AuditEvent.entity_id == str(evidence_id))
            .order_by(AuditEvent.seq)
        )
    )


def links_of(session: Session, evidence_id: int) -> list[EvidenceLink]:
    return list(session.exec(select(EvidenceLink).where(EvidenceLink.evidence_id == evidence_id)))


def exhibits_for(session: Session, matter_id: int, target_type: str, target_id: int):
    """The exhibits linked to one fact, demand, response or correspondence; for
    correspondence also the files imported with it (the message and its attachments)."""
    linked = select(EvidenceLink.evidence_id).where(
        EvidenceLink.matter_id == matter_id,
        EvidenceLink.target_type == target_type,
        EvidenceLink.target_id == target_id,
    )
    belongs = col(Evidence.id).in_(linked)
    if target_type == "correspondence":
        attached = select(CorrespondenceAttachment.evidence_id).where(
            CorrespondenceAttachment.matter_id == matter_id,
            CorrespondenceAttachment.correspondence_id == target_id,
            col(CorrespondenceAttachment.evidence_id).is_not(None),
        )
        belongs = (
            belongs | (Evidence.correspondence_id == target_id) | col(Evidence.id).in_(attached)
        )
    found = list(session.exec(select(Evidence).where(Evidence.matter_id == matter_id, belongs)))
    # In Python, not SQL: databases disagree on where unlabelled (NULL) exhibits go.
    found.sort(key=_label_order)
    return found


def _label_order(e: Evidence) -> tuple:
    """Labelled exhibits first, in court order (3, 3-1, 3-2, 10), then the rest as they came."""
    return (
        e.label_number is None,
        label_sort_key(e.label_number or 0, e.label_branch or None),
        e.created_at,
        e.id or 0,
    )


def attachments_of(
    session: Session, matter_id: int, correspondence_id: int
) -> list[tuple[CorrespondenceAttachment, Evidence | None]]:
    """Every attachment one email carried, in its order, under the name it gave, each with
    its exhibit (``None`` when it could not be stored). The same file attached twice, or
    already on record from another email, appears every time."""
    rows = session.exec(
        select(CorrespondenceAttachment, Evidence)
        .join(Evidence, CorrespondenceAttachment.evidence_id == Evidence.id, isouter=True)
        .where(
            CorrespondenceAttachment.matter_id == matter_id,
            CorrespondenceAttachment.correspondence_id == correspondence_id,
        )
        .order_by(CorrespondenceAttachment.position)
    )
    return [(row, evidence) for row, evidence in rows]


def attachment_pairs(session: Session, matter_id: int) -> list[tuple[int, int]]:
    """``(correspondence id, evidence id)`` for every stored attachment of every email of the
    matter, once per pair."""
    return list(
        session.exec(
            select(CorrespondenceAttachment.correspondence_id, CorrespondenceAttachment.evidence_id)
            .where(
                CorrespondenceAttachment.matter_id == matter_id,
                col(CorrespondenceAttachment.evidence_id).is_not(None),
            )
            .distinct()
        )
    )


def record_attachment(
    session: Session,
    actor: User,
    *,
    correspondence: Correspondence,
    evidence: Evidence | None,
    position: int,
    filename: str,
    content_id: str | None = None,
    inline: bool = False,
    problem: str = "",
    first_receipt: bool = True,
) -> CorrespondenceAttachment:
    """Record that ``correspondence`` carried ``evidence`` as its attachment number
    ``position`` under ``filename``. When the exhibit was already on record (from another
    email, an upload, or earlier in this same email), its custody gains a "received" event
    naming this email and this name. The caller commits."""
    row = CorrespondenceAttachment(
        matter_id=correspondence.matter_id,
        correspondence_id=correspondence.id,
        evidence_id=evidence.id if evidence is not None else None,
        position=position,
        filename=filename.replace("\x00", "\u2400")[:1024],
        content_id=(content_id or None) and content_id[:500],
        inline=inline,
        problem=problem,
    )
    session.add(row)
    audit.created(session, actor, row, matter_id=correspondence.matter_id)
    if evidence is not None and not first_receipt:
        custody(
            session,
            actor,
            evidence,
            "received",
            purpose=f"email attachment, received again with correspondence #{correspondence.id}",
            detail={
                "correspondence_id": correspondence.id,
                "position": position,
                "filename": row.filename,
                "again": True,
            },
        )
    return row


# --- changing --------------------------------------------------------------------------------


def update(*, session: Session, actor: User, matter_id: int, evidence_id: int, **values):
    """Edit what the user records about an exhibit; the bytes and hash never change."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    evidence = access.in_matter(session.get(Evidence, evidence_id), matter_id)
    checks = Checks()
    fields = _metadata(checks, session, matter_id, values)
    checks.done()
    before = audit.snapshot(evidence)
    for key, value in fields.items():
        setattr(evidence, key, value)
    session.add(evidence)
    audit.updated(session, actor, evidence, before, matter_id=matter_id)
    session.commit()
    return evidence


def _used_numbers(session: Session, matter_id: int) -> list[int]:
    return [
        n
        for n in session.exec(
            select(Evidence.label_number).where(
                Evidence.matter_id == matter_id, col(Evidence.label_number).is_not(None)
            )
        )
    ]


def _contradicted(session: Session, matter_id: int, exhibits: list[Evidence]) -> list[Production]:
    """The registered dossiers that print any of ``exhibits``, each once."""
    found = productions(session, matter_id, [e.id for e in exhibits])
    seen: dict[tuple[int, str], Production] = {}
    for e in exhibits:
        for production in found.get(e.id, []):
            seen.setdefault((production.dossier_id, production.label), production)
    return sorted(seen.values(), key=lambda p: (p.dossier_id, p.label))


def _override_reason(override_produced: bool, reason: str | None) -> str:
    checks = Checks()
    text = checks.text("reason", reason, required=override_produced, max_len=2000)
    checks.done()
    return text


def _contradicts(produced: list[Production]) -> list[dict[str, str]]:
    return [{"dossier": p.number, "label": p.label} for p in produced]


def mark_for_production(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    evidence_id: int,
    branch_of: int | None = None,
    override_produced: bool = False,
    reason: str = "",
) -> Evidence:
    """Give an exhibit the next label. Numbers run in order and are never reused, withdrawn
    exhibits included. ``branch_of`` files it as the next branch of that exhibit's number
    (``갑 제3호증의 2``); the first branch turns the parent into ``의 1`` if it had none.

    A label printed in a registered dossier is frozen: branching off such an exhibit is refused
    (``LabelFrozen``, naming the dossiers and offering the next free number) unless
    ``override_produced`` is set with a ``reason``; the override is audited with the dossiers
    it contradicts."""
    matter = access.matter_for(session, actor, matter_id, Role.EDITOR)
    evidence = access.in_matter(session.get(Evidence, evidence_id), matter_id)
    reason = _override_reason(override_produced, reason)
    if evidence.label_number is not None:
        raise Conflict(N_("This exhibit already has a label."))
    if evidence.withdrawn_at is not None:
        raise Conflict(N_("A withdrawn exhibit cannot be labelled."))
    before = audit.snapshot(evidence)
    used = _used_numbers(session, matter_id)
    extra: dict[str, Any] = {}
    if branch_of is None:
        evidence.label_number, evidence.label_branch = (max(used) + 1 if used else 1), 0
    else:
        parent = access.in_matter(session.get(Evidence, branch_of), matter_id)
        if parent.label_number is None:
            raise ValidationFailed([("branch_of", N_("That exhibit has no label yet."))])
        produced = _contradicted(session, matter_id, [parent])
        if produced and not override_produced:
            raise LabelFrozen(
                FROZEN_BRANCH,
                label=label_of(parent, matter.label_scheme),
                dossiers=", ".join(p.describe() for p in produced),
                next=next_label(matter.label_scheme, used),
            )
        siblings = list(
            session.exec(
                select(Evidence).where(
                    Evidence.matter_id == matter_id,
                    Evidence.label_number == parent.label_number,
                )
            )
        )
        if produced:
            extra = {
                "override_produced": True,
                "branch_of": label_of(parent, matter.label_scheme),
                "reason": reason,
                "contradicts": _contradicts(produced),
            }
        if parent.label_branch == 0:
            parent_before = audit.snapshot(parent)
            parent.label_branch = 1
            session.add(parent)
            if produced:
                _record_renumber(session, actor, parent, parent_before, extra)
            else:
                audit.updated(session, actor, parent, parent_before, matter_id=matter_id)
        top = max([s.label_branch for s in siblings] + [1])
        evidence.label_number, evidence.label_branch = parent.label_number, top + 1
    evidence.labeled_at = utcnow()
    session.add(evidence)
    session.flush()
    old, new = audit.diff(before, audit.snapshot(evidence))
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="Evidence",
        entity_id=evidence.id,
        matter_id=matter_id,
        before=old,
        after={**new, **extra},
    )
    session.commit()
    return evidence


def _record_renumber(
    session: Session, actor, evidence: Evidence, before: dict, extra: dict[str, Any]
) -> None:
    session.flush()
    old, new = audit.diff(before, audit.snapshot(evidence))
    audit.record(
        session,
        actor=actor,
        action="renumber",
        entity="Evidence",
        entity_id=evidence.id,
        matter_id=evidence.matter_id,
        before=old,
        after={**new, **extra},
    )


def renumber(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    evidence_id: int,
    number: int,
    branch: int = 0,
    reason: str,
    override_produced: bool = False,
) -> Evidence:
    """Change a label on purpose (e.g. after the court re-orders). Needs a reason; refuses a
    label another exhibit holds. Audited like any change, with the reason.

    A label printed in a registered dossier is frozen: changing it is refused (``LabelFrozen``,
    naming the dossiers) unless ``override_produced`` is set; the audit event then names every
    dossier the new label contradicts."""
    matter = access.matter_for(session, actor, matter_id, Role.EDITOR)
    evidence = access.in_matter(session.get(Evidence, evidence_id), matter_id)
    checks = Checks()
    reason = checks.text("reason", reason, max_len=2000)
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        checks.fail("number", N_("Use a number of 1 or more."))
    if isinstance(branch, bool) or not isinstance(branch, int) or branch < 0:
        checks.fail("branch", N_("Use a branch of 0 (none) or more."))
    checks.done()
    unchanged = (evidence.label_number, evidence.label_branch) == (number, branch)
    produced = [] if unchanged else _contradicted(session, matter_id, [evidence])
    if produced and not override_produced:
        raise LabelFrozen(
            FROZEN_RENUMBER,
            label=label_of(evidence, matter.label_scheme),
            dossiers=", ".join(p.describe() for p in produced),
        )
    clash = session.exec(
        select(Evidence.id).where(
            Evidence.matter_id == matter_id,
            Evidence.label_number == number,
            Evidence.label_branch == branch,
            Evidence.id != evidence.id,
        )
    ).first()
    if clash:
        raise ValidationFailed([("number", N_("Another exhibit holds this label."))])
    before = audit.snapshot(evidence)
    evidence.label_number, evidence.label_branch = number, branch
    evidence.labeled_at = utcnow()
    session.add(evidence)
    extra: dict[str, Any] = {"reason": reason}
    if produced:
        extra.update(override_produced=True, contradicts=_contradicts(produced))
    _record_renumber(session, actor, evidence, before, extra)
    session.commit()
    return evidence


def withdraw(
    *, session: Session, actor: User, matter_id: int, evidence_id: int, reason: str
) -> Evidence:
    """Withdraw an exhibit: it keeps its bytes and its label; the reason is audited."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    evidence = access.in_matter(session.get(Evidence, evidence_id), matter_id)
    checks = Checks()
    reason = checks.text("reason", reason, max_len=2000)
    checks.done()
    if evidence.withdrawn_at is not None:
        raise Conflict(N_("This exhibit is already withdrawn."))
    before = audit.snapshot(evidence)
    evidence.withdrawn_at = utcnow()
    evidence.withdrawn_reason = reason
    session.add(evidence)
    audit.updated(session, actor, evidence, before, matter_id=matter_id)
    session.commit()
    return evidence


def link(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    evidence_id: int,
    target_type: str,
    target_id: int,
) -> EvidenceLink:
    """Tie an exhibit to a fact, demand, response or correspondence of the same matter."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    access.in_matter(session.get(Evidence, evidence_id), matter_id)
    model = LINK_TARGETS.get(target_type)
    if model is None:
        raise ValidationFailed([("target_type", N_("Not a valid choice."))])
    target = session.get(model, int(target_id)) if str(target_id).isdigit() else None
    if target is None or target.matter_id != matter_id:
        raise ValidationFailed([("target_id", N_("Not a valid choice."))])
    existing = session.get(EvidenceLink, (evidence_id, target_type, target.id))
    if existing:
        return existing
    link = EvidenceLink(
        evidence_id=evidence_id, target_type=target_type, target_id=target.id, matter_id=matter_id
    )
    session.add(link)
    audit.record(
        session,
        actor=actor,
        action="link",
        entity="Evidence",
        entity_id=evidence_id,
        matter_id=matter_id,
        after={"target": f"{target_type}:{target.id}"},
    )
    session.commit()
    return link


def unlink(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    evidence_id: int,
    target_type: str,
    target_id: int,
) -> None:
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    existing = session.get(EvidenceLink, (evidence_id, target_type, target_id))
    if existing is None or existing.matter_id != matter_id:
        raise NotFound("link")
    session.delete(existing)
    audit.record(
        session,
        actor=actor,
        action="unlink",
        entity="Evidence",
        entity_id=evidence_id,
        matter_id=matter_id,
        before={"target": f"{target_type}:{target_id}"},
    )
    session.commit()


def record_access(
    *, session: Session, actor: User, matter_id: int, evidence_id: int, kind: str, purpose=""
) -> Evidence:
    """A member viewed, downloaded or exported an exhibit: a custody event, committed before
    the bytes are sent."""
    access.matter_for(session, actor, matter_id)
    evidence = access.in_matter(session.get(Evidence, evidence_id), matter_id)
    custody(session, actor, evidence, kind, purpose=purpose)
    session.commit()
    return evidence


# --- integrity -------------------------------------------------------------------------------


@dataclass
class IntegrityReport:
    check: IntegrityCheck
    tampered: list[dict]
    missing: list[dict]
    orphans: list[str]

    @property
    def ok(self) -> bool:
        return not (self.tampered or self.missing or self.orphans)


def verify_vault(*, session: Session, vault: VaultBackend, trigger: str = "cli") -> IntegrityReport:
    """Re-hash every stored object the database knows of; report tampered, missing and orphan
    objects by name. The result is kept (IntegrityCheck) and each exhibit gets a custody event.
    """
    started = utcnow()
    rows = session.exec(select(Evidence).order_by(Evidence.id)).all()
    # Re-hashing a large vault takes minutes: it runs outside any transaction (on SQLite a
    # write transaction would hold the writer lock and make every save wait); the results
    # are written afterwards in one short transaction.
    session.commit()
    verdicts: dict[str, str] = {}
    for sha256 in dict.fromkeys(evidence.sha256 for evidence in rows):
        verdicts[sha256] = vault.verify(sha256)
    from .dossiers import known_hashes

    # Built dossiers live in the vault too; they are not exhibits but are not orphans either.
    known = set(verdicts) | known_hashes(session)
    session.commit()
    orphans = sorted(sha for sha in vault.iter_objects() if sha not in known)

    check = IntegrityCheck(trigger=trigger, started_at=started)
    session.add(check)
    session.flush()
    tampered, missing = [], []
    for evidence in rows:
        verdict = verdicts[evidence.sha256]
        entry = {
            "evidence_id": evidence.id,
            "matter_id": evidence.matter_id,
            "sha256": evidence.sha256,
            "filename": evidence.display_name,
        }
        if verdict == "tampered":
            tampered.append(entry)
        elif verdict == "missing":
            missing.append(entry)
        custody(
            session,
            f"system:{trigger}",
            evidence,
            "integrity_verified",
            purpose="integrity check",
            detail={"result": verdict, "check_id": check.id},
        )
    check.finished_at = utcnow()
    check.objects_checked = len(verdicts)
    check.ok = not (tampered or missing or orphans)
    check.tampered = json.dumps(tampered, ensure_ascii=False)
    check.missing = json.dumps(missing, ensure_ascii=False)
    check.orphans = json.dumps(orphans)
    session.add(check)
    audit.created(session, f"system:{trigger}", check, matter_id=None)
    session.commit()
    return IntegrityReport(check, tampered, missing, orphans)


def last_check(session: Session) -> IntegrityCheck | None:
    return session.exec(select(IntegrityCheck).order_by(IntegrityCheck.id.desc()).limit(1)).first()
