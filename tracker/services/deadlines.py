"""Deadlines: fixed or computed under 민법 157–161, their status, extensions and watchers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from ..domain.calendar import KST
from ..domain.periods import (
    Due,
    HolidayCalendar,
    PeriodError,
    compute_due,
    parse_iso_date,
    parse_period,
)
from ..errors import Conflict, Forbidden, ValidationFailed
from ..models import (
    Deadline,
    DeadlineExtension,
    DeadlineWatcher,
    Demand,
    DemandItem,
    Evidence,
    Holiday,
    Matter,
    Membership,
    Reminder,
    Response,
    User,
)
from ..models.enums import Role
from . import access, audit
from .checks import DAY_RANGE, N_, Checks, day_in_range

KINDS = ("hard", "follow_up", "hearing")
STATUSES = ("open", "met", "missed", "extended", "cancelled")
OPEN_STATUSES = ("open", "extended")
DEFAULT_SCHEDULE = (14, 7, 3, 1, 0)


def holiday_calendar(session: Session) -> HolidayCalendar:
    """Statutory holidays (holidays package, KR) plus the ad-hoc ones added in the app."""
    extra = {h.day: h.name for h in session.exec(select(Holiday))}
    return HolidayCalendar(extra=extra)


def parse_trigger(text: str) -> date | datetime:
    """``YYYY-MM-DD`` is the day of the event (first day not counted);
    ``YYYY-MM-DDT00:00`` means the period starts at midnight, so that day counts."""
    text = (text or "").strip()
    if "T" in text:
        day_text, _t, time_text = text.partition("T")
        day = parse_iso_date(day_text)
        if time_text not in ("00:00", "00:00:00"):
            raise PeriodError(
                f"only a midnight start (T00:00) can be given with a time, not {time_text!r}"
            )
        return datetime(day.year, day.month, day.day, tzinfo=KST)
    return parse_iso_date(text)


def compute(session: Session, trigger: str, period: str) -> Due:
    """The due date and its trace. Raises ValidationFailed naming the bad field."""
    errors = []
    start = period_value = None
    try:
        start = parse_trigger(trigger)
    except PeriodError as err:
        errors.append(("trigger_on", str(err)))
    else:
        if not day_in_range(start):
            errors.append(("trigger_on", DAY_RANGE))
    try:
        period_value = parse_period(period)
    except PeriodError as err:
        errors.append(("period", str(err)))
    if errors:
        raise ValidationFailed(errors)
    try:
        due = compute_due(start, period_value, calendar=holiday_calendar(session))
    except PeriodError as err:
        raise ValidationFailed([("period", str(err))]) from None
    if not day_in_range(due.due):
        raise ValidationFailed([("period", DAY_RANGE)])
    return due


def ends_at(due_on: date) -> datetime:
    """24:00 Asia/Seoul on the due date (민법 제159조)."""
    return datetime(due_on.year, due_on.month, due_on.day, tzinfo=KST) + timedelta(days=1)


def _schedule(checks: Checks, value) -> str:
    text = (
        (value or "").strip() if isinstance(value, str | type(None)) else ",".join(map(str, value))
    )
    if not text:
        return ""
    try:
        days = sorted({int(x) for x in text.replace(" ", "").split(",") if x != ""}, reverse=True)
    except ValueError:
        checks.fail("schedule", N_("List days before the deadline, e.g. 14,7,3,1,0."))
        return ""
    if any(d < 0 or d > 365 for d in days):
        checks.fail("schedule", N_("List days before the deadline, e.g. 14,7,3,1,0."))
    return ",".join(map(str, days))


def schedule_of(deadline: Deadline) -> tuple[int, ...]:
    if not deadline.schedule:
        return DEFAULT_SCHEDULE
    return tuple(int(x) for x in deadline.schedule.split(","))


def _links(checks: Checks, session: Session, matter_id: int, values: dict) -> dict:
    fields = {}
    for key, model in (
        ("demand_id", Demand),
        ("item_id", DemandItem),
        ("response_id", Response),
    ):
        raw = values.get(key)
        if raw in (None, "", 0, "0"):
            fields[key] = None
            continue
        obj = session.get(model, int(raw)) if str(raw).isdigit() else None
        if obj is None or obj.matter_id != matter_id:
            checks.fail(key, N_("Not a valid choice."))
        else:
            fields[key] = obj.id
    return fields


def _owner(checks: Checks, session: Session, matter_id: int, raw) -> int | None:
    if raw in (None, "", 0, "0"):
        return None
    member = (
        session.exec(
            select(Membership).where(
                Membership.matter_id == matter_id, Membership.user_id == int(raw)
            )
        ).first()
        if str(raw).isdigit()
        else None
    )
    if member is None:
        checks.fail("owner_id", N_("Choose a member of this matter."))
        return None
    return member.user_id


def create_deadline(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    title: str,
    kind: str = "hard",
    due_on=None,
    trigger_on=None,
    period: str = "",
    owner_id=None,
    schedule=None,
    notes: str = "",
    **links,
) -> Deadline:
    """Record a deadline: a fixed date, or computed from a trigger date and a period, in
    which case the computation trace is kept with it. Refuses both or neither."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    checks = Checks()
    title = checks.text("title", title, max_len=300)
    if kind not in KINDS:
        checks.fail("kind", N_("Not a valid choice."))
    owner = _owner(checks, session, matter_id, owner_id)
    link_fields = _links(checks, session, matter_id, links)
    schedule_text = _schedule(checks, schedule)
    computed: Due | None = None
    fixed = None
    has_period = bool((period or "").strip()) or bool(trigger_on)
    if due_on not in (None, "") and has_period:
        checks.fail("due_on", N_("Give a fixed date, or a trigger date and a period, not both."))
    elif due_on not in (None, ""):
        fixed = checks.day("due_on", due_on)
    elif has_period:
        try:
            computed = compute(session, str(trigger_on or ""), period or "")
        except ValidationFailed as err:
            checks.errors.extend(err.errors)
    else:
        checks.fail("due_on", N_("Give a fixed date, or a trigger date and a period."))
    checks.done()
    deadline = Deadline(
        matter_id=matter_id,
        kind=kind,
        title=title,
        owner_id=owner if owner else (actor.id if isinstance(actor, User) else None),
        schedule=schedule_text,
        notes=(notes or "").strip(),
        **link_fields,
    )
    if computed:
        start = parse_trigger(str(trigger_on))
        deadline.due_on = computed.due
        deadline.trigger_on = start.date() if isinstance(start, datetime) else start
        deadline.from_midnight = isinstance(start, datetime)
        deadline.period = parse_period(period).describe("en")
        deadline.trace = json.dumps([s.to_json() for s in computed.trace], ensure_ascii=False)
    else:
        deadline.due_on = fixed
    deadline.ends_at = ends_at(deadline.due_on)
    session.add(deadline)
    audit.created(session, actor, deadline, matter_id=matter_id)
    session.commit()
    return deadline


