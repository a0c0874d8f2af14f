"""Parse .eml (RFC 5322 / MIME) files into ``ParsedMessage``; pick .eml or .msg by content.

How it reads a message
----------------------
* Structure: ``email.parser.BytesParser`` with ``policy.compat32``. The MIME tree is the same
  under every policy; compat32 is used because it hands back header values *raw* and never
  decodes them behind our back. All header, parameter and body decoding is done in
  ``decoding.py`` (see its docstring for the measured reasons: ``policy.default`` turns CP949
  syllables behind ``ks_c_5601-1987``/``EUC-KR`` into U+FFFD without saying so).
* Bodies: inline ``text/plain`` parts (without a file name) form ``text_body``, inline
  ``text/html`` parts form ``html_body_safe`` (sanitized); everything else is an attachment:
  parts with a file name or ``Content-Disposition: attachment``, non-text parts, the non-root
  parts of ``multipart/related`` (inline, usually with a Content-ID), forwarded messages
  (``message/*`` → the forwarded message's bytes, re-serialized by the stdlib generator, which is
  byte-identical for well-formed input) and ``winmail.dat`` (kept as an ordinary attachment).
* Damage: a multipart without its closing boundary, base64 that stops mid-quantum, bad
  characters, unknown transfer encodings and charsets, missing/unparseable headers are reported
  in ``problems``; whatever could be read is kept. Only empty input or input without a single
  email header raises ``ValidationFailed``.

Memory
------
The whole message is held in memory: the input bytes, the parser's text copy (1-2x), and the
decoded attachments (~0.75x of their encoded size), so the peak is about 3-5x the file size.
``max_bytes`` (default ``DEFAULT_MAX_MESSAGE_BYTES``, 160 MiB) refuses larger input with
``TooLarge`` before parsing; pass the upload limit or ``None``. The parse tree is dropped when
the function returns; only the ``ParsedMessage`` (decoded attachments included) remains.
"""

from __future__ import annotations

import io
import quopri
import re
import unicodedata
from datetime import UTC, datetime
from email import errors as email_errors
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import BinaryIO

from tracker.errors import TooLarge, ValidationFailed

from .decoding import (
    b64decode_lenient,
    clean_text,
    decode_bytes,
    decode_header_text,
    parse_param_header,
    raw_header_charset,
    to_bytes,
    unfold,
)
from .model import DEFAULT_MAX_MESSAGE_BYTES, ParsedAttachment, ParsedMessage
from .sanitize import SanitizeReport, sanitize_html, text_html_to_plain

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# A file is taken for an email only if at least one of these headers is present.
_EMAIL_HEADERS = {
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "sender",
    "reply-to",
    "delivered-to",
    "in-reply-to",
    "references",
    "x-mailer",
    "content-type",
    "dkim-signature",
    "authentication-results",
    "thread-topic",
}

_EXTENSIONS = {
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/ms-tnef": ".dat",
    "application/vnd.ms-tnef": ".dat",
    "application/vnd.ms-outlook": ".msg",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
    "application/x-hwp": ".hwp",
    "application/haansofthwp": ".hwp",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/csv": ".csv",
    "text/calendar": ".ics",
}

_MAX_FILENAME_BYTES = 255


# --- input ---------------------------------------------------------------------------------


