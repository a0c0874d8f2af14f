"""Dossiers: build the context from the database, render and sign it, register the result.

A dossier is immutable once built: its PDF lives in the vault under its SHA-256, and the row
keeps who built it, when, the exhibits inside with their hashes, and a snapshot of the data.
Each build and each download is a custody event on every exhibit inside.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from ..domain.calendar import format_day, kst_today
from ..domain.exhibit_labels import sorted_labels
from ..errors import NotFound, ValidationFailed
from ..mail.wording import trace_lines
from ..models import (
    Analysis,
    Dossier,
    Evidence,
    EvidenceLink,
    Matter,
    Party,
    Response,
    User,
    utcnow,
)
from ..models.enums import OPEN_ITEM_STATUSES, Role
from ..vault.backend import VaultBackend
from . import access, audit, deadlines, demands, evidence, jobstate, records
from .checks import N_
from .discrepancies import matrix

PURPOSES = ("civil", "criminal", "internal")

# The dossier is printed without a request (CLI, worker), so its words are looked up here.
WORDS = {
    "ko": {
        "civil": "민사",
        "criminal": "형사",
        "administrative": "행정",
        "pre_litigation": "소송 전",
        "open": "진행 중",
        "on_hold": "보류",
        "closed": "종결",
        "our_side": "우리 측",
        "counterparty": "상대방",
        "third_party": "제3자",
        "regulator": "감독기관",
        "court": "법원",
        "official_letter": "공문",
        "letter": "서신",
        "email": "이메일",
        "meeting": "면담",
        "call": "전화",
        "other": "기타",
        "complied": "이행",
        "partial": "일부 이행",
        "refused": "거부",
        "conditional": "조건부",
        "silent": "무응답",
    },
    "en": {
        "civil": "Civil",
        "criminal": "Criminal",
        "administrative": "Administrative",
        "pre_litigation": "Pre-litigation",
        "open": "Open",
        "on_hold": "On hold",
        "closed": "Closed",
        "our_side": "Our side",
        "counterparty": "Counterparty",
        "third_party": "Third party",
        "regulator": "Regulator",
        "court": "Court",
        "official_letter": "Official letter",
        "letter": "Letter",
        "email": "Email",
        "meeting": "Meeting",
        "call": "Phone call",
        "other": "Other",
        "complied": "Complied",
        "partial": "Partial",
        "refused": "Refused",
        "conditional": "Conditional",
        "silent": "No answer",
    },
}


ITEM_STATUS = {
    "ko": {
        "outstanding": "미이행",
        "partial": "일부 제출",
        "refused": "거부",
        "delivered": "제출됨",
        "verified": "검증됨",
    },
    "en": {
        "outstanding": "Outstanding",
        "partial": "Partially delivered",
        "refused": "Refused",
        "delivered": "Delivered",
        "verified": "Verified",
    },
}


def _word(lang: str, code: str) -> str:
    return WORDS.get(lang, WORDS["ko"]).get(code, code)


def signer_config(settings):
    from ..dossier.sign import SignerConfig

    return SignerConfig(
        local_dir=settings.instance_dir / "pki",
        pkcs12_path=Path(settings.sign_pkcs12) if settings.sign_pkcs12 else None,
        pkcs12_passphrase=settings.sign_passphrase.encode() if settings.sign_passphrase else None,
        tsa_url=settings.sign_tsa_url,
        location="Seoul",
    )


def print_limits(settings):
    """How much of each data or text exhibit a dossier prints (``TRACKER_DOSSIER_DATA_ROWS``
    rows of each table; the whole file is attached)."""
    from ..dossier.printable import PrintLimits

    return PrintLimits(rows=settings.dossier_data_rows)


def trust_roots(settings) -> list[Path]:
    from ..dossier.sign import local_trust_roots

    roots = list(local_trust_roots(settings.instance_dir / "pki"))
    extra = settings.extra.get("trust_roots") or []
    return roots + [Path(p) for p in extra]


def _in_range(day: date | None, start: date | None, end: date | None) -> bool:
    if day is None:
        return True
    return (start is None or day >= start) and (end is None or day <= end)


def _fact_date(fact, lang: str) -> str:
    if fact.occurred_on is None:
        return "날짜 미상" if lang == "ko" else "date unknown"
    if fact.precision == "year":
        return f"{fact.occurred_on.year}"
    if fact.precision == "month":
        return fact.occurred_on.strftime("%Y-%m")
    text = format_day(fact.occurred_on, lang)
    return text + (" 경" if fact.precision == "about" and lang == "ko" else "")


# How a receipt or custody event is described in the dossier. The audit trail stores codes and
# English purposes ("upload", "dossier D-…"); the dossier prints them in its own language.
CUSTODY_WORDS = {
    "ko": {
        "upload": "업로드",
        "email attachment": "이메일 첨부",
        "again": "같은 파일을 다시 받음: {name}",
        "dossier": "자료집 {number}",
        "exported": "자료집 {number} 내려받음",
        "ok": "해시 일치",
        "tampered": "해시 불일치(변조)",
        "missing": "파일 없음",
        "period": "{start}부터 {period}",
        "period_midnight": "{start} 00:00부터 {period}",
    },
    "en": {
        "upload": "upload",
        "email attachment": "email attachment",
        "again": "the same file received again: {name}",
        "dossier": "dossier {number}",
        "exported": "dossier {number} downloaded",
        "ok": "hash matches",
        "tampered": "hash differs (tampered)",
        "missing": "file missing",
        "period": "{period} from {start}",
        "period_midnight": "{period} from {start} 00:00",
    },
}


def _custody_word(lang: str, key: str, **values) -> str:
    return CUSTODY_WORDS.get(lang, CUSTODY_WORDS["ko"])[key].format(**values)


def _how(lang: str, text: str) -> str:
    words = CUSTODY_WORDS.get(lang, CUSTODY_WORDS["ko"])
    return words.get(text, text) if text in ("upload", "email attachment") else text


def _event_detail(lang: str, kind: str, after: dict, actor: str = "") -> str:
    purpose = str(after.get("purpose") or "")
    if kind == "received":
        if after.get("again"):
            return _custody_word(lang, "again", name=after.get("filename", ""))
        return _how(lang, purpose)
    if kind == "included_in_dossier" and purpose.startswith("dossier "):
        number = purpose.removeprefix("dossier ")
        # The build records itself as the actor ("dossier:<number>"): say it once.
        return "" if actor == f"dossier:{number}" else _custody_word(lang, "dossier", number=number)
    if kind == "exported" and purpose.startswith("dossier ") and purpose.endswith(" downloaded"):
        number = purpose.removeprefix("dossier ").removesuffix(" downloaded")
        return _custody_word(lang, "exported", number=number)
    if kind == "integrity_verified" and after.get("result") in ("ok", "tampered", "missing"):
        return _custody_word(lang, after["result"])
    return purpose


def _custody_of(
    session: Session, e: Evidence, label: str, parties: dict, lang: str, up_to: int
) -> dict[str, Any]:
    """The exhibit's receipt and custody events as the audit trail holds them, up to the
    chain's event ``up_to`` (the head this dossier prints)."""
    events, receipt = [], None
    for event in evidence.custody_timeline(session, e.id):
        if event.seq > up_to or not event.action.startswith("custody."):
            continue
        after = json.loads(event.after or "null") or {}
        kind = event.action.removeprefix("custody.")
        if kind == "received" and receipt is None:
            receipt = (event, after)
        events.append(
            {
                "seq": event.seq,
                "at": event.at,
                "kind": kind,
                "actor": event.actor,
                "detail": _event_detail(lang, kind, after, event.actor),
            }
        )
    source = parties[e.source_party_id].name if e.source_party_id in parties else ""
    if e.source_person:
        source = f"{source} ({e.source_person})" if source else e.source_person
    how = e.obtained_how or (_how(lang, str(receipt[1].get("purpose") or "")) if receipt else "")
    received_on = e.received_on or (receipt[0].at if receipt else None)
    return {
        "label": label,
        "received_on": format_day(received_on, lang) if received_on else "",
        "source": source,
        "how": _how(lang, how),
        "sha256_at_receipt": str(receipt[1].get("sha256") or "") if receipt else "",
        "receipt_seq": receipt[0].seq if receipt else None,
        "events": events,
    }