def for_demand(session: Session, actor, demand: Demand) -> Deadline | None:
    """The hard deadline a demand's own due date implies, added in the caller's transaction,
    so a demand's deadline is reminded like any other. None when the demand has no due date."""
    if demand.due_on is None:
        return None
    deadline = Deadline(
        matter_id=demand.matter_id,
        kind="hard",
        title=demand.title,
        demand_id=demand.id,
        owner_id=actor.id if isinstance(actor, User) else None,
        due_on=demand.due_on,
        ends_at=ends_at(demand.due_on),
        notes="요구에 적은 기한 (demand's own due date)",
    )
    session.add(deadline)
    audit.created(session, actor, deadline, matter_id=demand.matter_id)
    return deadline


def follow_demand(session: Session, actor, demand: Demand, old_due: date | None) -> None:
    """Keep the demand's own deadline on its due date when the demand is edited (an audited
    extension), or add one when a due date is given for the first time."""
    if demand.due_on == old_due:
        return
    linked = (
        session.exec(
            select(Deadline).where(
                Deadline.demand_id == demand.id,
                Deadline.kind == "hard",
                Deadline.due_on == old_due,
                col(Deadline.status).in_(OPEN_STATUSES),
            )
        ).first()
        if old_due
        else None
    )
    if linked is None:
        for_demand(session, actor, demand)
        return
    if demand.due_on is None:
        return
    before = audit.snapshot(linked)
    session.add(
        DeadlineExtension(
            deadline_id=linked.id,
            old_due_on=linked.due_on,
            new_due_on=demand.due_on,
            reason="요구의 기한을 고침 (demand's due date edited)",
            actor=audit.Actor.of(actor).label,
        )
    )
    linked.due_on, linked.ends_at = demand.due_on, ends_at(demand.due_on)
    linked.status, linked.sequence = "extended", linked.sequence + 1
    session.add(linked)
    audit.updated(session, actor, linked, before, matter_id=demand.matter_id)