def read_input(data: bytes | bytearray | memoryview | BinaryIO, max_bytes: int | None) -> bytes:
    """The file's bytes; ``TooLarge`` above ``max_bytes``, ``ValidationFailed`` when empty."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    elif hasattr(data, "read"):
        raw = data.read(-1 if max_bytes is None else max_bytes + 1)
        if not isinstance(raw, (bytes, bytearray)):
            raise TypeError("the stream must be opened in binary mode")
        raw = bytes(raw)
    else:
        raise TypeError(f"expected bytes or a binary stream, not {type(data).__name__}")
    if max_bytes is not None and len(raw) > max_bytes:
        raise TooLarge(f"The email file is larger than {max_bytes // (1024 * 1024)} MiB.")
    if not raw.strip():
        raise ValidationFailed([("file", "The email file is empty.")])
    return raw


# --- small helpers -------------------------------------------------------------------------


def _raw_header(part: Message, name: str) -> str | None:
    name = name.lower()
    for key, value in part.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def normalize_message_id(value: str | None) -> str | None:
    """``" <abc@host> "`` → ``"abc@host"``; ``None`` for empty values."""
    if value is None:
        return None
    value = unfold(value).strip()
    match = re.search(r"<([^<>]*)>", value)
    if match:
        value = match[1]
    value = re.sub(r"\s+", "", value)
    return value or None


def _message_ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = re.findall(r"<([^<>]+)>", unfold(value))
    return [re.sub(r"\s+", "", item) for item in found if item.strip()]


def format_address(name: str, addr: str) -> str:
    name = clean_text(name)
    addr = clean_text(addr)
    if name and addr and name != addr:
        return f"{name} <{addr}>"
    return addr or name


def decode_address_list(raw: str | None, what: str) -> tuple[list[str], list[str]]:
    """Addresses of one header, each ``"이름 <addr>"`` with the name decoded."""
    if raw is None:
        return [], []
    problems: list[str] = []
    unfolded = unfold(raw)
    pairs = [(n, a) for n, a in getaddresses([unfolded]) if n or a]
    if not pairs and unfolded.strip() and not re.fullmatch(r"[^:]*:\s*;?\s*", unfolded):
        decoded, issues = decode_header_text(unfolded, what)
        problems.extend(issues)
        problems.append(f"{what} could not be parsed as a list of addresses; kept as written")
        return [decoded], problems
    out: list[str] = []
    for name, addr in pairs:
        decoded_name, issues = decode_header_text(name, what)
        decoded_addr, more = decode_header_text(addr, what)
        problems.extend(issues + more)
        out.append(format_address(decoded_name, decoded_addr))
    return out, problems


def parse_date(raw: str | None) -> tuple[datetime | None, list[str]]:
    """``(aware datetime | None, problems)`` from a Date header value."""
    if raw is None:
        return None, ["no Date header"]
    value, _ = decode_header_text(raw, "Date header")
    if not value:
        return None, ["the Date header is empty"]
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, [f"the Date header {value!r} could not be parsed"]
    if parsed is None:  # pragma: no cover - older Pythons returned None
        return None, [f"the Date header {value!r} could not be parsed"]
    if not plausible_moment(parsed):
        return None, [f"the Date header {value!r} is outside the years 1900–2999; ignored"]
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC), [
            f"the Date header {value!r} has no time zone (-0000); assumed UTC"
        ]
    return parsed, []


def plausible_moment(moment: datetime) -> bool:
    """Within the years the app keeps dates for (1900–2999, as every date field): a message
    may claim year 1 or 9999, which no time-zone arithmetic survives."""
    return 1900 <= moment.year <= 2999


def safe_filename(name: str, fallback: str) -> str:
    """NFC, last path component only, no control characters, at most 255 UTF-8 bytes."""
    name = unicodedata.normalize("NFC", name)
    name = re.sub(r"[\x00-\x1f\x7f]", "", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name in {"", ".", ".."}:
        return fallback
    if len(name.encode("utf-8")) > _MAX_FILENAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext) > 16:
            stem, ext = name, ""
        suffix = f".{ext}" if ext else ""
        budget = _MAX_FILENAME_BYTES - len(suffix.encode("utf-8"))
        stem = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
        name = stem + suffix
    return name


def extension_for(media_type: str) -> str:
    return _EXTENSIONS.get(media_type, ".bin")


def _sniff_html_charset(data: bytes) -> str | None:
    head = data[:4096]
    match = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", head, re.I)
    return match[1].decode("ascii") if match else None


def _raw_payload(part: Message) -> bytes:
    """The part's body bytes exactly as in the file (before transfer decoding).

    ``Message.get_payload()`` would replace undeclared 8-bit bytes with U+FFFD (it decodes them
    with the declared charset, ASCII by default), so read the stored payload, which the parser
    keeps as ASCII + surrogate escapes, like ``email.generator`` does.
    """
    payload = getattr(part, "_payload", None)
    if not isinstance(payload, str):
        payload = part.get_payload()
    return to_bytes(payload) if isinstance(payload, str) else b""


def _detect_linesep(raw: bytes) -> str:
    first = raw.find(b"\n")
    return "\r\n" if first > 0 and raw[first - 1 : first] == b"\r" else "\n"


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- walking the MIME tree -----------------------------------------------------------------

_DEFECT_TEXT = {
    email_errors.StartBoundaryNotFoundDefect: "its boundary never appears, so it has no parts",
    email_errors.NoBoundaryInMultipartDefect: "it has no boundary parameter, so it has no parts",
    email_errors.FirstHeaderLineIsContinuationDefect: "its first header line is a continuation",
    email_errors.MisplacedEnvelopeHeaderDefect: "it has a misplaced 'From ' envelope line",
    email_errors.MissingHeaderBodySeparatorDefect: (
        "a line in its header block is not a header; the header block was ended there"
    ),
}
_IGNORED_DEFECTS = (
    email_errors.CloseBoundaryNotFoundDefect,  # reported with context by the walker
    email_errors.MultipartInvariantViolationDefect,  # follows Start/NoBoundary defects
)


class _Walker:
    def __init__(self, linesep: str) -> None:
        self.linesep = linesep
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.problems: list[str] = []

    # where in the message a part is, for problems
    @staticmethod
    def _where(path: str) -> str:
        return f" (part {path})" if path else ""

    def walk(self, part: Message, path: str = "", *, resource: bool = False, cut: bool = False):
        ctype = part.get_content_type()
        for defect in part.defects:
            if isinstance(defect, _IGNORED_DEFECTS):
                continue
            text = _DEFECT_TEXT.get(type(defect), f"malformed MIME ({type(defect).__name__})")
            label = "the message" if not path else f"{ctype} part {path}"
            self.problems.append(f"{label}: {text}")
        if part.get_content_maintype() == "message":
            self._message_part(part, path, cut=cut)
        elif part.is_multipart():
            self._multipart(part, path, cut=cut)
        else:
            self._leaf(part, path, resource=resource, cut=cut)

    def _multipart(self, part: Message, path: str, *, cut: bool) -> None:
        ctype = part.get_content_type()
        children = part.get_payload()
        assert isinstance(children, list)
        unclosed = any(
            isinstance(d, email_errors.CloseBoundaryNotFoundDefect) for d in part.defects
        )
        if unclosed:
            self.problems.append(
                f"{ctype} section{self._where(path)} ends before its closing boundary:"
                " the message is truncated or malformed"
            )
        root = 0
        if ctype == "multipart/related":
            _, params, _ = parse_param_header(_raw_header(part, "Content-Type"), "Content-Type")
            start = normalize_message_id(params.get("start"))
            for index, child in enumerate(children):
                if start and normalize_message_id(_raw_header(child, "Content-ID")) == start:
                    root = index
        for index, child in enumerate(children):
            self.walk(
                child,
                f"{path}.{index + 1}" if path else str(index + 1),
                resource=ctype == "multipart/related" and index != root,
                cut=(unclosed or cut) and index == len(children) - 1,
            )

    def _payload(self, part: Message, label: str) -> tuple[bytes, list[str]]:
        """Decoded bytes of a leaf part and what was wrong with its transfer encoding."""
        data = _raw_payload(part)
        cte = clean_text(unfold(_raw_header(part, "Content-Transfer-Encoding") or "")).lower()
        if cte == "base64":
            decoded, issues = b64decode_lenient(data)
            return decoded, [f"{label} base64 {issue}" for issue in issues]
        if cte == "quoted-printable":
            return quopri.decodestring(data), []
        if cte in {"x-uuencode", "uuencode", "x-uue", "uue"}:
            decoded = part.get_payload(decode=True)
            if isinstance(decoded, bytes) and decoded:
                return decoded, []
            return data, [f"{label}: uuencoded data could not be decoded; kept as is"]
        if cte in {"", "7bit", "8bit", "binary"}:
            return data, []
        return data, [f"{label} has an unknown Content-Transfer-Encoding {cte!r}; kept undecoded"]

    def _names(self, part: Message, path: str) -> tuple[str, str, dict[str, str], list[str]]:
        """(media_type, disposition, {"filename", "name", "charset"...}, problems)."""
        where = self._where(path)
        _, ct_params, p1 = parse_param_header(
            _raw_header(part, "Content-Type"), f"Content-Type header{where}"
        )
        disposition, d_params, p2 = parse_param_header(
            _raw_header(part, "Content-Disposition"), f"Content-Disposition header{where}"
        )
        names = dict(ct_params)
        filename = d_params.get("filename") or ct_params.get("name")
        if filename:
            names["filename"] = filename
        else:
            names.pop("filename", None)
        return part.get_content_type(), disposition, names, p1 + p2

    def _add_attachment(
        self,
        *,
        original: str,
        media_type: str,
        content: bytes | None,
        content_id: str | None,
        inline: bool,
        complete: bool,
        is_message: bool = False,
        fallback: str | None = None,
    ) -> ParsedAttachment:
        number = len(self.attachments) + 1
        default = fallback or f"attachment-{number}{extension_for(media_type)}"
        attachment = ParsedAttachment(
            filename=safe_filename(original, default) if original else default,
            original_filename=original,
            media_type=media_type,
            content=content,
            size=len(content) if content is not None else 0,
            content_id=content_id,
            inline=inline,
            complete=complete,
            is_message=is_message,
        )
        self.attachments.append(attachment)
        return attachment

    def _message_part(self, part: Message, path: str, *, cut: bool) -> None:
        media_type, disposition, names, problems = self._names(part, path)
        self.problems.extend(problems)
        inner = part.get_payload()
        if isinstance(inner, list):
            buffer = io.BytesIO()
            generator_policy = compat32.clone(linesep=self.linesep, max_line_length=None)
            for index, item in enumerate(inner):
                if index:
                    buffer.write(self.linesep.encode())
                BytesGenerator(buffer, mangle_from_=False, policy=generator_policy).flatten(item)
            content = buffer.getvalue()
            subject_source = inner[0] if inner and media_type != "message/delivery-status" else None
        else:
            content = _raw_payload(part)
            subject_source = None
        original = names.get("filename", "")
        label = f"attachment {original!r}" if original else f"forwarded message{self._where(path)}"
        cte = clean_text(unfold(_raw_header(part, "Content-Transfer-Encoding") or "")).lower()
        if cte == "base64":  # not allowed for message/*, but Outlook does it
            content, issues = b64decode_lenient(content)
            self.problems.extend(f"{label} base64 {issue}" for issue in issues)
        elif cte == "quoted-printable":
            content = quopri.decodestring(content)
        fallback = None
        if not original and subject_source is not None:
            subject, _ = decode_header_text(_raw_header(subject_source, "Subject"), "Subject")
            if subject:
                fallback = safe_filename(subject.replace("/", "_") + ".eml", "")
                fallback = fallback or None
        if cut:
            self.problems.append(
                f"{label} may be incomplete: the message ends inside it, before the closing"
                " boundary"
            )
        self._add_attachment(
            original=original,
            media_type=media_type,
            content=content,
            content_id=normalize_message_id(_raw_header(part, "Content-ID")),
            inline=disposition == "inline",
            complete=not cut,
            is_message=media_type in {"message/rfc822", "message/global"},
            fallback=fallback,
        )

    def _leaf(self, part: Message, path: str, *, resource: bool, cut: bool) -> None:
        media_type, disposition, names, problems = self._names(part, path)
        self.problems.extend(problems)
        filename = names.get("filename", "")
        is_body = (
            media_type in {"text/plain", "text/html"}
            and not filename
            and disposition != "attachment"
            and not resource
        )
        if is_body:
            kind = "text body" if media_type == "text/plain" else "HTML body"
            label = f"{kind}{self._where(path)}"
            data, issues = self._payload(part, label)
            self.problems.extend(issues)
            charset = names.get("charset")
            if not charset and media_type == "text/html":
                charset = _sniff_html_charset(data)
            text, issues = decode_bytes(data, charset, label)
            self.problems.extend(issues)
            if cut:
                self.problems.append(
                    f"{label} may be incomplete: the message ends inside it, before the closing"
                    " boundary"
                )
            (self.texts if media_type == "text/plain" else self.htmls).append(
                _normalize_newlines(text)
            )
            return
        label = f"attachment {filename!r}" if filename else f"attachment{self._where(path)}"
        data, issues = self._payload(part, label)
        self.problems.extend(issues)
        truncated = any("truncated" in issue for issue in issues)
        if cut and not truncated:
            self.problems.append(
                f"{label} may be incomplete: the message ends inside it, before the closing"
                " boundary"
            )
        content_id = normalize_message_id(_raw_header(part, "Content-ID"))
        declared = _raw_header(part, "Content-Type") is not None
        self._add_attachment(
            original=filename,
            media_type=media_type if declared else "application/octet-stream",
            content=data,
            content_id=content_id,
            inline=disposition == "inline" or (resource and disposition != "attachment"),
            complete=not (cut or truncated),
        )


# --- public ----------------------------------------------------------------------------------


def _looks_like_email(message: Message) -> bool:
    return any(key.lower() in _EMAIL_HEADERS for key in message.keys())


def parse_eml(
    data: bytes | bytearray | memoryview | BinaryIO,
    *,
    max_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES,
) -> ParsedMessage:
    """Parse an RFC 5322/MIME message (.eml). See the module docstring.

    Raises ``ValidationFailed`` (field ``"file"``) for empty input, an Outlook .msg, or input
    with no email header at all; ``TooLarge`` above ``max_bytes``. Never raises for a damaged
    message: what could not be read is listed in ``problems``.
    """
    raw = read_input(data, max_bytes)
    if raw.startswith(OLE2_MAGIC):
        raise ValidationFailed(
            [("file", "This is an Outlook .msg file, not an .eml message; read it as .msg.")]
        )
    text = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    text = text.lstrip(b"\r\n")
    message = BytesParser(policy=compat32).parsebytes(text)
    if not _looks_like_email(message):
        raise ValidationFailed(
            [
                (
                    "file",
                    "The file is not an email message: it has no email headers"
                    " (From, To, Subject, Date, ...).",
                )
            ]
        )
    problems: list[str] = []
    with raw_header_charset(_body_charset(message)):
        return _parsed(message, text, problems)


def _body_charset(message: Message) -> str | None:
    """The charset the message's first text part declares (the hint for raw 8-bit headers)."""
    for part in message.walk():
        if part.get_content_maintype() == "text" and (charset := part.get_content_charset()):
            return charset
    return None


