"""Amounts in Korean won as they come out of Korean spreadsheets and letters.

``parse_amount`` accepts ``1,234,500``, ``1,234,500원``, ``₩1,234,500``, ``￦1,234,500``,
``KRW 1,234,500`` and padding with any kind of space. Negative amounts may be written
``-1,234``, ``₩-1,234``, ``(1,234)`` (the accounting convention of financial statements) or
``△1,234``/``▲1,234`` (the convention of Korean public-sector budgets and settlement sheets).
Excel's Korean accounting format shows zero as ``₩ -``; that reads as 0. A bare ``-`` does not,
because it is just as often a placeholder for "unknown".

Won has no minor unit in practice, so ``.0``/``.00`` are tolerated and any other fraction is
refused rather than rounded.
"""

from __future__ import annotations

import re
import unicodedata

# Amounts end up in BIGINT columns.
MAX_AMOUNT = 2**63 - 1

_NEGATIVE_MARKS = "-△▲"
_AMOUNT_RE = re.compile(
    r"^(?P<sign1>[-+△▲])?\s*(?P<cur>₩|krw)?\s*(?P<sign2>[-+△▲])?\s*"
    r"(?P<num>[0-9][0-9,.]*)\s*(?P<suffix>원|krw)?$",
    re.IGNORECASE,
)
_ZERO_DASH_RE = re.compile(r"^(?:₩|krw)\s*-$", re.IGNORECASE)
_GROUPED_RE = re.compile(r"^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)$")


class AmountError(ValueError):
    """Text that is not an amount in whole won; the message says why."""


def _fail(text: str, reason: str) -> AmountError:
    return AmountError(f"{text!r} is not an amount in won: {reason}.")


def _clean(text: str) -> str:
    # NFKC turns ￦ into ₩, full-width digits and commas into ASCII, and NBSP/U+3000 into spaces.
    cleaned = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    return " ".join(cleaned.split())


def _digits(text: str, number: str) -> int:
    whole, dot, fraction = number.partition(".")
    if "." in fraction or re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+", number):
        raise _fail(text, "dots cannot separate thousands; write 1,234,500")
    if dot and fraction not in ("0", "00"):
        raise _fail(text, "amounts are whole won, without a fraction")
    if not _GROUPED_RE.match(whole):
        raise _fail(text, "commas must separate groups of three digits, as in 1,234,500")
    return int(whole.replace(",", ""))


def parse_amount(text: str) -> int:
    """Read an amount in whole won; raise AmountError with the reason when it cannot."""
    if not isinstance(text, str):
        raise AmountError(f"Expected an amount as text, got {type(text).__name__}.")
    cleaned = _clean(text)
    if not cleaned:
        raise AmountError("The amount is empty.")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative = True
        cleaned = cleaned[1:-1].strip()
    if _ZERO_DASH_RE.match(cleaned) and not negative:
        return 0
    match = _AMOUNT_RE.match(cleaned)
    if not match:
        raise _fail(text, "write digits with optional commas, e.g. 1,234,500 or ₩1,234,500")
    sign1, sign2 = match.group("sign1"), match.group("sign2")
    if sign1 and sign2:
        raise _fail(text, "it has two signs")
    currency = (match.group("cur") or "").lower(), (match.group("suffix") or "").lower()
    if currency == ("krw", "krw"):
        raise _fail(text, "KRW is written twice")
    sign = sign1 or sign2
    if negative and sign:
        raise _fail(text, "it has both parentheses and a sign")
    value = _digits(text, match.group("num"))
    if value > MAX_AMOUNT:
        raise _fail(text, "it is too large")
    if negative or (sign is not None and sign in _NEGATIVE_MARKS):
        return -value
    return value


def format_krw(n: int, lang: str = "ko") -> str:
    """``1,234,500원`` in Korean, ``KRW 1,234,500`` in English."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise AmountError(f"Expected a whole number of won, got {n!r}.")
    if lang == "ko":
        return f"{n:,}원"
    if lang == "en":
        return f"KRW {n:,}"
    raise ValueError(f"Unsupported language {lang!r}; use 'ko' or 'en'.")
