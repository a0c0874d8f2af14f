"""Delivering a message: over SMTP, or into an outbox directory when no SMTP host is set.

:func:`send` never raises for network or SMTP trouble: the reminder service records the
outcome and retries later, so every failure comes back as a :class:`SendResult` with a sentence
a person can act on. Programming errors (a message without recipients) still raise.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import smtplib
import socket
import ssl
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

from .addresses import parse_mailbox, validate_address
from .model import SmtpSettings

log = logging.getLogger(__name__)

__all__ = ["SendResult", "send", "validate_address", "write_outbox"]


@dataclass(frozen=True)
class SendResult:
    """The outcome of one :func:`send`.

    ``ok`` is True when the message was handed over: accepted by the SMTP server for at least
    one recipient, or written to the outbox. ``refused`` maps each recipient the server turned
    down to its reply (``"550 5.1.1 no such user"``); it can be non-empty while ``ok`` is True
    (some delivered, some not). ``error`` says what went wrong when ``ok`` is False.
    ``accepted`` lists the recipients the server took; ``outbox_path`` is the file written in
    outbox mode.
    """

    ok: bool
    refused: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    accepted: tuple[str, ...] = ()
    outbox_path: Path | None = None


def send(message: EmailMessage, settings: SmtpSettings) -> SendResult:
    """Deliver ``message`` according to ``settings``.

    SMTP: connects with plain SMTP, STARTTLS or implicit TLS (certificates verified with
    ``ssl.create_default_context()``), logs in when ``username`` is set, and sends to every
    ``To``/``Cc``/``Bcc`` address (``Bcc`` is not transmitted). The envelope sender is the
    address in ``settings.sender``; when the message has no ``From``, a copy gets that one (the
    caller's message is not modified). Outbox mode (``host`` is None): writes
    ``<outbox_dir>/<UTC timestamp>-<hash of Message-ID>.eml`` atomically (temporary file, then
    rename), so a reader never sees half a message.

    Never raises for network, TLS, authentication, SMTP or file-system failures: they come back
    as ``SendResult(ok=False, error=...)``. Raises ``ValueError`` when the message has no
    recipient or ``settings.sender`` is not an address.
    """
    envelope_from = parse_mailbox(settings.sender)
    if message["From"] is None:
        message = copy.deepcopy(message)
        message["From"] = envelope_from
    recipients = _recipients(message)
    if not recipients:
        raise ValueError("the message has no To, Cc or Bcc recipient")
    if settings.host is None:
        return write_outbox(message, settings.outbox_dir)
    return _send_smtp(message, settings, envelope_from.addr_spec, recipients)


def write_outbox(message: EmailMessage, outbox_dir: Path | None) -> SendResult:
    """Write ``message`` as an ``.eml`` file (CRLF line ends, as on the wire) into ``outbox_dir``.

    The name is ``<UTC timestamp with microseconds>-<12 hex of sha256(Message-ID)>.eml`` so
    files sort by time and one message always maps to one name. Written to a temporary file in
    the same directory, flushed to disk, then renamed: atomic on POSIX. Errors come back as a
    failed result."""
    if outbox_dir is None:
        return SendResult(ok=False, error="outbox mode needs an outbox directory")
    try:
        data = message.as_bytes()
        key = message["Message-ID"] or hashlib.sha256(data).hexdigest()
        digest = hashlib.sha256(str(key).encode("utf-8")).hexdigest()[:12]
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        outbox_dir = Path(outbox_dir)
        outbox_dir.mkdir(parents=True, exist_ok=True)
        final = outbox_dir / f"{stamp}-{digest}.eml"
        fd, tmp = tempfile.mkstemp(dir=outbox_dir, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        error = f"could not write the message to the outbox {outbox_dir}: {exc}"
        log.warning("mail not written: %s", error)
        return SendResult(ok=False, error=error)
    log.info("mail written to outbox: %s", final)
    return SendResult(ok=True, accepted=tuple(_recipients(message)), outbox_path=final)


def _recipients(message: EmailMessage) -> list[str]:
    fields = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
    seen: dict[str, None] = {}
    for _name, addr in getaddresses(fields):
        if addr and "@" in addr:
            seen.setdefault(addr, None)
    return list(seen)


def _send_smtp(
    message: EmailMessage, settings: SmtpSettings, envelope_from: str, recipients: list[str]
) -> SendResult:
    where = f"{settings.host}:{settings.port}"
    try:
        refused = _deliver(message, settings, envelope_from, recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = {addr: _reply(code, text) for addr, (code, text) in exc.recipients.items()}
        return _failed(f"{where} refused every recipient", refused)
    except smtplib.SMTPSenderRefused as exc:
        return _failed(
            f"{where} refused the sender {exc.sender}: {_reply(exc.smtp_code, exc.smtp_error)}"
        )
    except smtplib.SMTPDataError as exc:
        return _failed(f"{where} rejected the message: {_reply(exc.smtp_code, exc.smtp_error)}")
    except smtplib.SMTPAuthenticationError as exc:
        return _failed(
            f"{where} did not accept the login of {settings.username!r}: "
            f"{_reply(exc.smtp_code, exc.smtp_error)}"
        )
    except smtplib.SMTPNotSupportedError as exc:
        # "STARTTLS extension not supported by server." and the like
        hint = ""
        if "AUTH" in str(exc) and settings.security == "none":
            hint = " (many servers offer login only after STARTTLS: try security 'starttls')"
        return _failed(f"{where} cannot do what the settings ask: {exc}{hint}")
    except smtplib.SMTPServerDisconnected as exc:
        if isinstance(exc.__context__, TimeoutError):  # smtplib wraps a read timeout
            return _failed(_timed_out(where, settings))
        return _failed(f"{where} closed the connection unexpectedly ({exc or 'no reason given'})")
    except smtplib.SMTPResponseException as exc:
        return _failed(f"{where} answered {_reply(exc.smtp_code, exc.smtp_error)}")
    except smtplib.SMTPException as exc:
        return _failed(f"SMTP error with {where}: {exc}")
    except ConnectionRefusedError:
        return _failed(f"connection to {where} refused: is the SMTP server running on that port?")
    except TimeoutError:  # socket.timeout is an alias of TimeoutError
        return _failed(_timed_out(where, settings))
    except ssl.SSLCertVerificationError as exc:
        return _failed(f"TLS certificate of {where} not trusted: {exc.verify_message or exc}")
    except ssl.SSLError as exc:
        hint = ""
        if exc.reason == "WRONG_VERSION_NUMBER" and settings.security == "ssl":
            hint = " (the port does not speak implicit TLS: try security 'starttls' or 'none')"
        return _failed(f"TLS handshake with {where} failed: {exc.reason or exc}{hint}")
    except socket.gaierror as exc:
        return _failed(f"cannot resolve the SMTP host {settings.host!r}: {exc.strerror or exc}")
    except OSError as exc:
        return _failed(f"network error talking to {where}: {exc.strerror or exc}")
    accepted = tuple(a for a in recipients if a not in refused)
    if refused:
        log.warning("mail sent via %s, but refused for %s", where, ", ".join(refused))
    else:
        log.info("mail sent via %s to %d recipient(s)", where, len(accepted))
    return SendResult(ok=True, refused=refused, accepted=accepted)


def _deliver(
    message: EmailMessage, settings: SmtpSettings, envelope_from: str, recipients: list[str]
) -> dict[str, str]:
    context = ssl.create_default_context()
    if settings.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        smtp.ehlo()
        if settings.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username:
            if settings.security == "none":
                log.warning("logging in to %s without TLS", settings.host)
            smtp.login(settings.username, settings.password or "")
        refused = smtp.send_message(message, from_addr=envelope_from, to_addrs=recipients)
    return {addr: _reply(code, text) for addr, (code, text) in refused.items()}


def _timed_out(where: str, settings: SmtpSettings) -> str:
    hint = ""
    if settings.security == "none" and settings.port == 465:
        hint = "; port 465 usually expects implicit TLS: try security 'ssl'"
    return f"no answer from {where} within {settings.timeout:g} s (timed out{hint})"


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}".strip()


def _failed(error: str, refused: dict[str, str] | None = None) -> SendResult:
    log.warning("mail not sent: %s", error)
    return SendResult(ok=False, refused=refused or {}, error=error)