def _parsed(message: Message, text: bytes, problems: list[str]) -> ParsedMessage:
    def header(name: str, label: str) -> str:
        value, issues = decode_header_text(_raw_header(message, name), label)
        problems.extend(issues)
        return value

    subject = header("Subject", "Subject header")
    from_raw = _raw_header(message, "From")
    if from_raw is None:
        from_raw = _raw_header(message, "Sender")
        problems.append(
            "no From header; used the Sender header" if from_raw is not None else "no From header"
        )
    senders, issues = decode_address_list(from_raw, "From header")
    problems.extend(issues)
    recipients: dict[str, list[str]] = {}
    for name in ("To", "Cc", "Bcc"):
        values: list[str] = []
        for key, value in message.raw_items():
            if key.lower() == name.lower():
                found, issues = decode_address_list(str(value), f"{name} header")
                values.extend(found)
                problems.extend(issues)
        recipients[name] = values
    date_raw = _raw_header(message, "Date")
    date, issues = parse_date(date_raw)
    problems.extend(issues)
    message_id = normalize_message_id(_raw_header(message, "Message-ID"))
    if message_id is None:
        problems.append("no Message-ID header; duplicates can only be found by content hash")

    walker = _Walker(_detect_linesep(text))
    walker.walk(message)
    problems.extend(walker.problems)

    report = SanitizeReport()
    html = "\n".join(h for h in walker.htmls if h.strip())
    html_safe = "\n".join(s for s in (sanitize_html(h, report) for h in walker.htmls) if s)
    text_body = "\n".join(t for t in walker.texts if t.strip())
    from_html = False
    if not text_body.strip() and html:
        text_body = text_html_to_plain(html)
        from_html = True
    return ParsedMessage(
        message_id=message_id,
        subject=subject,
        sender=", ".join(senders),
        to=recipients["To"],
        cc=recipients["Cc"],
        bcc=recipients["Bcc"],
        date=date,
        text_body=text_body,
        html_body_safe=html_safe,
        attachments=walker.attachments,
        problems=_dedupe(problems),
        source_format="eml",
        text_body_from_html=from_html,
        remote_images_blocked=report.remote_images_blocked,
        date_raw=decode_header_text(date_raw, "Date header")[0] if date_raw is not None else None,
        in_reply_to=normalize_message_id(_raw_header(message, "In-Reply-To")),
        references=_message_ids(_raw_header(message, "References")),
    )


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def parse_email_file(
    data: bytes | bytearray | memoryview | BinaryIO,
    filename: str | None = None,
    *,
    max_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES,
) -> ParsedMessage:
    """Parse an uploaded email: OLE2 content (D0 CF 11 E0) → .msg, anything else → .eml.

    The content decides; the extension only matters for the report: a MIME message named
    ``.msg`` (some tools save them so) is read as .eml with a note in ``problems``.
    """
    raw = read_input(data, max_bytes)
    if raw.startswith(OLE2_MAGIC):
        from .msg import parse_msg

        return parse_msg(raw, max_bytes=None)
    ext = unicodedata.normalize("NFC", filename or "").rsplit(".", 1)[-1].lower()
    parsed = parse_eml(raw, max_bytes=None)
    if filename and "." in filename and ext == "msg":
        parsed.problems.insert(
            0, "the file is named .msg but is a MIME (.eml) message; it was read as .eml"
        )
    return parsed
