"""Parse Outlook .msg files (OLE2 compound files, [MS-OXMSG]) with extract_msg.

MAPI properties are preferred (they are what Outlook shows and are Unicode in every modern
file); the transport headers saved in the .msg (``PR_TRANSPORT_MESSAGE_HEADERS``, only present
on received mail) fill the gaps and are decoded with the same RFC 2047 code as .eml files.

Korean 8-bit .msg files: older or "ANSI" .msg files store strings in the code page named by
``PR_MESSAGE_CODEPAGE``; extract_msg maps 949 to ``ks_c_5601-1987`` → Python's strict EUC-KR
and then *raises* on CP949-only syllables (measured: ``test_msg.py::test_ansi_korean_msg``).
We open such files with CP949 instead; an 8-bit file with no code page at all is tried as
CP949 and, if that fails, read with extract_msg's default (ISO-8859-15), and reported.

Memory: extract_msg/olefile read the compound file from the bytes in memory; attachments are
copied out as ``bytes``. Peak is about 2-3x the file size.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import HeaderParser
from email.policy import compat32
from typing import BinaryIO, TypeVar

from tracker.errors import ValidationFailed

from . import codepages
from .decoding import clean_text, codec_for, decode_bytes, decode_header_text
from .model import DEFAULT_MAX_MESSAGE_BYTES, ParsedAttachment, ParsedMessage
from .parse import (
    OLE2_MAGIC,
    _message_ids,
    _sniff_html_charset,
    decode_address_list,
    extension_for,
    format_address,
    normalize_message_id,
    parse_date,
    plausible_moment,
    read_input,
    safe_filename,
)
from .sanitize import SanitizeReport, sanitize_html, text_html_to_plain

_T = TypeVar("_T")

# olefile treats shorter byte strings as a *file name*; a real CFB file is never this small.
_MIN_OLE_SIZE = 1536


def _not_msg(detail: str) -> ValidationFailed:
    return ValidationFailed([("file", detail)])


def _open(raw: bytes, **options):
    import extract_msg
    from extract_msg.enums import ErrorBehavior
    from extract_msg.exceptions import (
        ExMsgBaseException,
        UnrecognizedMSGTypeError,
        UnsupportedMSGTypeError,
    )

    kwargs = {"errorBehavior": ErrorBehavior.SUPPRESS_ALL, "delayAttachments": True, **options}
    try:
        return extract_msg.openMsg(raw, strict=True, **kwargs), None
    except (UnrecognizedMSGTypeError, UnsupportedMSGTypeError) as exc:
        try:
            msg = extract_msg.MSGFile(raw, **kwargs)
        except Exception as inner:  # any failure means "not readable"
            raise _not_msg(f"The Outlook file could not be read: {str(inner)[:200]}") from inner
        return msg, f"the Outlook item is not an email ({exc}); only its common fields were read"
    except ExMsgBaseException as exc:
        raise _not_msg(
            "The file is an OLE2 compound file but not an Outlook message (it may be a Word,"
            f" Excel or HWP document, or a damaged .msg): {exc}"
        ) from exc
    except Exception as exc:  # olefile raises OSError, struct.error, ...
        raise _not_msg(
            f"The Outlook .msg file is damaged and could not be opened: {str(exc)[:200]}"
        ) from exc


class _Reader:
    def __init__(self, msg, problems: list[str]) -> None:
        self.msg = msg
        self.problems = problems

    def get(self, what: str, getter: Callable[[], _T], default: _T) -> _T:
        try:
            value = getter()
        except Exception as exc:  # report and continue with what we have
            self.problems.append(f"{what} could not be read: {type(exc).__name__}: {exc}")
            return default
        return default if value is None else value

    def string(self, stream: str, what: str, target=None) -> str | None:
        target = target if target is not None else self.msg
        value = self.get(what, lambda: target.getStringStream(stream), None)
        return value if value is None else str(value)


def _label_stream(path: list[str]) -> str:
    last = path[-1].lower()
    if last.startswith("__substg1.0_1000"):
        return "the text body"
    if last.startswith("__substg1.0_1013"):
        return "the HTML body"
    if last.startswith("__substg1.0_1009"):
        return "the RTF body"
    if last.startswith("__substg1.0_0037"):
        return "the subject"
    if path[0].lower().startswith("__recip"):
        return "a recipient"
    return f"the internal stream {'/'.join(path)}"


def _check_structure(raw: bytes) -> tuple[list[str], set[str]]:
    """Read every stream once with olefile to find truncation/damage, which extract_msg (told
    to tolerate defects so that the rest can be read) would otherwise hide. Returns problems
    and the storage names of attachments whose data is incomplete."""
    import olefile

    problems: list[str] = []
    broken_attachments: set[str] = set()
    try:
        ole = olefile.OleFileIO(raw)
    except Exception:  # extract_msg will fail on it too, with a clearer error
        return problems, broken_attachments
    with ole:
        damaged: list[str] = []
        for path in ole.listdir(streams=True, storages=False):
            before = len(ole.parsing_issues)
            try:
                with ole.openstream(path) as stream:
                    while stream.read(1 << 20):
                        pass
                failed = len(ole.parsing_issues) > before
            except Exception:  # any read failure means the stream is damaged
                failed = True
            if not failed:
                continue
            if path[0].lower().startswith("__attach") and len(path) == 2:
                if path[1].lower().startswith("__substg1.0_3701"):
                    broken_attachments.add(path[0].lower())
                    continue
            damaged.append(_label_stream(path))
        for label in dict.fromkeys(damaged):
            problems.append(f"the .msg file is truncated or damaged: {label} is incomplete")
        if not damaged and not broken_attachments and ole.parsing_issues:
            problems.append(
                "the .msg file structure is damaged: "
                + "; ".join(dict.fromkeys(str(message) for _, message in ole.parsing_issues))
            )
    return problems, broken_attachments


def _prop(msg, tag: str) -> int | None:
    try:
        value = msg.getPropertyVal(tag)
    except Exception:  # absent or unreadable property: as if not there
        return None
    return value if isinstance(value, int) else None


def _string_label(path: list[str]) -> str:
    name = path[-1].lower()
    prop = name[len("__substg1.0_") : len("__substg1.0_") + 4] if "__substg1.0_" in name else ""
    top = path[0].lower()
    if top.startswith("__attach"):
        return "an attachment name" if prop in ("3001", "3707", "3704") else "an attachment"
    if top.startswith("__recip"):
        return "a recipient"
    return {
        "0037": "the subject",
        "0070": "the subject",
        "1000": "the text body",
        "0c1a": "the sender name",
        "0042": "the sender name",
        "0e04": "the To line",
        "0e03": "the Cc line",
        "0e02": "the Bcc line",
        "007d": "the saved transport headers",
    }.get(prop, f"the text property 0x{prop.upper()}")


@dataclass
class _Strings:
    """What the compound file says about its strings, read before extract_msg decodes any."""

    unicode: bool = True
    longs: dict[int, int] = field(default_factory=dict)  # top-level PT_LONG properties by id
    string8: list[tuple[str, bytes]] = field(default_factory=list)  # (label, bytes sans NUL)


def _read_strings(raw: bytes) -> _Strings:
    """The top-level PT_LONG properties and every PT_STRING8 stream of the message itself
    (not of messages embedded in it, which carry their own code page). extract_msg decodes
    some strings as soon as it opens a file, in its own choice of code page, so this is read
    with olefile first."""
    import olefile

    found = _Strings()
    try:
        ole = olefile.OleFileIO(raw)
    except Exception:  # extract_msg will report the file as unreadable
        return found
    with ole:
        paths = ole.listdir(streams=True, storages=False)
        try:
            with ole.openstream("__properties_version1.0") as stream:
                props = stream.read()
        except Exception:  # no property stream: extract_msg decides, as before
            props = b""
        # [MS-OXMSG] 2.4.1.1: a 32-byte header, then 16-byte entries (tag, flags, value).
        for offset in range(32, len(props) - 15, 16):
            tag, _flags, value = struct.unpack_from("<IIi", props, offset)
            if tag & 0xFFFF == 0x0003:
                found.longs[tag >> 16] = value & 0xFFFFFFFF
        support = found.longs.get(0x340D)
        if support is not None:
            found.unicode = bool(support & 0x40000)
        else:  # extract_msg's rule for files without PR_STORE_SUPPORT_MASK
            found.unicode = any(path[-1].upper().endswith("001F") for path in paths)
        if found.unicode:
            return found
        for path in paths:
            if not path[-1].upper().endswith("001E"):
                continue
            if any(part.lower().startswith("__substg1.0_3701") for part in path[:-1]):
                continue
            try:
                with ole.openstream(path) as stream:
                    data = stream.read()
            except Exception:  # noqa: S112 - damage is reported by _check_structure
                continue
            found.string8.append((_string_label(path), data.rstrip(b"\x00")))
    return found


def _open_with_encoding(raw: bytes, problems: list[str]):
    """Open the file so that its 8-bit strings are read in the right code page (see
    codepages.py); every guess, and every field that still cannot be read exactly, goes to
    ``problems``. Returns the extract_msg object and the codec of its 8-bit strings."""
    facts = _read_strings(raw)
    codec = None
    options = {}
    if not facts.unicode:
        strings = facts.string8
        headers = next(
            (data for what, data in strings if what == "the saved transport headers"), None
        )
        found = codepages.candidates(
            message_codepage=facts.longs.get(0x3FFD),
            locale_id=facts.longs.get(0x3FF1),
            headers=headers,
            internet_codepage=facts.longs.get(0x3FDE),
            escapes=any(b"\x1b$" in data or b"\x1b(" in data for _what, data in strings),
        )
        choice = codepages.choose(found, strings)
        problems.extend(choice.problems)
        codec = choice.codec
        # The lenient twin: a string that does not decode costs a character, not the field.
        options["overrideEncoding"] = codepages.lenient(codec)
    msg, note = _open(raw, **options)
    if note:
        problems.append(note)
    return msg, codec


def _transport_headers(reader: _Reader):
    text = reader.string("__substg1.0_007D", "the saved transport headers")
    if not text:
        return None
    text = re.sub(r"^Microsoft Mail Internet Headers Version 2\.0\s*", "", text)
    return HeaderParser(policy=compat32).parsestr(text)


def _header(headers, name: str) -> str | None:
    if headers is None:
        return None
    for key, value in headers.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _aware(value) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if type(value).__name__ == "NullDate" or not plausible_moment(value):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _html_text(data: bytes | str, codecs_in_order: list[str | None], problems: list[str]) -> str:
    """The binary HTML body: its own <meta charset>, else the Internet code page (what Outlook
    writes HTML in), else the message's code page, else the one the strings were read in."""
    if isinstance(data, str):
        return data
    charset = _sniff_html_charset(data)
    if charset and codec_for(charset) is None:
        charset = None
    if not charset:
        charset = next((c for c in codecs_in_order if c), None)
    text, issues = decode_bytes(data, charset, "HTML body")
    problems.extend(issues)
    return text


