"""Email evidence import: parse .eml and Outlook .msg files. Pure: no Flask, no database.

Public API::

    parse_email_file(data, filename) -> ParsedMessage   # OLE2 content → .msg, else .eml
    parse_eml(data) -> ParsedMessage
    parse_msg(data) -> ParsedMessage
    text_html_to_plain(html) -> str
    sanitize_html(html) -> str
    message_fingerprint(parsed, raw_bytes) -> (message_id | None, sha256 hex)

``data`` is ``bytes`` or a binary stream; each parser takes ``max_bytes=`` (default
``DEFAULT_MAX_MESSAGE_BYTES``; ``None`` for no limit). Errors: ``tracker.errors.ValidationFailed``
(field ``"file"``) when the input is empty or not an email at all, ``TooLarge`` above
``max_bytes``. A damaged message never raises: see ``ParsedMessage.problems``.
"""

from __future__ import annotations

from .model import DEFAULT_MAX_MESSAGE_BYTES, ParsedAttachment, ParsedMessage, message_fingerprint
from .msg import parse_msg
from .parse import parse_email_file, parse_eml
from .sanitize import sanitize_html, text_html_to_plain

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "ParsedAttachment",
    "ParsedMessage",
    "message_fingerprint",
    "parse_email_file",
    "parse_eml",
    "parse_msg",
    "sanitize_html",
    "text_html_to_plain",
]
