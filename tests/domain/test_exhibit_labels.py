"""Exhibit labels: 갑/을/병 제N호증, 증 제N호, Exhibit N."""

from __future__ import annotations

import pytest

from tracker.domain.exhibit_labels import (
    SCHEMES,
    LabelError,
    default_scheme_for,
    format_label,
    label_sort_key,
    next_number,
    parse_label,
)

FORMATS: list[tuple[str, int, int | None, str]] = [
    ("gap", 1, None, "갑 제1호증"),
    ("gap", 3, 1, "갑 제3호증의 1"),
    ("gap", 12, 10, "갑 제12호증의 10"),
    ("eul", 2, None, "을 제2호증"),
    ("eul", 5, 3, "을 제5호증의 3"),
    ("byeong", 1, None, "병 제1호증"),
    ("byeong", 4, 2, "병 제4호증의 2"),
    ("jeung", 7, None, "증 제7호"),
    ("jeung", 3, 1, "증 제3호의 1"),
    ("exhibit", 3, None, "Exhibit 3"),
    ("exhibit", 3, 1, "Exhibit 3-1"),
    ("exhibit", 120, 15, "Exhibit 120-15"),
]


@pytest.mark.parametrize(("scheme", "number", "branch", "label"), FORMATS)
def test_format_label(scheme: str, number: int, branch: int | None, label: str) -> None:
    assert format_label(scheme, number, branch) == label


@pytest.mark.parametrize(("scheme", "number", "branch", "label"), FORMATS)
def test_parse_round_trip(scheme: str, number: int, branch: int | None, label: str) -> None:
    assert parse_label(label) == (scheme, number, branch)
    parsed = parse_label(label)
    assert (parsed.scheme, parsed.number, parsed.branch) == (scheme, number, branch)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("갑제3호증의1", ("gap", 3, 1)),
        ("갑 제3호증 의 1", ("gap", 3, 1)),
        ("갑 제 3 호증", ("gap", 3, None)),
        ("갑3호증", ("gap", 3, None)),
        ("  을 제12호증  ", ("eul", 12, None)),
        ("을제1호증의2", ("eul", 1, 2)),
        ("병 제 2 호 증", ("byeong", 2, None)),
        ("갑 제03호증", ("gap", 3, None)),
        ("갑\u3000제３호증", ("gap", 3, None)),  # ideographic space, full-width digit
        ("증제7호", ("jeung", 7, None)),
        ("증 7호의 2", ("jeung", 7, 2)),
        ("exhibit 4", ("exhibit", 4, None)),
        ("EXHIBIT 4 - 2", ("exhibit", 4, 2)),
        ("Exhibit4-2", ("exhibit", 4, 2)),
    ],
)
def test_parse_label_tolerant(text: str, expected: tuple[str, int, int | None]) -> None:
    assert parse_label(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "정 제1호증",
        "갑 제호증",
        "갑 제3호",
        "증 제3호증",
        "갑 제0호증",
        "갑 제3호증의 0",
        "Exhibit 0",
        "Exhibit 3-0",
        "Exhibit",
        "Exhibit 3.1",
        "갑 제3호증의 1 추가",
        "3",
        "갑 제-1호증",
    ],
)
def test_parse_label_rejects(text: str) -> None:
    with pytest.raises(LabelError):
        parse_label(text)


@pytest.mark.parametrize(
    ("scheme", "number", "branch", "fragment"),
    [
        ("jeong", 1, None, "Unknown exhibit scheme"),
        ("", 1, None, "Unknown exhibit scheme"),
        ("gap", 0, None, "1 or more"),
        ("gap", -1, None, "1 or more"),
        ("gap", 1, 0, "1 or more"),
        ("gap", 1, -2, "1 or more"),
        ("gap", True, None, "whole number"),
        ("gap", 1.0, None, "whole number"),
        ("gap", "3", None, "whole number"),
        ("gap", 3, "1", "whole number"),
    ],
)
def test_format_label_rejects(scheme: str, number: object, branch: object, fragment: str) -> None:
    with pytest.raises(LabelError) as info:
        format_label(scheme, number, branch)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_label_error_is_value_error() -> None:
    assert issubclass(LabelError, ValueError)


def test_schemes_are_ordered_with_names() -> None:
    assert list(SCHEMES) == ["gap", "eul", "byeong", "jeung", "exhibit"]
    for names in SCHEMES.values():
        assert names.ko and names.en
    ko, en = SCHEMES["gap"]
    assert "갑" in ko and "plaintiff" in en
    with pytest.raises(TypeError):
        SCHEMES["new"] = SCHEMES["gap"]  # type: ignore[index]


def test_sort_key_orders_parent_then_branches_numerically() -> None:
    labels = [(4, None), (3, 10), (3, 2), (3, None), (1, None), (3, 1), (10, None)]
    ordered = sorted(labels, key=lambda nb: label_sort_key(*nb))
    assert ordered == [(1, None), (3, None), (3, 1), (3, 2), (3, 10), (4, None), (10, None)]


@pytest.mark.parametrize(
    ("used", "expected"),
    [
        ([], 1),
        ([1], 2),
        ([1, 2, 3], 4),
        ([1, 2, 5], 6),  # gap at 3-4 is not refilled
        ([5, 1, 2], 6),
        ([3, 3, 3], 4),  # branches share a parent number
        (iter([2, 7]), 8),
        ({9}, 10),
    ],
)
def test_next_number(used: object, expected: int) -> None:
    assert next_number(used) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("used", [[0], [1, -3], [1, True]])
def test_next_number_rejects_bad_numbers(used: list[int]) -> None:
    with pytest.raises(LabelError):
        next_number(used)


@pytest.mark.parametrize(
    ("purpose", "side", "scheme"),
    [
        ("civil", "plaintiff", "gap"),
        ("civil", "defendant", "eul"),
        ("civil", "intervenor", "byeong"),
        ("civil", None, "gap"),
        ("criminal", None, "jeung"),
        ("criminal", "plaintiff", "jeung"),
        ("criminal", "defendant", "jeung"),
        ("internal", None, "jeung"),
        ("internal", "defendant", "jeung"),
    ],
)
def test_default_scheme_for(purpose: str, side: str | None, scheme: str) -> None:
    assert default_scheme_for(purpose, side) == scheme
    assert scheme in SCHEMES


@pytest.mark.parametrize(
    ("purpose", "side"),
    [("administrative", None), ("", None), ("civil", "witness"), ("civil", "")],
)
def test_default_scheme_for_rejects(purpose: str, side: str | None) -> None:
    with pytest.raises(LabelError):
        default_scheme_for(purpose, side)
