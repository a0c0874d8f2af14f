"""Turn an email exhibit (.eml or .msg) into correspondence, with its attachments as exhibits.

The original message file stays the primary exhibit; every attachment becomes a linked exhibit
of its own (stored once per matter by hash) and a row of the email's attachment list under the
name the email gave it, so an email carrying a file already on record still lists it; the
message's text and sanitized HTML go on the correspondence record. What could not be read is
kept with the record, never dropped silently.
"""

from __future__ import annotations

import io

from sqlmodel import Session, select

from ..domain.calendar import kst_today, to_kst
from ..errors import TrackerError
from ..mailimport import parse_email_file
from ..models import Correspondence, Evidence, Matter, User, utcnow
from ..vault.backend import VaultBackend
from . import audit
from .checks import N_

MAX_MESSAGE_BYTES = 200 * 1024 * 1024


def import_message(
    *,
    session: Session,
    vault: VaultBackend,
    actor: User,
    matter: Matter,
    evidence: Evidence,
    max_bytes: int | None = None,
) -> tuple[Correspondence | None, list[str]]:
    """Parse the stored message and record it. The caller commits.

    A message already imported into this matter (same Message-ID) is not doubled: the new file
    is linked to the existing correspondence and the returned problems say so.
    """
    if evidence.size > MAX_MESSAGE_BYTES:
        limit_mb = MAX_MESSAGE_BYTES // (1024 * 1024)
        return None, [f"message is over {limit_mb} MB; kept as a file only"]
    with vault.open(evidence.sha256) as fh:
        raw = fh.read()
    try:
        parsed = parse_email_file(raw, evidence.original_filename)
    except TrackerError as err:
        return None, [f"not imported as an email: {err.message}"]
    problems = list(parsed.problems)
    if parsed.message_id:
        existing = session.exec(
            select(Correspondence).where(
                Correspondence.matter_id == matter.id,
                Correspondence.message_id == parsed.message_id,
            )
        ).first()
        if existing is not None and _same_message(existing, parsed):
            evidence.correspondence_id = existing.id
            session.add(evidence)
            return existing, [*problems, f"already imported as correspondence #{existing.id}"]
        if existing is not None:
            # A Message-ID is the sender's claim, not proof: two different messages can carry
            # the same one (a client that reuses ids, a forged copy). Both are kept.
            problems.append(
                f"shares its Message-ID with correspondence #{existing.id}, but its sender, "
                "subject or date differ: imported as a separate message"
            )
    when = parsed.date
    entry = Correspondence(
        matter_id=matter.id,
        direction="in",
        channel="email",
        occurred_on=kst_today(when) if when else (evidence.received_on or kst_today(utcnow())),
        subject=(parsed.subject or evidence.display_name)[:500],
        summary="",
        sender=parsed.sender[:500],
        recipients=", ".join(parsed.to),
        cc=", ".join(parsed.cc),
        message_id=parsed.message_id,
        sent_at=to_kst(when) if when else None,
        body_text=parsed.text_body,
        body_html=parsed.html_body_safe,
        import_problems="\n".join(problems),
    )
    session.add(entry)
    audit.created(session, actor, entry, matter_id=matter.id)
    evidence.correspondence_id = entry.id
    if not evidence.title or evidence.title == evidence.display_name:
        evidence.title = entry.subject
    session.add(evidence)
    from .evidence import Upload, _store_one, record_attachment

    # Each attachment gets its own row under its own name and place, even when its bytes are
    # already an exhibit (stored once per matter): the email must show all it carried.
    for position, attachment in enumerate(parsed.attachments, 1):
        child: Evidence | None = None
        created = False
        problem = ""
        if attachment.content is None or attachment.size == 0:
            problem = N_("The attachment is empty.")
            problems.append(f"attachment '{attachment.filename}' is empty; not stored")
        else:
            try:
                child, created = _store_one(
                    session,
                    vault,
                    actor,
                    matter,
                    Upload(attachment.filename, io.BytesIO(attachment.content)),
                    {
                        "received_on": evidence.received_on,
                        "source_party_id": evidence.source_party_id,
                        "source_person": parsed.sender[:200],
                        "obtained_how": "email attachment",
                    },
                    max_bytes=max_bytes,
                    parent=evidence,
                    correspondence_id=entry.id,
                )
            except TrackerError as err:
                problem = err.message
                problems.append(f"attachment '{attachment.filename}': {err.message}")
        record_attachment(
            session,
            actor,
            correspondence=entry,
            evidence=child,
            position=position,
            filename=attachment.filename,
            content_id=attachment.content_id,
            inline=attachment.inline,
            problem=problem,
            first_receipt=created,
        )
    if problems != list(parsed.problems):
        entry.import_problems = "\n".join(problems)
        session.add(entry)
    return entry, problems


def _same_message(existing: Correspondence, parsed) -> bool:
    """Another copy of one message (the .msg and the .eml of it, a resend from another
    mailbox): the same Message-ID, sender, subject and sending moment."""
    sent = to_kst(parsed.date) if parsed.date else None
    same_time = existing.sent_at is None or sent is None or existing.sent_at == sent
    subject = (parsed.subject or existing.subject)[:500]
    return (
        same_time
        and " ".join(existing.subject.split()) == " ".join(subject.split())
        and existing.sender == parsed.sender[:500]
    )
