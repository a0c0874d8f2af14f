"""Plain values the mail layer takes: no database rows, no Flask.

The reminder service builds a ``Digest`` (one per recipient) out of ``DigestItem`` values and
hands it to :func:`tracker.mail.digest.render_digest`; :func:`tracker.mail.sender.send` then
delivers the message with ``SmtpSettings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

SECURITY_MODES = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class DigestItem:
    """One deadline in a reminder digest.

    ``due_on`` is the due date; the deadline ends at 24:00 Asia/Seoul that day (민법 제159조).
    ``days_left`` is counted in KST and is negative when overdue. ``slot`` is the reminder slot
    that made this item due today: ``D-14`` … ``D-1``, ``D-day``, or ``D+3`` (3 days overdue).
    """

    deadline_id: int
    matter_reference: str  # "2022-법무-001"
    matter_title: str
    title: str  # "정산 완료 기한"
    kind: str  # "hard" | "follow_up" | "hearing"
    due_on: date
    days_left: int
    slot: str
    url: str  # absolute link back to the deadline page
    owner_name: str
    trace: tuple[str, ...] = ()  # human-readable computation steps, may be empty
    sequence: int = 0  # iCalendar SEQUENCE, bumped when the deadline moves


@dataclass(frozen=True)
class Digest:
    """Everything one recipient gets in one reminder email.

    ``lang`` is ``"ko"`` or ``"en"`` (anything else is read as Korean, the team's language).
    ``generated_at`` must be timezone-aware. ``base_url`` is the tracker's public root URL; its
    host name is used for ``Message-ID`` and calendar ``UID`` values.
    """

    recipient_email: str
    recipient_name: str
    lang: str
    items: tuple[DigestItem, ...]
    generated_at: datetime
    base_url: str
    product_name: str = "tracker"


@dataclass(frozen=True)
class SmtpSettings:
    """How to deliver mail.

    ``host=None`` is outbox mode: messages are written as ``.eml`` files into ``outbox_dir``
    instead of being sent (development, demos, and sites without a relay). ``security`` is
    ``"none"`` (plain SMTP), ``"starttls"`` (upgrade on the submission port, usually 587) or
    ``"ssl"`` (implicit TLS, usually 465). ``sender`` is the ``From`` used when the message has
    none, and always the envelope sender. Construction fails with ``ValueError`` on settings
    that could never work, so a bad configuration shows up at start-up, not at the first send.
    """

    host: str | None
    port: int = 25
    security: str = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never shown in logs
    sender: str = "tracker <tracker@localhost>"
    timeout: float = 20.0
    outbox_dir: Path | None = None

    def __post_init__(self) -> None:
        # Read from the environment, so be lenient about case and an empty SMTP_HOST.
        object.__setattr__(self, "security", (self.security or "none").strip().lower())
        if self.host is not None and not self.host.strip():
            object.__setattr__(self, "host", None)
        if self.outbox_dir is not None:
            object.__setattr__(self, "outbox_dir", Path(self.outbox_dir))
        if self.security not in SECURITY_MODES:
            raise ValueError(
                f"SMTP security must be one of {', '.join(SECURITY_MODES)}, not {self.security!r}"
            )
        if self.host is None and self.outbox_dir is None:
            raise ValueError("outbox mode (no SMTP host) needs an outbox_dir")
        if not 0 < self.port < 65536:
            raise ValueError(f"SMTP port out of range: {self.port}")
        if self.timeout <= 0:
            raise ValueError("SMTP timeout must be positive")