def _deadline_rows(
    session: Session, matter_id: int, lang: str, today: date, date_from, date_to
) -> list[dict[str, Any]]:
    """Every deadline with its result in days and its 민법 trace in the dossier's language."""
    rows = []
    for d in deadlines.of_matter(session, matter_id):
        if not _in_range(d.due_on, date_from, date_to):
            continue
        met_on = None
        if d.met_by_response_id:
            response = session.get(Response, d.met_by_response_id)
            met_on = response.received_on if response else None
        elif d.met_by_evidence_id:
            exhibit = session.get(Evidence, d.met_by_evidence_id)
            met_on = exhibit.received_on if exhibit else None
        if d.status == "met":
            days = (met_on - d.due_on).days if met_on else None
        elif d.status == "cancelled":
            days = None
        elif d.status == "missed":
            days = max((today - d.due_on).days, 0) or None
        else:  # open or extended: late (positive) or left (negative) as of the dossier's day
            days = (today - d.due_on).days
        basis = ""
        if d.trigger_on and d.period:
            basis = _custody_word(
                lang,
                "period_midnight" if d.from_midnight else "period",
                start=format_day(d.trigger_on, lang),
                period=deadlines.period_text(d, lang),
            )
        rows.append(
            {
                "title": d.title,
                "kind": d.kind,
                "due_on": format_day(d.due_on, lang),
                "status": d.status,
                "days": days,
                "met_on": format_day(met_on, lang) if met_on else "",
                "basis": basis,
                "note": d.status_note or d.notes,
                "trace": list(trace_lines(deadlines.trace_of(d), lang)),
            }
        )
    return rows


