"""Deadlines as iCalendar (RFC 5545) events people can drop into Outlook or Google Calendar.

Each deadline is an all-day event on its due date (``DTSTART;VALUE=DATE`` = due date,
``DTEND`` = the next day, exclusive), because the deadline is a day, ending 24:00 KST; the
description says so in words. ``UID`` is ``deadline-{id}@{uid_domain}``: the same deadline
always has the same UID, so importing a newer file updates the entry instead of adding a copy,
and ``SEQUENCE`` (bumped by the caller whenever the deadline moves) tells clients which version
is newer. Line folding, escaping and UTF-8 are the ``icalendar`` package's job.

Alarms, and why they look the way they do
-----------------------------------------
``-P7DT-9H`` (7 days before, then 9 hours later) is *not* valid RFC 5545: a duration has one
sign, in front. We want "N days before, at 09:00", and the start of an all-day event is 00:00 of
the due date in the viewer's time zone, so the trigger is ``-(N days) + 9 hours``:
``D-7 → TRIGGER;RELATED=START:-P6DT15H``, ``D-1 → -PT15H``, ``D-day → PT9H``. This is exactly
what Apple Calendar writes for its own all-day alerts ("1 day before (9 AM)" is ``-PT15H``).

- Outlook (MS-OXCICAL 2.1.3.1.1.20.62) keeps **one** VALARM per event, ignores ``ACTION``, and
  reads a duration trigger as its absolute value, so a positive trigger (``PT9H``) turns into
  "9 hours before". We therefore put first the alarm we would want Outlook to keep: the
  latest one that is still *before* the due date (normally D-1 at 09:00, ``-PT15H``); the
  others follow, latest first, for clients that honour several (Apple Calendar, Thunderbird).
- Google Calendar ignores VALARM in imported files and applies the calendar's own default
  notifications; nothing in the file can change that.
- Alarm times are in the *viewer's* time zone (all-day events are floating). For the team in
  Seoul that is 09:00 KST; for counsel abroad it is 09:00 their time, which is why the
  description always states the real end, 24:00 KST.

Events are ``TRANSP:TRANSPARENT`` (and ``X-MICROSOFT-CDO-BUSYSTATUS:FREE``) so a deadline never
blocks the owner's free/busy, and ``CLASS:PRIVATE`` because matter names are confidential when
a calendar is shared.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, runtime_checkable

from icalendar import Alarm, Calendar, Event

from .wording import due_phrase, kind_label, norm_lang, text

DEFAULT_ALARMS: tuple[int, ...] = (14, 7, 3, 1, 0)
ALARM_TIME = time(9, 0)
STATUSES = ("CONFIRMED", "CANCELLED")


@runtime_checkable
class DeadlineLike(Protocol):
    """What :func:`deadline_event` reads from the object it is given.

    Required attributes: ``deadline_id`` (int), ``matter_reference`` (str), ``title`` (str),
    ``kind`` (``"hard"``/``"follow_up"``/``"hearing"``), ``due_on`` (a ``date``, not a
    ``datetime``), ``url`` (absolute http(s) link, may be empty) and ``sequence`` (int).
    Read when present: ``matter_title``, ``owner_name`` and ``trace`` (a sequence of strings).

    :class:`tracker.mail.model.DigestItem` satisfies it. An ORM ``Deadline`` row does not as it
    stands (it has ``id``, not ``deadline_id``, and no matter reference or URL): wrap it in a
    ``DigestItem`` or any small object with these attributes.
    """

    deadline_id: int
    matter_reference: str
    title: str
    kind: str
    due_on: date
    url: str
    sequence: int


def event_uid(deadline_id: int, uid_domain: str) -> str:
    """``deadline-{id}@{uid_domain}``: stable for the life of the deadline."""
    return f"deadline-{int(deadline_id)}@{uid_domain}"


def alarm_trigger(days_before: int, at: time = ALARM_TIME) -> timedelta:
    """The trigger, relative to the all-day start, that fires ``days_before`` days before the due
    date at ``at`` local time: ``(7, 09:00) → -6 days 15 h`` (``-P6DT15H``)."""
    if days_before < 0:
        raise ValueError(f"alarm days must be 0 or more, not {days_before}")
    return timedelta(days=-days_before, hours=at.hour, minutes=at.minute)


def deadline_event(
    item: DeadlineLike,
    *,
    uid_domain: str,
    alarms: Iterable[int] = DEFAULT_ALARMS,
    lang: str = "ko",
    status: str = "CONFIRMED",
    dtstamp: datetime | None = None,
    alarm_time: time = ALARM_TIME,
) -> Event:
    """One all-day ``VEVENT`` for a deadline.

    Guarantees: ``UID`` is ``deadline-{id}@{uid_domain}``; ``DTSTART;VALUE=DATE`` is the due date
    and ``DTEND`` the next day; ``SEQUENCE`` is the item's; ``DTSTAMP`` is ``dtstamp`` (or now)
    in UTC; ``SUMMARY`` is ``[reference] title``; ``DESCRIPTION`` holds the matter, the end
    "24:00 KST", the computation trace and the URL; ``STATUS`` is ``status`` (``CONFIRMED`` or
    ``CANCELLED``; a cancelled event gets no alarms and a marked summary). One ``DISPLAY``
    VALARM per distinct entry of ``alarms`` (days before the due date, fired at ``alarm_time``
    local time), ordered as explained in the module docstring. Raises ``ValueError`` on a bad
    ``uid_domain``, ``status``, ``due_on`` or alarm.
    """
    lang = norm_lang(lang)
    status = status.upper()
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    if not uid_domain or any(c.isspace() or c in "@<>" for c in uid_domain):
        raise ValueError(f"bad uid_domain {uid_domain!r}")
    due_on = item.due_on
    if isinstance(due_on, datetime) or not isinstance(due_on, date):
        raise ValueError(f"due_on must be a date, not {due_on!r}")
    stamp = dtstamp or datetime.now(UTC)
    if stamp.tzinfo is None:
        raise ValueError("dtstamp must be timezone-aware")

    summary = f"[{item.matter_reference}] {item.title}"
    if status == "CANCELLED":
        summary = f"[{text(lang, 'cancelled')}] {summary}"
    url = _web_url(item.url)

    event = Event()
    event.add("uid", event_uid(item.deadline_id, uid_domain))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("sequence", int(item.sequence or 0))
    event.add("dtstart", due_on)
    event.add("dtend", due_on + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", _description(item, lang, url))
    if url:
        event.add("url", url)
    event.add("categories", [kind_label(item.kind, lang)])
    event.add("status", status)
    event.add("class", "PRIVATE")
    event.add("transp", "TRANSPARENT")
    event.add("x-microsoft-cdo-busystatus", "FREE")
    event.add("x-microsoft-cdo-alldayevent", "TRUE")
    if status != "CANCELLED":
        for days in _alarm_order(alarms):
            event.add_component(_alarm(days, alarm_time, summary, due_on, lang))
    return event


def calendar(
    events: Iterable[Event],
    *,
    name: str,
    product_name: str = "tracker",
    method: str = "PUBLISH",
) -> bytes:
    """A whole ``VCALENDAR`` as UTF-8 bytes with CRLF line ends, folded at 75 octets.

    Carries ``VERSION:2.0``, ``PRODID``, ``CALSCALE:GREGORIAN``, ``METHOD`` (``PUBLISH``: a
    snapshot to import, not a meeting invitation), ``X-WR-CALNAME`` and ``NAME`` (RFC 7986) set
    to ``name``, and ``X-WR-TIMEZONE:Asia/Seoul``. No ``VTIMEZONE`` is needed: the events are
    all-day (``VALUE=DATE``) and their stamps are UTC.
    """
    cal = Calendar()
    cal.add("prodid", f"-//{product_name}//Deadline reminders//KO")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method.upper())
    cal.add("x-wr-calname", name)
    cal.add("name", name)
    cal.add("x-wr-timezone", "Asia/Seoul")
    for event in events:
        cal.add_component(event)
    return cal.to_ical()


def _alarm_order(alarms: Iterable[int]) -> list[int]:
    """Distinct days before the due date, latest first (so D-1, the one Outlook should keep,
    leads), then the due-day alarm: ``(14, 7, 3, 1, 0) → [1, 3, 7, 14, 0]``."""
    days = sorted({int(d) for d in alarms})
    for d in days:
        if d < 0:
            raise ValueError(f"alarm days must be 0 or more, not {d}")
    before = [d for d in days if d > 0]
    return before + [d for d in days if d == 0]


def _alarm(days: int, at: time, summary: str, due_on: date, lang: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"{_countdown_label(days)} · {summary} · {due_phrase(due_on, lang)}")
    alarm.add("trigger", alarm_trigger(days, at), parameters={"RELATED": "START"})
    return alarm


def _countdown_label(days: int) -> str:
    return "D-day" if days == 0 else f"D-{days}"


def _description(item: DeadlineLike, lang: str, url: str | None) -> str:
    lines = []
    matter_title = getattr(item, "matter_title", "") or ""
    lines.append(f"[{item.matter_reference}] {matter_title}".rstrip())
    lines.append(f"{text(lang, 'kind')}: {kind_label(item.kind, lang)}")
    lines.append(f"{text(lang, 'due')}: {due_phrase(item.due_on, lang)}")
    owner = getattr(item, "owner_name", "") or ""
    if owner:
        lines.append(f"{text(lang, 'owner')}: {owner}")
    trace = tuple(getattr(item, "trace", ()) or ())
    if trace:
        lines.append(f"{text(lang, 'trace')}:")
        lines.extend(f"- {step}" for step in trace)
    lines.append(text(lang, "rule"))
    if url:
        lines.append(url)
    return "\n".join(lines)


def _web_url(url: str | None) -> str | None:
    """Only absolute http(s) links are published; anything else (``javascript:`` …) is dropped."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


__all__ = [
    "ALARM_TIME",
    "DEFAULT_ALARMS",
    "DeadlineLike",
    "alarm_trigger",
    "calendar",
    "deadline_event",
    "event_uid",
]