def update_deadline(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    deadline_id: int,
    title: str,
    kind: str,
    owner_id=None,
    schedule=None,
    notes: str = "",
) -> Deadline:
    """Edit what a deadline is about. Its date changes only through ``extend``."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    deadline = access.in_matter(session.get(Deadline, deadline_id), matter_id)
    checks = Checks()
    title = checks.text("title", title, max_len=300)
    if kind not in KINDS:
        checks.fail("kind", N_("Not a valid choice."))
    owner = _owner(checks, session, matter_id, owner_id)
    schedule_text = _schedule(checks, schedule)
    checks.done()
    before = audit.snapshot(deadline)
    deadline.title, deadline.kind, deadline.notes = title, kind, (notes or "").strip()
    deadline.owner_id = owner or deadline.owner_id
    deadline.schedule = schedule_text
    session.add(deadline)
    audit.updated(session, actor, deadline, before, matter_id=matter_id)
    session.commit()
    return deadline


def extend(
    *, session: Session, actor: User, matter_id: int, deadline_id: int, new_due_on, reason: str
) -> Deadline:
    """Move a deadline, with a reason; the history of extensions is kept and the remaining
    reminders are planned again for the new date."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    deadline = access.in_matter(session.get(Deadline, deadline_id), matter_id)
    checks = Checks()
    new_due = checks.day("new_due_on", new_due_on)
    reason = checks.text("reason", reason, max_len=2000)
    checks.done()
    if deadline.status not in OPEN_STATUSES:
        raise Conflict(N_("Only an open deadline can be extended."))
    if new_due == deadline.due_on:
        raise ValidationFailed([("new_due_on", N_("That is the current due date."))])
    before = audit.snapshot(deadline)
    session.add(
        DeadlineExtension(
            deadline_id=deadline.id,
            old_due_on=deadline.due_on,
            new_due_on=new_due,
            reason=reason,
            actor=audit.Actor.of(actor).label,
        )
    )
    deadline.due_on = new_due
    deadline.ends_at = ends_at(new_due)
    deadline.status = "extended"
    deadline.sequence += 1
    session.add(deadline)
    audit.updated(session, actor, deadline, before, matter_id=matter_id)
    session.commit()
    return deadline


def set_status(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    deadline_id: int,
    status: str,
    note: str = "",
    met_by_response_id=None,
    met_by_evidence_id=None,
) -> Deadline:
    """Mark a deadline met (optionally by the response or exhibit that met it), missed,
    cancelled, or open again. A closed deadline sends no more reminders."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    deadline = access.in_matter(session.get(Deadline, deadline_id), matter_id)
    checks = Checks()
    if status not in STATUSES or status == "extended":
        checks.fail("status", N_("Not a valid choice."))
    note = checks.text("note", note, required=False, max_len=2000)
    response = evidence = None
    if met_by_response_id not in (None, "", 0, "0"):
        response = session.get(Response, int(met_by_response_id))
        if response is None or response.matter_id != matter_id:
            checks.fail("met_by_response_id", N_("Not a valid choice."))
    if met_by_evidence_id not in (None, "", 0, "0"):
        evidence = session.get(Evidence, int(met_by_evidence_id))
        if evidence is None or evidence.matter_id != matter_id:
            checks.fail("met_by_evidence_id", N_("Not a valid choice."))
    checks.done()
    before = audit.snapshot(deadline)
    deadline.status = status
    deadline.status_note = note
    deadline.met_by_response_id = response.id if response and status == "met" else None
    deadline.met_by_evidence_id = evidence.id if evidence and status == "met" else None
    if status == "cancelled":
        deadline.sequence += 1
    session.add(deadline)
    audit.updated(session, actor, deadline, before, matter_id=matter_id)
    session.commit()
    return deadline


def set_watchers(
    *, session: Session, actor: User, matter_id: int, deadline_id: int, user_ids: list
) -> list[int]:
    """Replace the watchers; each must be a member of the matter."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    deadline = access.in_matter(session.get(Deadline, deadline_id), matter_id)
    wanted = {int(u) for u in user_ids if str(u).isdigit()}
    members = set(session.exec(select(Membership.user_id).where(Membership.matter_id == matter_id)))
    if not wanted <= members:
        raise ValidationFailed([("watchers", N_("Choose members of this matter."))])
    current = set(watcher_ids(session, deadline.id))
    for user_id in current - wanted:
        session.delete(session.get(DeadlineWatcher, (deadline.id, user_id)))
    for user_id in wanted - current:
        session.add(DeadlineWatcher(deadline_id=deadline.id, user_id=user_id))
    if current != wanted:
        audit.record(
            session,
            actor=actor,
            action="update",
            entity="Deadline",
            entity_id=deadline.id,
            matter_id=matter_id,
            before={"watchers": sorted(current)},
            after={"watchers": sorted(wanted)},
        )
    session.commit()
    return sorted(wanted)