def build_context(
    session: Session,
    vault: VaultBackend,
    matter: Matter,
    *,
    number: str,
    purpose: str,
    lang: str,
    generated_at: datetime,
    prepared_by: str,
    sections: list[str] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    evidence_ids: list[int] | None = None,
) -> dict[str, Any]:
    """The plain dict the dossier engine renders. Only labelled, not withdrawn exhibits go in,
    in label order; facts, letters and demands are limited to the date range."""
    # Here, not at the top: importing the dossier package loads WeasyPrint.
    from ..dossier.wording import confidentiality_mark, dossier_date, party_role

    # One number per exhibit; the prefix is the bundle's (갑/을 civil, 증 criminal, Exhibit).
    scheme = evidence.dossier_scheme(matter, purpose, lang)
    chosen = [
        e
        for e in evidence.list_for_matter(session, matter.id, include_withdrawn=False)
        if e.label_number is not None and (evidence_ids is None or e.id in evidence_ids)
    ]
    labels = {e.id: evidence.label_of(e, scheme) for e in chosen}
    links: dict[tuple[str, int], list[str]] = {}
    for link in session.exec(select(EvidenceLink).where(EvidenceLink.matter_id == matter.id)):
        if link.evidence_id in labels:
            links.setdefault((link.target_type, link.target_id), []).append(
                labels[link.evidence_id]
            )
    for e in chosen:
        if e.correspondence_id:
            links.setdefault(("correspondence", e.correspondence_id), []).append(labels[e.id])
    # Every email lists every exhibit it carried, also those first received with another one.
    for correspondence_id, evidence_id in evidence.attachment_pairs(session, matter.id):
        if evidence_id in labels:
            links.setdefault(("correspondence", correspondence_id), []).append(labels[evidence_id])
    parties = {p.id: p for p in session.exec(select(Party).where(Party.matter_id == matter.id))}
    today = kst_today(generated_at)

    facts = [
        {
            "date_text": _fact_date(f, lang),
            "text": f.text,
            "status": f.status,
            "sources": sorted_labels(links.get(("fact", f.id), [])),
        }
        for f in records.chronology(session, matter.id)
        if _in_range(f.occurred_on, date_from, date_to)
    ]
    demand_rows = []
    tracker_rows = demands.tracker(session, matter.id, today)
    for d in demands.demands_of(session, matter.id):
        if not _in_range(d.sent_on, date_from, date_to):
            continue
        items = []
        for row in (r for r in tracker_rows if r.demand.id == d.id):
            result, late = "open", None
            if d.due_on:
                delivered_on = None
                if row.item.status not in OPEN_ITEM_STATUSES and row.latest is not None:
                    delivered_on = row.latest.received_on
                if delivered_on is not None:
                    result = "met" if delivered_on <= d.due_on else "missed"
                    late = max((delivered_on - d.due_on).days, 0) or None
                elif today > d.due_on:
                    result, late = "missed", (today - d.due_on).days
            items.append(
                {
                    "category": row.item.category,
                    "reference_date": row.item.reference_date.isoformat()
                    if row.item.reference_date
                    else "",
                    "status": ITEM_STATUS.get(lang, ITEM_STATUS["ko"]).get(
                        row.item.status, row.item.status
                    ),
                    "latest_response": (
                        f"{dossier_date(row.latest.received_on, purpose, lang)} "
                        f"{_word(lang, row.latest.position)}"
                        + (f" — {row.latest.grounds}" if row.latest.grounds else "")
                        if row.latest
                        else ""
                    ),
                    "deadline_result": result,
                    "days_late": late,
                }
            )
        demand_rows.append(
            {
                "title": d.title,
                "party": parties[d.party_id].name,
                "sent_on": format_day(d.sent_on, lang),
                "channel": _word(lang, d.channel),
                "basis": d.basis,
                "due_on": format_day(d.due_on, lang) if d.due_on else "",
                "items": items,
                "responses": [
                    {
                        "received_on": format_day(r.received_on, lang),
                        "position": _word(lang, r.position),
                        "grounds": r.grounds,
                        "conditions": r.conditions,
                    }
                    for r in demands.responses_to(session, d.id)
                ],
            }
        )
    letters = [
        {
            "date": format_day(c.occurred_on, lang),
            "direction": "incoming" if c.direction == "in" else "outgoing",
            "kind": _word(lang, c.channel),
            "counterpart": parties[c.party_id].name if c.party_id in parties else c.sender,
            "subject": c.subject,
            "exhibit_labels": sorted_labels(links.get(("correspondence", c.id), [])),
        }
        for c in sorted(
            records.correspondence_of(session, matter.id), key=lambda c: (c.occurred_on, c.id)
        )
        if _in_range(c.occurred_on, date_from, date_to)
    ]
    rows, sources, baseline = matrix(session, matter.id)
    names = {p.id: (p.short_name or p.name) for p in sources}
    figures = {
        "metrics": sorted({r.metric for r in rows}),
        "baseline": names.get(baseline, ""),
        "rows": [
            {
                "metric": r.metric,
                "reference_date": r.reference_date.isoformat(),
                "unit": r.unit,
                "values": {names[pid]: v for pid, v in r.values.items()},
                "diffs": {names[pid]: (d[0] if d else None) for pid, d in r.diffs.items()},
            }
            for r in rows
        ],
    }
    analyses = list(
        session.exec(
            select(Analysis)
            .where(Analysis.matter_id == matter.id, Analysis.status == "done")
            .order_by(Analysis.id)
        )
    )
    reconciliations, audits = [], []
    for a in analyses:
        summary = json.loads(a.summary or "{}")
        left = session.get(Evidence, a.left_evidence_id)
        if a.kind == "reconcile":
            right = session.get(Evidence, a.right_evidence_id)
            reconciliations.append(
                {
                    "title": a.title,
                    "left_name": left.display_name,
                    "right_name": right.display_name,
                    "summary": summary,
                }
            )
        else:
            audits.append(
                {
                    "title": a.title,
                    "profile": json.loads(a.params).get("profile", ""),
                    "rows": summary.get("rows", 0),
                    "usable_rows": summary.get("usable_rows", 0),
                    "missing": summary.get("missing", {}),
                    "invalid": summary.get("invalid", {}),
                }
            )
    exhibits = []
    for e in chosen:
        path = vault.path_hint(e.sha256)
        if path is None:  # a remote vault: the engine reads files, so fetch a copy first
            raise NotFound("exhibit bytes not available locally")
        exhibits.append(
            {
                "label": labels[e.id],
                "title": e.title or e.display_name,
                "author": e.author,
                "made_on": e.made_on.isoformat() if e.made_on else "",
                "original": e.is_original,
                "proves": e.proves,
                "sha256": e.sha256,
                "filename": e.display_name,
                "media_type": e.media_type,
                "size": e.size,
                "path": path,
            }
        )
    # Read the head first: every custody event printed is at or before it, so what the cover
    # names is what the custody table shows, whatever is appended meanwhile.
    head = audit.head(session)
    custody = [
        _custody_of(session, e, labels[e.id], parties, lang, head.seq if head else 0)
        for e in chosen
    ]
    context = {
        "dossier_number": number,
        "purpose": purpose,
        "lang": lang,
        "generated_at": generated_at,
        "prepared_by": prepared_by,
        "confidentiality": confidentiality_mark(purpose, lang),
        "matter": {
            "reference": matter.reference,
            "title": matter.title,
            "kind": _word(lang, matter.kind),
            "status": _word(lang, matter.status),
            "summary": matter.summary,
            "our_side": matter.our_side,
            "court": matter.court,
            "case_number": matter.case_number,
            "case_name": matter.case_name,
            "procedural_role": matter.procedural_role,
            "criminal_addressee": matter.criminal_addressee,
        },
        "parties": [
            {
                "name": p.name,
                # 원고/피고, 고소인/피고소인 on court papers; 우리 측/상대방 inside.
                "role": party_role(p.role, purpose, lang, matter.procedural_role)
                or _word(lang, p.role),
                "contact": p.contact,
                "role_code": p.role,
                "address": p.address,
                "representative": p.representative,
            }
            for p in parties.values()
        ],
        "facts": facts,
        "demands": demand_rows,
        "correspondence": letters,
        "figures": figures,
        "reconciliations": reconciliations,
        "data_audits": audits,
        "exhibits": exhibits,
        "deadlines": _deadline_rows(session, matter.id, lang, today, date_from, date_to),
        "custody": custody,
        "audit_head": {"seq": head.seq, "hash": head.hash} if head else None,
    }
    if sections:
        context["sections"] = list(sections)
    return context


