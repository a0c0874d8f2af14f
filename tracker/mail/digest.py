"""The reminder digest: one email per recipient listing the deadlines due for a reminder today.

Structure of the message::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain; charset=utf-8        (templates/email/digest.txt)
    │   └── text/html; charset=utf-8         (templates/email/digest.html, autoescaped)
    └── text/calendar; method=PUBLISH; charset=utf-8   deadlines.ics (one VEVENT per item)

Templates are rendered by a Jinja2 environment of the mail layer's own (no Flask app needed);
the wording comes from :mod:`tracker.mail.wording` in the recipient's language.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..domain.calendar import format_moment
from ..errors import ValidationFailed
from .addresses import mailbox, one_line, parse_mailbox, validate_address
from .ics import DEFAULT_ALARMS, calendar, deadline_event
from .model import Digest, DigestItem
from .wording import (
    countdown,
    day_label,
    due_phrase,
    kind_label,
    norm_lang,
    status_phrase,
    text,
)

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "email"
ICS_FILENAME = "deadlines.ics"
# 7bit: bodies go out as quoted-printable or base64, whichever is shorter, so the message
# survives any relay (no reliance on 8BITMIME); headers are RFC 2047 encoded words.
POLICY = SMTP.clone(cte_type="7bit")
KIND_ORDER = {"hard": 0, "hearing": 1, "follow_up": 2}


@lru_cache(maxsize=4)
def template_env(directory: str = str(TEMPLATE_DIR)) -> Environment:
    """The mail layer's Jinja2 environment: ``.html`` templates are autoescaped, ``.txt`` ones
    are not; an undefined variable is an error, not an empty string."""
    return Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def urgency(item: DigestItem) -> tuple:
    """Sort key, most urgent first: longest overdue, then due soonest; hard deadlines before
    hearings before follow-ups on the same day."""
    return (item.days_left, KIND_ORDER.get(item.kind, 9), item.matter_reference, item.deadline_id)


def digest_subject(digest: Digest) -> str:
    """``[tracker] 기한 알림 3건 · 기한 경과 1건`` / ``[tracker] 3 deadlines · 1 overdue``; a
    ``오늘 마감 N건`` / ``N due today`` part is added when something falls due today."""
    lang = norm_lang(digest.lang)
    n = len(digest.items)
    overdue = sum(1 for i in digest.items if i.days_left < 0)
    today = sum(1 for i in digest.items if i.days_left == 0)
    parts = [text(lang, "subject_count", n)]
    if overdue:
        parts.append(text(lang, "subject_overdue", overdue))
    if today:
        parts.append(text(lang, "subject_today", today))
    return one_line(f"[{digest.product_name}] " + " · ".join(parts))


def mail_domain(base_url: str) -> str:
    """The host of ``base_url`` (``https://tracker.example.kr:8443/x`` → ``tracker.example.kr``),
    in ASCII; ``localhost`` when there is none. Used for Message-ID and calendar UIDs, so it must
    stay the same for the life of an installation."""
    host = (urlsplit(base_url or "").hostname or "").strip(".").lower()
    if not host:
        return "localhost"
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host if host.isascii() else "localhost"


def render_context(digest: Digest) -> dict[str, Any]:
    """What the templates see: finished phrases only, so both formats say the same thing."""
    lang = norm_lang(digest.lang)
    items = sorted(digest.items, key=urgency)
    sections = []
    for key, pick in (
        ("overdue", lambda i: i.days_left < 0),
        ("today", lambda i: i.days_left == 0),
        ("upcoming", lambda i: i.days_left > 0),
    ):
        chosen = [_item_view(i, lang) for i in items if pick(i)]
        if chosen:
            sections.append({"key": key, "title": text(lang, f"section_{key}"), "items": chosen})
    name = one_line(digest.recipient_name)
    labels = ("matter", "due", "kind", "owner", "trace", "open", "heading", "rule", "ics")
    t = {key: text(lang, key) for key in labels}
    t["hello"] = text(lang, "hello", name=name) if name else text(lang, "hello_anon")
    t["intro"] = text(lang, "intro", len(items))
    t["footer"] = text(
        lang,
        "footer",
        product=digest.product_name,
        moment=format_moment(digest.generated_at, lang),
    )
    return {
        "lang": lang,
        "product": digest.product_name,
        "subject": digest_subject(digest),
        "t": t,
        "sections": sections,
        "count": len(items),
    }


def render_digest(digest: Digest, *, sender: str | None = None) -> EmailMessage:
    """Build the reminder email for one recipient.

    Guarantees: ``multipart/mixed`` holding a ``multipart/alternative`` (text/plain then
    text/html, both UTF-8, in the recipient's language, items most urgent first, overdue ones
    marked) and ``deadlines.ics`` (``text/calendar; method=PUBLISH; charset=utf-8``, one VEVENT
    per item, alarms only for reminder days still ahead). Headers: ``Subject`` and ``To``
    (display name RFC 2047-encoded on output), ``Date`` (``generated_at``), ``Message-ID`` on
    the host of ``base_url``, ``Auto-Submitted: auto-generated`` and
    ``X-Auto-Response-Suppress: All`` (no out-of-office replies). ``From`` is set only when
    ``sender`` is given; otherwise :func:`tracker.mail.sender.send` fills it from its settings.
    User text is escaped in the HTML part; links are emitted only for http(s) URLs.

    Raises ``ValueError`` for an empty digest or a naive ``generated_at``, and
    ``ValidationFailed`` when the recipient address is not valid.
    """
    if not digest.items:
        raise ValueError("a digest needs at least one item")
    if not _aware(digest.generated_at):
        raise ValueError("generated_at must be timezone-aware")
    if not validate_address(digest.recipient_email):
        raise ValidationFailed(
            [("recipient_email", f"invalid recipient address {digest.recipient_email!r}")]
        )
    lang = norm_lang(digest.lang)
    domain = mail_domain(digest.base_url)
    context = render_context(digest)
    env = template_env()
    plain = env.get_template("digest.txt").render(context)
    html = env.get_template("digest.html").render(context)
    ics = digest_calendar(digest, uid_domain=domain)

    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = context["subject"]
    if sender is not None:
        msg["From"] = parse_mailbox(sender)
    msg["To"] = mailbox(digest.recipient_name, digest.recipient_email)
    msg["Date"] = format_datetime(digest.generated_at)
    # No idstring: kept short so the header is not folded (a folded Message-ID parses back with
    # a leading space in some readers).
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(plain, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    msg.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename=ICS_FILENAME,
        params={"method": "PUBLISH", "charset": "utf-8"},
    )
    msg["Content-Language"] = lang  # after the body: set_content() drops Content-* headers
    return msg


def digest_calendar(digest: Digest, *, uid_domain: str) -> bytes:
    """The ``deadlines.ics`` of a digest. Each event keeps only the alarms still ahead of the
    day the digest was made (an overdue item has none), so importing never fires stale ones."""
    lang = norm_lang(digest.lang)
    events = [
        deadline_event(
            item,
            uid_domain=uid_domain,
            alarms=[d for d in DEFAULT_ALARMS if d <= item.days_left],
            lang=lang,
            dtstamp=digest.generated_at,
        )
        for item in sorted(digest.items, key=urgency)
    ]
    return calendar(
        events,
        name=text(lang, "calendar_name", product=digest.product_name),
        product_name=digest.product_name,
    )


def _item_view(item: DigestItem, lang: str) -> dict[str, Any]:
    url = item.url if (item.url or "").lower().startswith(("https://", "http://")) else None
    return {
        "deadline_id": item.deadline_id,
        "reference": item.matter_reference,
        "matter_title": item.matter_title,
        "title": item.title,
        "kind": kind_label(item.kind, lang),
        "day": day_label(item.due_on, lang),
        "due": due_phrase(item.due_on, lang),
        "badge": countdown(item.days_left),
        "status": status_phrase(item.days_left, lang),
        "overdue": item.days_left < 0,
        "today": item.days_left == 0,
        "owner": item.owner_name,
        "trace": list(item.trace),
        "url": url,
    }


def _aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None
