"""Korean phone number shapes."""

from __future__ import annotations

import pytest

from tracker.domain.phones import is_valid_kr_phone

VALID = [
    # Seoul
    "02-123-4567",
    "02-2133-1234",
    "021234567",
    "0221331234",
    "02 2133 1234",
    " 02-2133-1234 ",
    "02 - 2133 - 1234",
    # other areas, internet phone, toll-free, legacy mobile
    "031-123-4567",
    "031-1234-5678",
    "0311234567",
    "044-300-1234",
    "051-888-1234",
    "064-710-1234",
    "070-1234-5678",
    "080-123-4567",
    "011-123-4567",
    "019-1234-5678",
    # mobile
    "010-1234-5678",
    "01012345678",
    "010 1234 5678",
    "010-1234 5678",
    "０１０－１２３４－５６７８",  # full-width from a Korean IME
    "010–1234–5678",  # en dashes
    # nationwide representative numbers
    "1588-1234",
    "15881234",
    "1644-0000",
    "1800-1234",
    "1899 1234",
    # international form
    "+82 10-1234-5678",
    "+82-2-2133-1234",
    "+821012345678",
]

INVALID = [
    "",
    "   ",
    "010-123-4567",  # mobile needs four middle digits
    "010-12345-6789",
    "010-1234-567",
    "02-12-3456",
    "02-12345-6789",
    "02-123-456",
    "034-123-4567",  # no such area code
    "030-123-4567",
    "012-123-4567",
    "1234-5678",  # representative numbers start 15, 16 or 18
    "1700-1234",
    "1588-123",
    "1588-12345",
    "0-21234-567",  # hyphen in the wrong place
    "02--123-4567",
    "010.1234.5678",
    "010-1234-5678 ext 3",
    "tel 010-1234-5678",
    "+82 010-1234-5678",  # the trunk 0 is dropped abroad
    "+1 212 555 1234",
    "2133-1234",  # no area code
]


@pytest.mark.parametrize("text", VALID)
def test_valid(text: str) -> None:
    assert is_valid_kr_phone(text) is True


@pytest.mark.parametrize("text", INVALID)
def test_invalid(text: str) -> None:
    assert is_valid_kr_phone(text) is False


def test_none_is_invalid() -> None:
    assert is_valid_kr_phone(None) is False