def _next_number(session: Session, matter: Matter) -> str:
    count = session.exec(
        select(func.count()).select_from(Dossier).where(Dossier.matter_id == matter.id)
    ).one()
    return f"D-{matter.reference}-{count + 1:04d}"


def request_build(
    *,
    session: Session,
    actor: User,
    matter_id: int | str,
    purpose: str,
    lang: str = "ko",
    at: datetime | None = None,
    sections: list[str] | None = None,
    date_from=None,
    date_to=None,
    evidence_ids: list[int] | None = None,
) -> Dossier:
    """Register a dossier to build (editors and admins: registering it and its custody events
    are changes, so viewers cannot). ``at`` fixes the generated-at moment."""
    from ..dossier.context import SECTION_NAMES

    matter = access.matter_for(session, actor, matter_id, Role.EDITOR)
    errors = []
    if purpose not in PURPOSES:
        errors.append(("purpose", N_("Not a valid choice.")))
    if lang not in ("ko", "en"):
        errors.append(("lang", N_("Not a valid choice.")))
    if sections is not None and (not sections or any(s not in SECTION_NAMES for s in sections)):
        errors.append(("sections", N_("Not a valid choice.")))
    if at is not None and at.tzinfo is None:
        errors.append(("at", N_("Give a timezone.")))
    if errors:
        raise ValidationFailed(errors)
    dossier = Dossier(
        number=_next_number(session, matter),
        matter_id=matter.id,
        purpose=purpose,
        lang=lang,
        built_by=audit.Actor.of(actor).label,
        generated_at=at or utcnow().replace(microsecond=0),
        options=json.dumps(
            {
                "sections": sections,
                "date_from": str(date_from) if date_from else None,
                "date_to": str(date_to) if date_to else None,
                "evidence_ids": evidence_ids,
                "prepared_by": getattr(actor, "name", str(actor)),
            },
            ensure_ascii=False,
        ),
    )
    session.add(dossier)
    audit.created(session, actor, dossier, matter_id=matter.id)
    session.commit()
    return dossier


