"""Uploaded file names: kept exactly as received, shown and sent back safely.

The caller stores the original name untouched (it is part of the evidence: what the sender
called the file). It never reaches the filesystem, since the vault stores bytes by hash, so
``../../etc/passwd`` is harmless there. These helpers make it safe everywhere else:

- ``display_name``: NFC (macOS sends Korean names decomposed, NFD), no control or invisible
  direction characters (U+202E can make ``exe.pdf`` look like ``fdp.exe``), no directories,
  at most 255 UTF-8 bytes.
- ``content_disposition``: the RFC 6266 header with an ASCII ``filename`` for old clients and
  the real name in RFC 5987 ``filename*``.
- ``check_name``: the problems a name has, to warn the person who uploaded it.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

MAX_NAME_BYTES = 255
FALLBACK_NAME = "file"
# Longer "extensions" are not kept apart when a name is shortened (they are part of the name).
_MAX_EXTENSION = 16
# Joiners are kept: emoji sequences and several scripts need them to display correctly.
_KEPT_FORMAT = frozenset({"\u200c", "\u200d"})
# RFC 5987 attr-char besides letters and digits (which ``quote`` always keeps).
_ATTR_CHARS = "!#$&+-.^_`|~"
# Not allowed in the quoted ASCII fallback, or read wrongly by lax header parsers.
_FALLBACK_UNSAFE = set('"\\%;/')

EMPTY = "The file name is empty."
PATH = "The file name contains a path separator (/ or \\)."
PARENT = "The file name contains a parent-directory reference (..)."
CONTROL = "The file name contains control characters."
INVISIBLE = "The file name contains invisible formatting or direction characters."
INVALID = "The file name contains characters that are not valid Unicode."
TOO_LONG = f"The file name is longer than {MAX_NAME_BYTES} bytes in UTF-8."


def display_name(original: str) -> str:
    """A name safe to show and to save under: never empty, never a path.

    NFC-normalized; control characters, lone surrogates and invisible formatting characters
    (direction overrides, zero-width spaces) removed, tabs and line breaks become spaces;
    only the last path component kept (old browsers send ``C:\\Users\\…\\a.pdf``); at most
    ``MAX_NAME_BYTES`` UTF-8 bytes, shortened in the middle so the extension survives.
    Korean and every other script are kept.
    """
    cleaned = []
    for char in original or "":
        category = unicodedata.category(char)
        if char in "\t\n\r" or category in ("Zl", "Zp"):
            cleaned.append(" ")
        elif category in ("Cc", "Cs") or (category == "Cf" and char not in _KEPT_FORMAT):
            continue
        else:
            cleaned.append(char)
    text = unicodedata.normalize("NFC", "".join(cleaned))
    parts = [p.strip() for p in text.replace("\\", "/").split("/")]
    parts = [p for p in parts if p not in ("", ".", "..")]
    name = parts[-1] if parts else ""
    return _shorten(name, MAX_NAME_BYTES) or FALLBACK_NAME


def safe_download_name(original: str) -> tuple[str, str]:
    """``(ascii_fallback, utf8_name)`` for a ``Content-Disposition`` header.

    ``utf8_name`` is ``display_name`` without leading dots (no hidden files on download).
    ``ascii_fallback`` is printable ASCII without quotes, backslashes, ``%`` or ``;``:
    accents are dropped (é → e), and a name with no ASCII letters or digits left (a Korean
    name) becomes ``file`` plus its extension.
    """
    utf8_name = display_name(original).lstrip(". ") or FALLBACK_NAME
    decomposed = unicodedata.normalize("NFKD", utf8_name)
    ascii_only = "".join(
        "_" if char in _FALLBACK_UNSAFE else char
        for char in decomposed
        if " " <= char <= "~"  # printable ASCII; combining accents and Hangul jamo drop out
    ).strip()
    stem, dot, ext = ascii_only.rpartition(".")
    if not dot:
        stem, ext = ascii_only, ""
    if not any(char.isalnum() for char in stem):
        ascii_only = FALLBACK_NAME + (f".{ext}" if ext else "")
    return ascii_only, utf8_name


def content_disposition(original: str, inline: bool = False) -> str:
    """The ``Content-Disposition`` header value for serving a stored file.

    Always pure ASCII without line breaks (safe as a header). ``filename*`` (RFC 5987,
    percent-encoded UTF-8) is added when the real name is not plain ASCII; browsers prefer
    it to the ``filename`` fallback.
    """
    ascii_name, utf8_name = safe_download_name(original)
    value = f'{"inline" if inline else "attachment"}; filename="{ascii_name}"'
    if utf8_name != ascii_name:
        value += f"; filename*=UTF-8''{quote(utf8_name, safe=_ATTR_CHARS)}"
    return value


def check_name(original: str) -> list[str]:
    """Problems with the name as received (messages from this module), empty if none.

    A name with problems is still accepted and kept as received: only ``display_name`` and
    ``content_disposition`` output is ever shown or sent.
    """
    original = original or ""
    problems = []
    if not original.strip():
        problems.append(EMPTY)
    if "/" in original or "\\" in original:
        problems.append(PATH)
    if ".." in original.replace("\\", "/").split("/"):
        problems.append(PARENT)
    categories = {unicodedata.category(char) for char in original}
    if "Cc" in categories:
        problems.append(CONTROL)
    if any(unicodedata.category(c) == "Cf" and c not in _KEPT_FORMAT for c in original):
        problems.append(INVISIBLE)
    if "Cs" in categories:
        problems.append(INVALID)
    if len(original.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        problems.append(TOO_LONG)
    return problems


def _shorten(name: str, limit: int) -> str:
    """``name`` cut to ``limit`` UTF-8 bytes as ``stem…ext``, at a character boundary."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > _MAX_EXTENSION:
        stem, ext = name, ""
    tail = ("…" + dot + ext) if ext else "…"
    budget = limit - len(tail.encode("utf-8"))
    encoded = stem.encode("utf-8")[:budget]
    stem = encoded.decode("utf-8", "ignore")  # drops a character cut in half
    # A combining mark left without its base would attach to the ellipsis.
    while stem and unicodedata.combining(stem[-1]):
        stem = stem[:-1]
    return stem.rstrip() + tail
