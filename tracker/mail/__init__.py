"""Mail and calendar for deadline reminders: plain values in, an email or an .ics out.

- :func:`render_digest` turns a :class:`Digest` into an ``EmailMessage`` (text, HTML, .ics);
- :func:`deadline_event` / :func:`calendar` build iCalendar events and files;
- :func:`send` delivers over SMTP or into an outbox directory and never raises for network or
  SMTP failures; :func:`validate_address` checks an address without DNS.

No database and no Flask app are needed: the reminder service passes dataclasses.
"""

from __future__ import annotations

from .addresses import validate_address
from .digest import render_digest
from .ics import DEFAULT_ALARMS, DeadlineLike, calendar, deadline_event
from .model import Digest, DigestItem, SmtpSettings
from .sender import SendResult, send

__all__ = [
    "DEFAULT_ALARMS",
    "DeadlineLike",
    "Digest",
    "DigestItem",
    "SendResult",
    "SmtpSettings",
    "calendar",
    "deadline_event",
    "render_digest",
    "send",
    "validate_address",
]