def _known_failures() -> dict[type, str]:
    from ..dossier.errors import (
        AssetRefused,
        ContextInvalid,
        ExhibitIntegrityError,
        MissingGlyph,
        RenderFailed,
        SigningFailed,
    )

    # A context our own code built wrong, or a refused asset, is a bug: "unexpected", with the
    # details in the log.
    return {
        ContextInvalid: "unexpected",
        AssetRefused: "unexpected",
        ExhibitIntegrityError: "exhibit_integrity",
        MissingGlyph: "missing_glyph",
        RenderFailed: "render_failed",
        SigningFailed: "signing_failed",
    }


def _set(job: jobstate.Job, dossier_id: int, **values) -> None:
    # A single guarded UPDATE: on SQLite it waits for the lock instead of failing on a snapshot
    # another process made stale (see reminders._finish), and it raises JobStopped once this
    # run no longer holds the row (cancelled, or swept).
    job.set(**values)


def run_build(
    *, engine: Engine, vault: VaultBackend, settings, dossier_id: int, sign: bool = True
) -> Dossier:
    """Build, sign, store and register a queued dossier. It runs once: a dossier another
    process runs, or one cancelled, is left alone. Any failure is recorded on the row (status
    ``failed``, a reason code shown in the reader's language, details in the log) and nothing
    is stored; the row is never left ``running``."""
    job = jobstate.Job(engine, Dossier, dossier_id, "dossier")
    if job.claim():
        with jobstate.running(job, _known_failures()):
            _build(job, engine, vault, settings, dossier_id, sign)
    with Session(engine, expire_on_commit=False) as s:
        return s.get(Dossier, dossier_id)


