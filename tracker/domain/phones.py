"""Korean phone numbers as they appear in delivered merchant and user data.

An audit that calls a number invalid becomes an exhibit against the counterparty, so a false
flag is a false accusation. Validity is therefore not our own table of shapes but Google's
libphonenumber metadata for Korea (the ``phonenumbers`` package, a pure-Python library): every
kind of number it knows is valid: landlines (02, 031–064), mobiles (010 and the older
011/016–019), personal numbers (050X, e.g. 0505/0507), internet phones (070), toll-free
(080, 030), premium (060), pagers and the nationwide representative numbers (1588-, 1644-,
1800-… style).

What we add on top is about how the number is written:

* only digits, spaces, hyphens (any Unicode dash), dots and parentheses, after Unicode NFKC
  (full-width digits from a Korean IME are fine): ``02-123-4567``, ``(02) 123-4567``,
  ``010.1234.5678``, ``010 1234 5678``; a leading ``+`` for the international form
  (``+82 10-1234-5678``; ``+82 (0)10…`` and ``+82 010…`` too: the number is unambiguous);
* written nationally, a number starts with the trunk prefix 0, except the representative
  numbers (``1588-1234``): ``2133-1234`` has lost its area code;
* a number of another country (``+1 212…``), an extension or any letter is not a Korean
  phone number.

Only the number's form is checked; nobody can tell from the digits whether it is in service.
``tracker.reconcile.sql`` mirrors this in SQL for the common spellings, from the same
metadata (:func:`kr_number_kinds`).
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from phonenumbers import CountryCodeSource, PhoneMetadata, PhoneNumberType

REGION = "KR"
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_SPACES = re.compile(r"\s+")
_WRITTEN = re.compile(r"\+?[0-9 ().\-]+")
# The kinds of number the metadata may describe; phonenumbers calls a number valid when it
# matches one of them.
_KINDS = (
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
)


def is_valid_kr_phone(text: str | None) -> bool:
    """True when the text is a Korean phone number of a kind that exists (see the module)."""
    if not isinstance(text, str):
        return False
    cleaned = _SPACES.sub(" ", _DASHES.sub("-", unicodedata.normalize("NFKC", text))).strip()
    if not cleaned or not _WRITTEN.fullmatch(cleaned):
        return False
    try:
        number = phonenumbers.parse(cleaned, REGION, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return False
    if number.country_code != 82 or number.extension:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    if number.country_code_source == CountryCodeSource.FROM_DEFAULT_COUNTRY:
        first_digit = re.search(r"[0-9]", cleaned)
        return (first_digit is not None and first_digit.group() == "0") or (
            phonenumbers.number_type(number) == PhoneNumberType.UAN
        )
    return True


def kr_number_kinds() -> dict[str, tuple[str, tuple[int, ...]]]:
    """The metadata phonenumbers judges Korean numbers by: for ``general`` (every number)
    and each kind of number, its national-number pattern and possible lengths."""
    meta = PhoneMetadata.metadata_for_region(REGION)
    kinds = {}
    for kind in ("general_desc", *_KINDS):
        desc = getattr(meta, kind)
        if desc is not None and desc.national_number_pattern:
            name = "general" if kind == "general_desc" else kind
            kinds[name] = (desc.national_number_pattern, tuple(desc.possible_length or ()))
    return kinds
