"""사업자등록번호 check digit, normalisation and display."""

from __future__ import annotations

import pytest

from tracker.domain.brn import BrnError, brn_check_digit, format_brn, is_valid_brn, normalize_brn

# Check digits worked by hand with weights 1,3,7,1,3,7,1,3,5 plus ⌊d9·5/10⌋:
#   123456789: 1+6+21+4+15+42+7+24+45 = 165, +4 = 169 -> (10-9)%10 = 1
#   123456782: 1+6+21+4+15+42+7+24+10 = 130, +1 = 131 -> 9 (the floor term decides it)
#   124810099: 1+6+28+8+3+0+0+27+45 = 118, +4 = 122 -> 8
#   105870001: 1+0+35+8+21+0+0+0+5 = 70, +0 = 70 -> 0
#   999999999: 9*31 = 279, +4 = 283 -> 7
VALID = [
    "123-45-67891",
    "123-45-67829",
    "124-81-00998",
    "105-87-00010",
    "999-99-99997",
    "1234567891",
    "123 45 67891",
    " 124-81-00998 ",
    "124－81－00998",  # full-width hyphens
    "１２４-８１-００９９８",  # full-width digits
    "124–81–00998",  # en dashes from a word processor
]

INVALID = [
    "123-45-67890",  # check digit off by one
    "123-45-67820",  # right only if the ⌊d9·5/10⌋ term is forgotten
    "124-81-00997",
    "105-87-00011",
    "999-99-99990",
    "123-45-6789",  # nine digits
    "123-45-678901",  # eleven digits
    "",
    "   ",
    "abc-de-fghij",
    "123.45.67891",
    "123_45_67891",
    "12345-67891x",
]


@pytest.mark.parametrize("text", VALID)
def test_valid(text: str) -> None:
    assert is_valid_brn(text) is True


@pytest.mark.parametrize("text", INVALID)
def test_invalid(text: str) -> None:
    assert is_valid_brn(text) is False


def test_none_is_invalid() -> None:
    assert is_valid_brn(None) is False
    assert normalize_brn(None) is None


@pytest.mark.parametrize(
    ("first_nine", "check"),
    [
        ("123456789", 1),
        ("123456782", 9),
        ("124810099", 8),
        ("105870001", 0),
        ("999999999", 7),
        ("000000000", 0),
    ],
)
def test_check_digit(first_nine: str, check: int) -> None:
    assert brn_check_digit(first_nine) == check


@pytest.mark.parametrize("bad", ["12345678", "1234567890", "12345678a", ""])
def test_check_digit_needs_nine_digits(bad: str) -> None:
    with pytest.raises(BrnError):
        brn_check_digit(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123-45-67891", "1234567891"),
        ("1234567891", "1234567891"),
        ("123 45 67891", "1234567891"),
        ("\t123-45-67890\n", "1234567890"),  # normalising does not judge the check digit
        ("12-345-67890", "1234567890"),  # odd grouping still yields ten digits
        ("123-45-6789", None),
        ("123-45-678901", None),
        ("123-45-6789O", None),  # letter O, not zero
        ("", None),
    ],
)
def test_normalize(text: str, expected: str | None) -> None:
    assert normalize_brn(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234567891", "123-45-67891"),
        ("124 81 00998", "124-81-00998"),
        ("123-45-67890", "123-45-67890"),  # formatted even with a wrong check digit
    ],
)
def test_format(text: str, expected: str) -> None:
    assert format_brn(text) == expected


@pytest.mark.parametrize("text", ["123-45-6789", "", "hello"])
def test_format_rejects(text: str) -> None:
    with pytest.raises(BrnError, match="10 digits"):
        format_brn(text)


def test_brn_error_is_value_error() -> None:
    assert issubclass(BrnError, ValueError)