def _build(job, engine: Engine, vault: VaultBackend, settings, dossier_id: int, sign: bool):
    from ..dossier.build import build_dossier

    _set(job, dossier_id, progress=10)
    with Session(engine, expire_on_commit=False) as s:
        row = s.get(Dossier, dossier_id)
        matter = s.get(Matter, row.matter_id)
        options = json.loads(row.options)
        context = build_context(
            s,
            vault,
            matter,
            number=row.number,
            purpose=row.purpose,
            lang=row.lang,
            generated_at=row.generated_at,
            prepared_by=options.get("prepared_by") or row.built_by,
            sections=options.get("sections"),
            date_from=date.fromisoformat(options["date_from"])
            if options.get("date_from")
            else None,
            date_to=date.fromisoformat(options["date_to"]) if options.get("date_to") else None,
            evidence_ids=options.get("evidence_ids"),
        )
        s.commit()
    _set(job, dossier_id, progress=30)
    last = {"shown": 30}

    def progress(percent: int) -> None:
        # The engine's 0–100 maps onto 30–90 here; write only real steps forward.
        value = 30 + percent * 60 // 100
        if value >= last["shown"] + 5:
            last["shown"] = value
            _set(job, dossier_id, progress=value)

    result = build_dossier(
        context,
        out_path=None,
        signer=signer_config(settings) if sign else None,
        workdir=settings.instance_dir / "dossier-cache",
        on_progress=progress,
        print_limits=print_limits(settings),
    )
    _set(job, dossier_id, progress=90)  # also the last check that nobody cancelled it
    stored = vault.put_stream(io.BytesIO(result.pdf_bytes))
    with Session(engine, expire_on_commit=False) as s:
        job.hold(s)
        row = s.get(Dossier, dossier_id)
        scheme = evidence.dossier_scheme(matter, row.purpose, row.lang)
        by_label = {
            evidence.label_of(e, scheme): e
            for e in evidence.list_for_matter(s, row.matter_id, include_withdrawn=False)
            if e.label_number is not None
        }
        inside = []
        for label, page in result.exhibit_start_pages.items():
            e = by_label[label]
            inside.append(
                {"evidence_id": e.id, "label": label, "sha256": e.sha256, "start_page": page}
            )
            evidence.custody(
                s,
                f"dossier:{row.number}",
                e,
                "included_in_dossier",
                purpose=f"dossier {row.number}",
                detail={"dossier_sha256": stored.sha256},
            )
        snapshot = {k: v for k, v in context.items() if k != "exhibits"}
        snapshot["exhibits"] = [
            {k: v for k, v in x.items() if k != "path"} for x in context["exhibits"]
        ]
        before = audit.snapshot(row)
        row.sha256, row.size, row.page_count = stored.sha256, stored.size, result.page_count
        head = context.get("audit_head") or {}
        row.audit_seq, row.audit_hash = head.get("seq"), head.get("hash")
        row.signed_locally = signer_config(settings).is_local if sign else False
        row.exhibits = json.dumps(inside, ensure_ascii=False)
        row.snapshot = json.dumps(snapshot, ensure_ascii=False, default=str)
        row.status, row.progress, row.finished_at = "done", 100, utcnow()
        s.add(row)
        audit.updated(s, f"dossier:{row.number}", row, before, matter_id=row.matter_id)
        s.commit()


def retry(*, session: Session, actor: User, matter_id: int | str, dossier_id: int) -> Dossier:
    """Queue a failed or cancelled dossier again (editors; audited). The caller starts it."""
    matter = access.matter_for(session, actor, matter_id, Role.EDITOR)
    access.in_matter(session.get(Dossier, dossier_id), matter.id)
    jobstate.retry(session=session, actor=actor, model=Dossier, row_id=dossier_id)
    return session.get(Dossier, dossier_id)


