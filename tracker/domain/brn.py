"""사업자등록번호 (Korean business registration number): ten digits shown ``123-45-67890``.

The last digit is a check digit. With weights 1,3,7,1,3,7,1,3,5 on the first nine digits:
``sum = Σ dᵢ·wᵢ + ⌊d₉·5/10⌋`` and ``d₁₀ = (10 − sum mod 10) mod 10``.
"""

from __future__ import annotations

import re
import unicodedata

_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
# Separators seen in spreadsheets: spaces and the many dash look-alikes word processors insert.
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212]+")
_TEN_DIGITS = re.compile(r"^[0-9]{10}$")


class BrnError(ValueError):
    """Text that cannot be shown as a 사업자등록번호."""


def normalize_brn(text: str | None) -> str | None:
    """The bare ten digits, or None when the text is not ten digits once separators go."""
    if not isinstance(text, str):
        return None
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    return digits if _TEN_DIGITS.match(digits) else None


def brn_check_digit(first_nine: str) -> int:
    """The check digit for the first nine digits."""
    if not re.fullmatch(r"[0-9]{9}", first_nine):
        raise BrnError(f"Expected nine digits, got {first_nine!r}.")
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True))
    total += digits[8] * 5 // 10
    return (10 - total % 10) % 10


def is_valid_brn(text: str | None) -> bool:
    """True when the text is ten digits (separators allowed) with a correct check digit."""
    digits = normalize_brn(text)
    if digits is None:
        return False
    return brn_check_digit(digits[:9]) == int(digits[9])


def format_brn(text: str) -> str:
    """Show as ``123-45-67890``. Does not judge the check digit; see ``is_valid_brn``."""
    digits = normalize_brn(text)
    if digits is None:
        raise BrnError(f"{text!r} is not a business registration number (10 digits).")
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
