"""Amounts in whole won."""

from __future__ import annotations

import pytest

from tracker.domain.amounts import MAX_AMOUNT, AmountError, format_krw, parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234,500", 1_234_500),
        ("1234500", 1_234_500),
        ("1,234,500원", 1_234_500),
        ("1,234,500 원", 1_234_500),
        ("₩1,234,500", 1_234_500),
        ("￦1,234,500", 1_234_500),  # full-width won sign
        ("₩ 1,234,500", 1_234_500),  # Excel accounting format pads after the sign
        ("KRW 1,234,500", 1_234_500),
        ("krw1,234,500", 1_234_500),
        ("1,234,500 KRW", 1_234_500),
        ("₩1,234,500원", 1_234_500),
        ("   1,234,500   ", 1_234_500),
        ("\u00a01,234,500원\u00a0", 1_234_500),  # no-break spaces
        ("\u30001,234,500\u3000", 1_234_500),  # ideographic spaces
        ("１，２３４，５００원", 1_234_500),  # full-width digits and commas
        ("\t₩ 1,234,500 \n", 1_234_500),
        ("0", 0),
        ("0원", 0),
        ("999", 999),
        ("1,000", 1_000),
        ("1234.0", 1_234),
        ("1,234,500.00", 1_234_500),
        ("+1,234", 1_234),
        ("-1,234,500", -1_234_500),
        ("\u22121,234", -1_234),  # typographic minus
        ("-₩1,234,500", -1_234_500),
        ("₩-1,234,500", -1_234_500),
        ("KRW -1,234,500", -1_234_500),
        ("-1,234,500원", -1_234_500),
        ("(1,234)", -1_234),
        ("(₩1,234,500)", -1_234_500),
        ("( 1,234원 )", -1_234),
        ("△1,234,500", -1_234_500),
        ("▲ 1,234,500", -1_234_500),
        ("₩ -", 0),  # Excel accounting format for zero
        ("-0", 0),
        ("9,223,372,036,854,775,807", MAX_AMOUNT),
    ],
)
def test_parse_amount(text: str, expected: int) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\u00a0", "empty"),
        ("abc", "write digits"),
        ("원", "write digits"),
        ("₩", "write digits"),
        ("-", "write digits"),
        ("1,234,500 dollars", "write digits"),
        ("$1,234", "write digits"),
        ("1만원", "write digits"),
        ("1 234 500", "write digits"),
        ("1,234-", "write digits"),
        ("1.234.500", "dots cannot separate thousands"),
        ("1.234", "dots cannot separate thousands"),
        ("12,34", "groups of three"),
        ("1,23,456", "groups of three"),
        ("1234,500", "groups of three"),
        ("1,234,", "groups of three"),
        (",234", "write digits"),
        ("1,234.5", "whole won"),
        ("1,234.50", "whole won"),
        ("1234.000", "whole won"),
        ("1234.", "whole won"),
        ("--1,234", "two signs"),
        ("-₩-1,234", "two signs"),
        ("(-1,234)", "parentheses and a sign"),
        ("KRW 1,234 KRW", "KRW is written twice"),
        ("9,223,372,036,854,775,808", "too large"),
    ],
)
def test_parse_amount_rejects(text: str, fragment: str) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(text)
    assert fragment in str(info.value)
    if text.strip():
        assert repr(text) in str(info.value)


@pytest.mark.parametrize("value", [None, 1234, 12.5])
def test_parse_amount_needs_text(value: object) -> None:
    with pytest.raises(AmountError, match="as text"):
        parse_amount(value)  # type: ignore[arg-type]


def test_amount_error_is_value_error() -> None:
    assert issubclass(AmountError, ValueError)


@pytest.mark.parametrize(
    ("n", "ko", "en"),
    [
        (1_234_500, "1,234,500원", "KRW 1,234,500"),
        (0, "0원", "KRW 0"),
        (999, "999원", "KRW 999"),
        (1_000, "1,000원", "KRW 1,000"),
        (-1_234_500, "-1,234,500원", "KRW -1,234,500"),
        (10_000_000_000, "10,000,000,000원", "KRW 10,000,000,000"),
    ],
)
def test_format_krw(n: int, ko: str, en: str) -> None:
    assert format_krw(n) == ko
    assert format_krw(n, "ko") == ko
    assert format_krw(n, lang="en") == en
    assert parse_amount(ko) == n
    assert parse_amount(en) == n


@pytest.mark.parametrize("value", [1.5, "1234", True, None])
def test_format_krw_rejects(value: object) -> None:
    with pytest.raises(AmountError):
        format_krw(value)  # type: ignore[arg-type]


def test_format_krw_unknown_language() -> None:
    with pytest.raises(ValueError, match="language"):
        format_krw(1, "ja")