def watcher_ids(session: Session, deadline_id: int) -> list[int]:
    return list(
        session.exec(
            select(DeadlineWatcher.user_id).where(DeadlineWatcher.deadline_id == deadline_id)
        )
    )


def add_holiday(*, session: Session, actor: User, day, name: str) -> Holiday:
    """Add a government-designated holiday (site admins). Computations from now on use it."""
    if not getattr(actor, "is_admin", False):
        raise Forbidden("site admin only")
    checks = Checks()
    day_value = checks.day("day", day)
    name = checks.text("name", name, max_len=100)
    checks.done()
    if session.get(Holiday, day_value):
        raise ValidationFailed([("day", N_("This day is already a holiday."))])
    holiday = Holiday(day=day_value, name=name)
    session.add(holiday)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="Holiday",
        entity_id=day_value.isoformat(),
        matter_id=None,
        after={"day": day_value, "name": name},
    )
    session.commit()
    return holiday


def holidays(session: Session) -> list[Holiday]:
    return list(session.exec(select(Holiday).order_by(Holiday.day)))


# --- reading -----------------------------------------------------------------------------------


@dataclass
class DeadlineRow:
    deadline: Deadline
    matter: Matter
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.deadline.status in OPEN_STATUSES and self.days_left < 0


def of_matter(session: Session, matter_id: int) -> list[Deadline]:
    return list(
        session.exec(
            select(Deadline).where(Deadline.matter_id == matter_id).order_by(Deadline.due_on)
        )
    )


def dashboard(session: Session, user: User, today: date) -> dict:
    """Overdue open deadlines (most overdue first), those due in the next 30 days, and the
    user's open matters that have no open deadline at all."""
    matter_ids = list(
        session.exec(select(Membership.matter_id).where(Membership.user_id == user.id))
    )
    if not matter_ids:
        return {"overdue": [], "upcoming": [], "without": [], "failed_reminders": 0}
    rows = session.exec(
        select(Deadline, Matter)
        .join(Matter, Matter.id == Deadline.matter_id)
        .where(col(Deadline.matter_id).in_(matter_ids), col(Deadline.status).in_(OPEN_STATUSES))
        .order_by(Deadline.due_on)
    ).all()
    items = [DeadlineRow(d, m, (d.due_on - today).days) for d, m in rows]
    with_open = {r.matter.id for r in items}
    without = list(
        session.exec(
            select(Matter)
            .where(col(Matter.id).in_(matter_ids), Matter.status != "closed")
            .order_by(Matter.reference)
        )
    )
    failed = session.exec(
        select(Reminder.id)
        .join(Deadline, Deadline.id == Reminder.deadline_id)
        .where(col(Deadline.matter_id).in_(matter_ids), Reminder.status == "failed")
    ).all()
    return {
        "overdue": sorted((r for r in items if r.days_left < 0), key=lambda r: r.days_left),
        "upcoming": [r for r in items if 0 <= r.days_left <= 30],
        "without": [m for m in without if m.id not in with_open],
        "failed_reminders": len(failed),
    }


def extensions_of(session: Session, deadline_id: int) -> list[DeadlineExtension]:
    return list(
        session.exec(
            select(DeadlineExtension)
            .where(DeadlineExtension.deadline_id == deadline_id)
            .order_by(DeadlineExtension.at)
        )
    )


def reminders_of(session: Session, deadline_id: int) -> list[Reminder]:
    return list(
        session.exec(
            select(Reminder).where(Reminder.deadline_id == deadline_id).order_by(Reminder.id)
        )
    )


def trace_of(deadline: Deadline) -> list[dict]:
    return json.loads(deadline.trace or "[]")


def for_user(session: Session, user: User) -> list[tuple[Deadline, Matter]]:
    """Every deadline of the matters the user is a member of (their calendar feed)."""
    return list(
        session.exec(
            select(Deadline, Matter)
            .join(Matter, Matter.id == Deadline.matter_id)
            .join(Membership, Membership.matter_id == Matter.id)
            .where(Membership.user_id == user.id)
            .order_by(Deadline.due_on)
        ).all()
    )


def period_text(deadline: Deadline, lang: str) -> str:
    """The period in the reader's language (stored in a canonical English form)."""
    if not deadline.period:
        return ""
    try:
        return parse_period(deadline.period).describe(lang)
    except PeriodError:
        return deadline.period


def of_demand(session: Session, demand_id: int) -> list[Deadline]:
    return list(
        session.exec(select(Deadline).where(Deadline.demand_id == demand_id).order_by(Deadline.id))
    )
