"""Korean phone numbers as they appear in delivered merchant and user data.

Accepted shapes (hyphens optional, spaces act as hyphens):

* Seoul ``02-XXX(X)-XXXX``
* other areas ``0NN-XXX(X)-XXXX`` with a real area code (031-033, 041-044, 051-055,
  061-064), internet phones ``070``, toll-free ``080`` and the pre-010 mobile prefixes
  011/016/017/018/019, which still turn up in old records
* mobile ``010-XXXX-XXXX``
* nationwide representative numbers ``15XX-XXXX``, ``16XX-XXXX``, ``18XX-XXXX``
* the same numbers written internationally, ``+82 10-1234-5678`` or ``+82-2-123-4567``

Only the shape is checked; nobody can tell from the digits whether a number is in service.
"""

from __future__ import annotations

import re
import unicodedata

_AREA_CODES = (
    "031|032|033|041|042|043|044|051|052|053|054|055|061|062|063|064|070|080|011|016|017|018|019"
)
_PHONE_RE = re.compile(
    r"^(?:"
    r"02-?\d{3,4}-?\d{4}"
    rf"|(?:{_AREA_CODES})-?\d{{3,4}}-?\d{{4}}"
    r"|010-?\d{4}-?\d{4}"
    r"|1[568]\d{2}-?\d{4}"
    r")$"
)
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")


def _canonical(text: str) -> str:
    cleaned = _DASHES.sub("-", unicodedata.normalize("NFKC", text)).strip()
    # A space is a separator, but "02 - 123" must not become "02---123".
    cleaned = re.sub(r"\s*-\s*", "-", cleaned)
    cleaned = re.sub(r"\s+", "-", cleaned)
    if cleaned.startswith("+82"):
        rest = cleaned[3:].lstrip("-")
        # Dialled from abroad the trunk 0 is dropped; a number that keeps it is malformed.
        cleaned = "" if rest.startswith("0") else "0" + rest
    return cleaned


def is_valid_kr_phone(text: str | None) -> bool:
    """True when the text has the shape of a Korean landline, mobile or 1588-style number."""
    if not isinstance(text, str):
        return False
    return bool(_PHONE_RE.match(_canonical(text)))