def cancel(*, session: Session, actor: User, matter_id: int | str, dossier_id: int) -> Dossier:
    """Stop a queued or running build (editors; audited): nothing is stored."""
    matter = access.matter_for(session, actor, matter_id, Role.EDITOR)
    access.in_matter(session.get(Dossier, dossier_id), matter.id)
    jobstate.cancel(session=session, actor=actor, model=Dossier, row_id=dossier_id)
    return session.get(Dossier, dossier_id)


def current(*, session: Session, actor: User, matter_id: int, dossier_id: int) -> Dossier:
    """A member's view of a dossier, after checking that a build shown as running still has
    a live worker (otherwise it is marked failed now, with the reason)."""
    access.matter_for(session, actor, matter_id)
    row = access.in_matter(session.get(Dossier, dossier_id), matter_id)
    if row.status in jobstate.ACTIVE:
        session.commit()
        if jobstate.sweep(session.get_bind(), only=(Dossier, dossier_id)):
            session.expire_all()
            row = session.get(Dossier, dossier_id)
    return row


def preview(
    *,
    session: Session,
    vault: VaultBackend,
    settings,
    actor: User,
    matter_id: int | str,
    purpose: str,
    lang: str = "ko",
    at: datetime,
) -> bytes:
    """An unsigned, unregistered build, marked PREVIEW. The same data and ``at`` give the same
    bytes, so two previews can be compared byte for byte. Nothing is stored or recorded."""
    from ..dossier.build import build_dossier

    matter = access.matter_for(session, actor, matter_id, Role.VIEWER)
    if purpose not in PURPOSES or lang not in ("ko", "en") or at.tzinfo is None:
        raise ValidationFailed([("purpose", N_("Not a valid choice."))])
    context = build_context(
        session,
        vault,
        matter,
        number=f"PREVIEW-{matter.reference}",
        purpose=purpose,
        lang=lang,
        generated_at=at,
        prepared_by=getattr(actor, "name", str(actor)),
    )
    result = build_dossier(
        context,
        out_path=None,
        signer=None,
        workdir=settings.instance_dir / "dossier-cache",
        print_limits=print_limits(settings),
    )
    return result.pdf_bytes


def of_matter(session: Session, matter_id: int) -> list[Dossier]:
    return list(
        session.exec(
            select(Dossier).where(Dossier.matter_id == matter_id).order_by(Dossier.id.desc())
        )
    )


def record_download(*, session: Session, actor: User, matter_id: int, dossier_id: int) -> Dossier:
    """A member downloads a dossier: a custody event on every exhibit inside."""
    access.matter_for(session, actor, matter_id)
    row = access.in_matter(session.get(Dossier, dossier_id), matter_id)
    if row.status != "done":
        raise NotFound("dossier")
    for entry in json.loads(row.exhibits):
        e = session.get(Evidence, entry["evidence_id"])
        evidence.custody(session, actor, e, "exported", purpose=f"dossier {row.number} downloaded")
    session.commit()
    return row


def verify_file(session: Session, pdf_bytes: bytes, settings) -> dict[str, Any]:
    """Is this file a registered dossier, unchanged, with a valid signature and timestamp?"""
    import hashlib

    from ..dossier.sign import verify_pdf

    sha = hashlib.sha256(pdf_bytes).hexdigest()
    row = session.exec(select(Dossier).where(Dossier.sha256 == sha)).first()
    signature = verify_pdf(pdf_bytes, trust_roots=trust_roots(settings))
    report = {
        "sha256": sha,
        "registered": row is not None,
        "hash_matches": row is not None,
        "dossier": (
            {
                "number": row.number,
                "matter_id": row.matter_id,
                "purpose": row.purpose,
                "generated_at": row.generated_at.isoformat(),
                "built_by": row.built_by,
                "pages": row.page_count,
            }
            if row
            else None
        ),
        "signature": signature,
        # The audit chain head the dossier printed: still in the chain, with the same hash?
        "audit": audit.holds(session, row.audit_seq, row.audit_hash)
        if row is not None and row.audit_seq
        else None,
    }
    tied = report["audit"] is None or report["audit"]["ok"]
    report["ok"] = bool(row) and bool(signature.get("ok")) and tied
    return report


def known_hashes(session: Session) -> set[str]:
    return {h for h in session.exec(select(Dossier.sha256).where(col(Dossier.sha256).is_not(None)))}
