"""Result types of the email parser, and the duplicate-detection fingerprint."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

# Default ceiling for one message. Exchange Online's largest allowed message is 150 MB; the
# parser holds roughly 3-5x the message size while it works (see parse.py), so this bounds the
# worst case to well under a gigabyte. Callers may pass their own ``max_bytes`` (or ``None``).
DEFAULT_MAX_MESSAGE_BYTES = 160 * 1024 * 1024


@dataclass
class ParsedAttachment:
    """One attachment (or inline resource) of a message.

    ``content`` holds the decoded bytes in memory (``None`` only when the part could not be read
    at all, e.g. an unsupported .msg attachment type; ``problems`` then says why). ``size`` is
    ``len(content)`` (0 when ``content`` is ``None``). ``complete`` is ``False`` when the bytes
    are known or suspected to be cut short (truncated base64, message ended inside the part).
    """

    filename: str  # decoded, directory parts removed, NFC; "attachment-<n><ext>" if missing
    original_filename: str  # as decoded from the message, before normalization ("" if missing)
    media_type: str  # as declared (lower-case type/subtype); "application/octet-stream" if none
    content: bytes | None = field(repr=False)
    size: int
    content_id: str | None  # without <>
    inline: bool  # shown in the body by the sender's client (Content-Disposition: inline,
    # a multipart/related resource, or an Outlook hidden/MHTML-referenced attachment)
    complete: bool = True
    is_message: bool = False  # a forwarded message (message/rfc822 → .eml, embedded .msg)

    def open(self) -> BinaryIO:
        """A fresh binary stream over the content (empty if the content could not be read)."""
        return io.BytesIO(self.content or b"")


@dataclass
class ParsedMessage:
    """What could be read from one .eml or .msg file.

    Header values are decoded to text, control characters removed, NFC-normalized. Addresses
    are ``"이름 <addr>"`` (or just ``addr`` when there is no name). ``problems`` lists, in
    English, everything that could not be read or had to be guessed.
    """

    message_id: str | None  # without <> and whitespace
    subject: str
    sender: str  # the From header (several addresses joined with ", "); Sender if no From
    to: list[str]
    cc: list[str]
    bcc: list[str]
    date: datetime | None  # timezone-aware
    text_body: str  # line endings normalized to "\n"
    html_body_safe: str  # sanitized fragment, see sanitize.py; "" when there is no HTML
    attachments: list[ParsedAttachment]
    problems: list[str]
    source_format: str  # "eml" | "msg"
    # Extra fields:
    text_body_from_html: bool = False  # text_body was derived from the HTML body
    remote_images_blocked: int = 0  # <img> sources dropped from html_body_safe (all but cid:
    # and data:image/*: remote, protocol-relative and relative ones)
    date_raw: str | None = None  # the Date header as written (or None), for the record
    in_reply_to: str | None = None  # normalized like message_id
    references: list[str] = field(default_factory=list)  # normalized message ids


def message_fingerprint(
    parsed: ParsedMessage, raw_bytes: bytes | bytearray | memoryview | BinaryIO
) -> tuple[str | None, str]:
    """``(message_id or None, sha256 hex of the raw file)`` for duplicate detection.

    The same message exported twice (e.g. .eml from webmail and .msg from Outlook) shares the
    Message-ID but not the hash; a byte-identical re-upload shares both. ``raw_bytes`` may be a
    binary stream, read in 1 MiB chunks from its current position.
    """
    digest = hashlib.sha256()
    if isinstance(raw_bytes, (bytes, bytearray, memoryview)):
        digest.update(raw_bytes)
    else:
        while chunk := raw_bytes.read(1024 * 1024):
            digest.update(chunk)
    return parsed.message_id or None, digest.hexdigest()