def _attachment(reader: _Reader, att, number: int, html: str) -> ParsedAttachment:
    from extract_msg.enums import AttachmentType

    problems = reader.problems
    kind = reader.get("attachment type", lambda: att.type, AttachmentType.UNKNOWN)
    original = ""
    is_message = kind in (AttachmentType.MSG, AttachmentType.SIGNED_EMBEDDED)
    names = ("name",) if is_message else ("longFilename", "shortFilename", "displayName", "name")
    for attr in names:
        value = reader.get("attachment name", lambda a=attr: getattr(att, a, None), None)
        if value:
            original = clean_text(str(value), nfc=False)
            break
    media_type = ""
    try:
        media_type = att.getStringStream("__substg1.0_370E") or ""
    except Exception:  # absent on signed attachments
        media_type = getattr(att, "mimetype", "") or ""
    media_type = clean_text(media_type).lower() or "application/octet-stream"
    cid = normalize_message_id(reader.get("attachment content id", lambda: att.cid, None))
    label = f"attachment {original!r}" if original else f"attachment {number}"
    content: bytes | None = None
    if is_message:
        inner = reader.get(f"{label} (embedded message)", lambda: att.data, None)
        if inner is not None and hasattr(inner, "exportBytes"):
            content = reader.get(
                f"{label} (embedded message)", lambda: inner.exportBytes(allowBadEmbed=True), None
            )
        elif isinstance(inner, bytes):
            content = inner
        media_type = "application/vnd.ms-outlook"
        if not original and inner is not None:
            subject = reader.get("embedded message subject", lambda: inner.subject, None)
            original = f"{clean_text(str(subject))}.msg" if subject else ""
    elif kind == AttachmentType.WEB:
        url = reader.get(f"{label} link", lambda: att.url, None)
        problems.append(
            f"{label} is a link to a cloud file ({url or 'no address'}); its content is not"
            " in the .msg"
        )
    elif kind in (AttachmentType.BROKEN, AttachmentType.UNSUPPORTED, AttachmentType.UNKNOWN):
        problems.append(f"{label} could not be read: extract_msg reports it as {kind.name}")
    else:
        data = reader.get(label, lambda: att.data, None)
        if isinstance(data, (bytes, bytearray)):
            content = bytes(data)
        elif data is not None and hasattr(data, "exportBytes"):
            content = reader.get(label, lambda: data.exportBytes(allowBadEmbed=True), None)
            is_message = content is not None
        else:
            problems.append(f"{label} has no data that could be read")
    hidden = bool(reader.get("attachment flags", lambda: att.hidden, False))
    flags = reader.get("attachment flags", lambda: att.getPropertyVal("37140003"), 0) or 0
    referenced = bool(cid) and f"cid:{cid}".lower() in html.lower()
    fallback = f"attachment-{number}{'.msg' if is_message else extension_for(media_type)}"
    return ParsedAttachment(
        filename=safe_filename(original, fallback) if original else fallback,
        original_filename=original,
        media_type=media_type,
        content=content,
        size=len(content) if content is not None else 0,
        content_id=cid,
        inline=hidden or bool(flags & 0x4) or referenced,
        complete=content is not None,
        is_message=is_message,
    )


