"""Reminder emails that arrive exactly once.

Each (deadline, recipient, slot) is one ``Reminder`` row under a unique key. A run claims a slot
by inserting its row in a transaction of its own; a second run at the same moment fails that
insert and leaves the slot alone. Only after claiming does a run send, one digest per recipient,
and then marks the rows sent, or failed with the next attempt time (backoff). A slot's key
carries the due date, so a moved deadline is planned afresh; a closed one is not planned at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from .. import db
from ..domain.calendar import kst_today
from ..mail.digest import render_digest
from ..mail.model import Digest, DigestItem, SmtpSettings
from ..mail.sender import send, validate_address
from ..mail.wording import trace_lines
from ..models import Deadline, DeadlineWatcher, Matter, Reminder, User
from .deadlines import OPEN_STATUSES, schedule_of, trace_of

# A claim older than this whose run never reported back (a crash) may be taken again.
STALE_CLAIM = timedelta(minutes=30)
MAX_BACKOFF = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """15 min, 30 min, 1 h, 2 h … capped at 6 h."""
    return min(timedelta(minutes=15) * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def current_slot(due_on: date, today: date, schedule: tuple[int, ...]) -> str | None:
    """The slot to send today, or None. Only the latest slot that has come is sent: a deadline
    entered 5 days before it falls gets its D-7 reminder now, not D-14 and D-7 both."""
    days_left = (due_on - today).days
    if days_left < 0:
        return f"{due_on.isoformat()}:D+{-days_left}"
    passed = [d for d in schedule if d >= days_left]
    if not passed:
        return None
    offset = min(passed)
    return f"{due_on.isoformat()}:" + ("D-day" if offset == 0 else f"D-{offset}")


@dataclass
class Outcome:
    recipient: str
    deadline_id: int
    slot: str
    detail: str = ""


@dataclass
class RunReport:
    run_id: str
    sent: list[Outcome] = field(default_factory=list)
    skipped: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)


def _plan(session: Session, today: date) -> tuple[list, dict[int, User]]:
    rows = session.exec(
        select(Deadline, Matter)
        .join(Matter, Matter.id == Deadline.matter_id)
        .where(col(Deadline.status).in_(OPEN_STATUSES))
    ).all()
    watchers: dict[int, list[int]] = {}
    for w in session.exec(select(DeadlineWatcher)):
        watchers.setdefault(w.deadline_id, []).append(w.user_id)
    users = {u.id: u for u in session.exec(select(User).where(User.active == True))}  # noqa: E712
    plan = []
    for deadline, matter in rows:
        slot = current_slot(deadline.due_on, today, schedule_of(deadline))
        if slot is None:
            continue
        recipients = {deadline.owner_id, *watchers.get(deadline.id, [])} - {None}
        for user_id in sorted(recipients):
            if user_id in users:
                plan.append((deadline, matter, users[user_id], slot))
    return plan, users


def _claim(engine: Engine, deadline_id: int, user_id: int, slot: str, run_id: str, now) -> bool:
    """Take the slot for this run, in a transaction of its own. True if this run owns it."""
    with Session(db.writer(engine)) as s:
        s.add(
            Reminder(
                deadline_id=deadline_id,
                user_id=user_id,
                slot=slot,
                claimed_by=run_id,
                claimed_at=now,
                status="sending",
            )
        )
        try:
            s.commit()
            return True
        except IntegrityError:
            s.rollback()
        # Someone has it. Retry only a failure whose wait is over, or a claim left by a crash.
        result = s.exec(
            update(Reminder)
            .where(
                Reminder.deadline_id == deadline_id,
                Reminder.user_id == user_id,
                Reminder.slot == slot,
                ((Reminder.status == "failed") & (Reminder.next_attempt_at <= now))
                | ((Reminder.status == "sending") & (Reminder.claimed_at < now - STALE_CLAIM)),
            )
            .values(status="sending", claimed_by=run_id, claimed_at=now)
        )
        s.commit()
        return result.rowcount == 1


def _finish(
    engine: Engine,
    keys: list[tuple[int, int, str]],
    run_id: str,
    *,
    ok: bool,
    error: str,
    now: datetime,
    status_if_failed: str = "failed",
) -> None:
    """Record the outcome on this run's own claims.

    The rows are read in one transaction and written in another whose first statement is the
    UPDATE: on SQLite a transaction that reads and then writes fails at once when another
    process committed in between (WAL's stale snapshot), while one that starts by writing
    waits for the lock instead.
    """
    with Session(db.reader(engine)) as s:
        rows = []
        for deadline_id, user_id, slot in keys:
            row = s.exec(
                select(Reminder.id, Reminder.attempts).where(
                    Reminder.deadline_id == deadline_id,
                    Reminder.user_id == user_id,
                    Reminder.slot == slot,
                    Reminder.claimed_by == run_id,
                )
            ).first()
            if row is not None:
                rows.append(row)
        s.commit()
    with Session(db.writer(engine)) as s:
        for reminder_id, attempts in rows:
            if ok:
                values = {
                    "status": "sent",
                    "sent_at": now,
                    "last_error": "",
                    "next_attempt_at": None,
                }
            else:
                values = {
                    "status": status_if_failed,
                    "last_error": error[:2000],
                    "next_attempt_at": (
                        now + backoff(attempts + 1) if status_if_failed == "failed" else None
                    ),
                }
            s.exec(
                update(Reminder)
                .where(Reminder.id == reminder_id, Reminder.claimed_by == run_id)
                .values(attempts=Reminder.attempts + 1, **values)
            )
        s.commit()


def run(
    *,
    engine: Engine,
    now: datetime,
    smtp: SmtpSettings,
    base_url: str,
    url_for_deadline,
) -> RunReport:
    """One pass: plan today's slots (Asia/Seoul), claim them, send one digest per recipient,
    record the outcome. Safe to run concurrently and to repeat."""
    report = RunReport(run_id=uuid.uuid4().hex)
    today = kst_today(now)
    with Session(db.reader(engine), expire_on_commit=False) as s:
        plan, everyone = _plan(s, today)
        s.commit()  # end the read (keeping the loaded rows) before claiming
    by_user: dict[int, list[tuple[Deadline, Matter, str]]] = {}
    users: dict[int, User] = {}
    for deadline, matter, user, slot in plan:
        if _claim(engine, deadline.id, user.id, slot, report.run_id, now):
            by_user.setdefault(user.id, []).append((deadline, matter, slot))
            users[user.id] = user
        else:
            report.skipped.append(Outcome(user.email, deadline.id, slot, "already sent or claimed"))
    for user_id, entries in by_user.items():
        user = users[user_id]
        keys = [(d.id, user_id, slot) for d, _m, slot in entries]
        outcomes = [Outcome(user.email, d.id, slot) for d, _m, slot in entries]
        if not validate_address(user.email):
            error = f"invalid recipient address {user.email!r}"
            _finish(
                engine,
                keys,
                report.run_id,
                ok=False,
                error=error,
                now=now,
                status_if_failed="skipped",
            )
            for o in outcomes:
                o.detail = error
            report.failed.extend(outcomes)
            continue
        digest = Digest(
            recipient_email=user.email,
            recipient_name=user.name,
            lang=user.locale,
            generated_at=now,
            base_url=base_url,
            items=tuple(
                sorted(
                    (
                        _item(
                            d,
                            m,
                            slot,
                            today,
                            url_for_deadline,
                            everyone.get(d.owner_id),
                            user.locale,
                        )
                        for d, m, slot in entries
                    ),
                    key=lambda i: i.days_left,
                )
            ),
        )
        result = send(render_digest(digest, sender=smtp.sender), smtp)
        if result.ok and user.email not in result.refused:
            _finish(engine, keys, report.run_id, ok=True, error="", now=now)
            report.sent.extend(outcomes)
        else:
            details = [f"{k}: {v}" for k, v in result.refused.items()]
            error = "; ".join(filter(None, [result.error, *details]))
            _finish(engine, keys, report.run_id, ok=False, error=error, now=now)
            for o in outcomes:
                o.detail = error
            report.failed.extend(outcomes)
    return report


def _item(
    deadline: Deadline,
    matter: Matter,
    slot: str,
    today: date,
    url_for_deadline,
    owner,
    lang: str = "ko",
) -> DigestItem:
    return DigestItem(
        deadline_id=deadline.id,
        matter_reference=matter.reference,
        matter_title=matter.title,
        title=deadline.title,
        kind=deadline.kind,
        due_on=deadline.due_on,
        days_left=(deadline.due_on - today).days,
        slot=slot.split(":", 1)[1],
        url=url_for_deadline(deadline),
        owner_name=owner.name if owner else "",
        trace=trace_lines(trace_of(deadline), lang),
        sequence=deadline.sequence,
    )


def smtp_settings(settings) -> SmtpSettings:
    """The app's SMTP settings; with no host configured, mail goes to ``instance/outbox``."""
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_user,
        password=settings.smtp_password,
        sender=settings.smtp_sender,
        outbox_dir=settings.instance_dir / "outbox",
    )


def run_with_settings(*, engine: Engine, settings, now: datetime) -> RunReport:
    """``run`` with the app's SMTP settings and links (the CLI and the worker both call this)."""
    return run(
        engine=engine,
        now=now,
        smtp=smtp_settings(settings),
        base_url=settings.base_url,
        url_for_deadline=deadline_url(settings.base_url),
    )


def deadline_url(base_url: str):
    def url(deadline: Deadline) -> str:
        return f"{base_url.rstrip('/')}/matters/{deadline.matter_id}/deadlines/{deadline.id}"

    return url
