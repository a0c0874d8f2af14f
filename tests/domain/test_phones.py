"""Korean phone numbers: every kind that exists is valid, and only real mistakes are not.

An invalid phone in an audit is an accusation against whoever delivered the data, so the
valid table covers every kind of Korean number, however it is usually written.
"""

from __future__ import annotations

import pytest

from tracker.domain.phones import is_valid_kr_phone, kr_number_kinds

VALID = [
    # mobile
    ("010-1234-5678", "mobile"),
    ("01012345678", "mobile, no hyphens"),
    ("010 1234 5678", "mobile, spaces"),
    ("010-1234 5678", "mixed separators"),
    ("010.1234.5678", "dots"),
    ("０１０－１２３４－５６７８", "full-width, from a Korean IME"),
    ("010–1234–5678", "en dashes"),
    ("010-123-4567", "010 with a three-digit middle (numbers moved over from 011/016…)"),
    ("011-123-4567", "legacy mobile 011"),
    ("016-1234-5678", "legacy mobile 016"),
    ("019-1234-5678", "legacy mobile 019"),
    # landlines
    ("02-123-4567", "Seoul"),
    ("02-2133-1234", "Seoul, four-digit exchange"),
    ("021234567", "Seoul, no hyphens"),
    ("(02) 2133-1234", "area code in parentheses"),
    ("02)2133-1234", "area code closed by a parenthesis"),
    (" 02 - 2133 - 1234 ", "spaces around hyphens"),
    ("031-123-4567", "Gyeonggi"),
    ("032-1234-5678", "Incheon"),
    ("033-123-4567", "Gangwon"),
    ("041-123-4567", "Chungnam"),
    ("042-123-4567", "Daejeon"),
    ("043-123-4567", "Chungbuk"),
    ("044-300-1234", "Sejong"),
    ("051-888-1234", "Busan"),
    ("052-123-4567", "Ulsan"),
    ("053-123-4567", "Daegu"),
    ("054-123-4567", "Gyeongbuk"),
    ("055-123-4567", "Gyeongnam"),
    ("061-123-4567", "Jeonnam"),
    ("062-123-4567", "Gwangju"),
    ("063-123-4567", "Jeonbuk"),
    ("064-710-1234", "Jeju"),
    # other kinds
    ("0505-123-4567", "personal number 0505"),
    ("0507-1234-5678", "personal number 0507 (safe number of online shops)"),
    ("0502-1234-5678", "personal number 0502"),
    ("070-1234-5678", "internet phone"),
    ("080-123-4567", "toll-free"),
    ("060-700-1234", "premium rate"),
    ("1588-1234", "representative number"),
    ("15881234", "representative number, no hyphen"),
    ("1577-1234", "representative number 1577"),
    ("1644-0000", "representative number 1644"),
    ("1661-1234", "representative number 1661"),
    ("1800-1234", "representative number 1800"),
    ("1899 1234", "representative number 1899"),
    # international form
    ("+82 10-1234-5678", "international mobile"),
    ("+82-2-2133-1234", "international Seoul"),
    ("+821012345678", "international, no separators"),
    ("+82 (0)10-1234-5678", "international with the trunk 0 in parentheses"),
    ("+82 010-1234-5678", "international keeping the trunk 0: still one number"),
    ("+82 505-123-4567", "international personal number"),
]

INVALID = [
    ("", "empty"),
    ("   ", "blank"),
    ("010-1234-56789", "one digit too many"),
    ("010-12345-67890", "two digits too many"),
    ("02-12-3456", "too short"),
    ("02-012-3456", "a Seoul exchange never starts with 0"),
    ("02-12345-6789", "too long for Seoul"),
    ("034-123-4567", "no such area code"),
    ("065-123-4567", "no such area code"),
    ("099-123-4567", "no such prefix"),
    ("070-123-4567", "internet phones have eight digits after 070"),
    ("0505-123-456", "personal number too short"),
    ("1234-5678", "representative numbers start 15, 16 or 18"),
    ("1700-1234", "no such representative number"),
    ("1588-123", "representative number too short"),
    ("1588-12345", "representative number too long"),
    ("2133-1234", "area code missing"),
    ("10-1234-5678", "the trunk 0 missing"),
    ("000-0000-0000", "zeros"),
    ("000-0000", "a placeholder"),
    ("00000000000", "zeros, no hyphens"),
    ("0", "a digit"),
    ("12345", "too short"),
    ("010-1234-5678 ext 3", "extension"),
    ("tel 010-1234-5678", "letters"),
    ("010-1234-5678/02-123-4567", "two numbers in one cell"),
    ("010-1234-567x", "a letter for a digit"),
    ("+1 212 555 1234", "not a Korean number"),
    ("+82", "country code only"),
    ("없음", "a word"),
    ("N/A", "placeholder"),
]


@pytest.mark.parametrize(("text", "why"), VALID, ids=[t for t, _ in VALID])
def test_valid(text: str, why: str) -> None:
    assert is_valid_kr_phone(text) is True, why


@pytest.mark.parametrize(("text", "why"), INVALID, ids=[t or "empty" for t, _ in INVALID])
def test_invalid(text: str, why: str) -> None:
    assert is_valid_kr_phone(text) is False, why


def test_none_is_invalid() -> None:
    assert is_valid_kr_phone(None) is False


def test_the_metadata_knows_every_kind_used_above() -> None:
    kinds = kr_number_kinds()
    assert {"general", "fixed_line", "mobile", "personal_number", "voip", "uan"} <= set(kinds)
    pattern, lengths = kinds["personal_number"]
    assert pattern and 10 in lengths