def parse_msg(
    data: bytes | bytearray | memoryview | BinaryIO,
    *,
    max_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES,
) -> ParsedMessage:
    """Parse an Outlook .msg file. ``ValidationFailed`` (field ``"file"``) when the input is
    empty, not an OLE2 file, or an OLE2 file that is not an Outlook item (Word, Excel, HWP...);
    ``TooLarge`` above ``max_bytes``. Damage inside a readable .msg goes to ``problems``."""
    raw = read_input(data, max_bytes)
    if not raw.startswith(OLE2_MAGIC):
        raise _not_msg(
            "The file is not an Outlook .msg file (it does not start with the OLE2 signature)."
        )
    if len(raw) < _MIN_OLE_SIZE:
        raise _not_msg(
            f"The Outlook .msg file is truncated: {len(raw)} bytes is too short for an OLE2"
            " compound file."
        )
    problems, broken_attachments = _check_structure(raw)
    msg, strings_codec = _open_with_encoding(raw, problems)
    try:
        return _read(msg, problems, broken_attachments, strings_codec)
    finally:
        try:
            msg.close()
        except Exception:  # noqa: S110 - closing an in-memory file cannot matter
            pass


def _read(
    msg, problems: list[str], broken_attachments: set[str], strings_codec: str | None
) -> ParsedMessage:
    from extract_msg.enums import RecipientType

    reader = _Reader(msg, problems)
    headers = reader.get("the saved transport headers", lambda: _transport_headers(reader), None)

    def from_headers(name: str, label: str) -> str:
        value, issues = decode_header_text(_header(headers, name), label)
        problems.extend(issues)
        return value

    subject = reader.string("__substg1.0_0037", "Subject")
    subject = clean_text(subject) if subject is not None else from_headers("Subject", "Subject")

    message_id = normalize_message_id(reader.string("__substg1.0_1035", "Message-ID"))
    message_id = message_id or normalize_message_id(_header(headers, "Message-ID"))
    if message_id is None:
        problems.append("no Message-ID; duplicates can only be found by content hash")

    name = reader.string("__substg1.0_0C1A", "sender name") or ""
    addr = ""
    for stream in ("__substg1.0_5D01", "__substg1.0_0C1F", "__substg1.0_5D02", "__substg1.0_0065"):
        value = reader.string(stream, "sender address") or ""
        if "@" in value:
            addr = value
            break
    sender = format_address(name, addr)
    if not sender:
        found, issues = decode_address_list(_header(headers, "From"), "From header")
        problems.extend(issues)
        sender = found[0] if found else ""
    if not sender:
        problems.append("no sender")

    lists: dict[str, list[str]] = {"To": [], "Cc": [], "Bcc": []}
    kinds = {RecipientType.TO: "To", RecipientType.CC: "Cc", RecipientType.BCC: "Bcc"}
    for recipient in reader.get("recipients", lambda: msg.recipients, []):
        kind = reader.get("recipient type", lambda r=recipient: r.type, None)
        if kind not in kinds:
            continue
        r_name = reader.get("recipient name", lambda r=recipient: r.name, "") or ""
        r_addr = reader.get("recipient address", lambda r=recipient: r.email, "") or ""
        formatted = format_address(str(r_name), str(r_addr))
        if formatted:
            lists[kinds[kind]].append(formatted)
    for key in lists:
        if not lists[key] and _header(headers, key) is not None:
            found, issues = decode_address_list(_header(headers, key), f"{key} header")
            lists[key] = found
            problems.extend(issues)

    date = _aware(reader.get("sent date", lambda: msg.props.date, None))
    date_raw = None
    if date is None:
        date_raw = _header(headers, "Date")
        if date_raw is not None:
            parsed, issues = parse_date(date_raw)
            date = parsed
            problems.extend(issues)
        else:
            date = _aware(reader.get("delivery date", lambda: msg.receivedTime, None))
            if date is None:
                problems.append("no sent date (PR_CLIENT_SUBMIT_TIME) in the .msg")
            else:
                problems.append("no sent date in the .msg; used the delivery time instead")

    html_codecs = [
        codepages.codec_for_codepage(_prop(msg, "3FDE0003")),
        codepages.codec_for_codepage(_prop(msg, "3FFD0003")),
        strings_codec,
    ]
    html_raw = reader.get("HTML body", lambda: msg.getStream("__substg1.0_10130102"), None)
    if html_raw is None and reader.get("RTF body", lambda: msg.rtfBody, None):
        rtf = reader.get("RTF body", lambda: msg.deencapsulatedRtf, None)
        if rtf is not None and getattr(rtf, "content_type", None) == "html":
            html_raw = reader.get("HTML body in RTF", lambda: rtf.html, None)
    html = _html_text(html_raw, html_codecs, problems) if html_raw else ""

    body = reader.get("text body", lambda: msg.body, None)
    text_body = str(body).replace("\r\n", "\n").replace("\r", "\n") if body else ""
    from_html = False
    if not text_body.strip() and html:
        text_body = text_html_to_plain(html)
        from_html = True

    attachments: list[ParsedAttachment] = []
    for number, att in enumerate(reader.get("attachments", lambda: msg.attachments, []), 1):
        attachment = _attachment(reader, att, number, html)
        if str(getattr(att, "dir", "")).lower() in broken_attachments:
            attachment.complete = False
            problems.append(
                f"attachment {attachment.filename!r} is incomplete: the .msg file is truncated"
                " or damaged"
            )
        attachments.append(attachment)

    report = SanitizeReport()
    return ParsedMessage(
        message_id=message_id,
        subject=subject,
        sender=sender,
        to=lists["To"],
        cc=lists["Cc"],
        bcc=lists["Bcc"],
        date=date,
        text_body=text_body,
        html_body_safe=sanitize_html(html, report),
        attachments=attachments,
        problems=list(dict.fromkeys(problems)),
        source_format="msg",
        text_body_from_html=from_html,
        remote_images_blocked=report.remote_images_blocked,
        date_raw=clean_text(date_raw) if date_raw else None,
        in_reply_to=normalize_message_id(
            reader.string("__substg1.0_1042", "In-Reply-To") or _header(headers, "In-Reply-To")
        ),
        references=_message_ids(
            reader.string("__substg1.0_1039", "References") or _header(headers, "References")
        ),
    )
