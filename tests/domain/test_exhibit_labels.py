"""Exhibit labels: 갑/을/병 제N호증, 증 제N호증, 증 제N호, Exhibit N."""

from __future__ import annotations

import pytest

from tracker.domain.exhibit_labels import (
    SCHEMES,
    LabelError,
    default_scheme_for,
    format_label,
    label_sort_key,
    next_label,
    next_number,
    parse_label,
    scheme_for,
    side_of_scheme,
    sorted_labels,
    stored_label,
    text_sort_key,
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
    ("complaint", 1, None, "증 제1호증"),
    ("complaint", 3, 1, "증 제3호증의 1"),
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
        ("증제7호증", ("complaint", 7, None)),
        ("증 제 7 호 증 의 2", ("complaint", 7, 2)),
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
        "증 제3호증증",
        "증 제호증",
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
    assert list(SCHEMES) == ["gap", "eul", "byeong", "jeung", "complaint", "exhibit"]
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
        ("criminal", None, "complaint"),
        ("criminal", "plaintiff", "complaint"),
        ("criminal", "defendant", "complaint"),
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


def test_stored_label_treats_branch_zero_as_none() -> None:
    assert stored_label("gap", None, 0) == ""
    assert stored_label("gap", 3, 0) == "갑 제3호증"
    assert stored_label("gap", 3, None) == "갑 제3호증"
    assert stored_label("complaint", 3, 2) == "증 제3호증의 2"


@pytest.mark.parametrize(
    ("purpose", "lang", "side", "working", "scheme"),
    [
        ("civil", "ko", "plaintiff", None, "gap"),
        ("civil", "ko", "defendant", None, "eul"),
        ("civil", "ko", "intervenor", "byeong", "byeong"),
        ("civil", "ko", None, "jeung", "gap"),  # side unknown: the plaintiff's 갑
        ("criminal", "ko", "plaintiff", "gap", "complaint"),  # a 고소장 cites 증 제N호증
        ("criminal", "ko", "defendant", "eul", "complaint"),
        ("internal", "ko", "plaintiff", "gap", "gap"),  # the team's own scheme
        ("internal", "ko", None, None, "jeung"),
        ("civil", "en", "defendant", "eul", "exhibit"),
        ("criminal", "en", None, "gap", "exhibit"),
        ("internal", "en", None, "gap", "exhibit"),
    ],
)
def test_scheme_for_each_bundle(
    purpose: str, lang: str, side: str | None, working: str | None, scheme: str
) -> None:
    assert scheme_for(purpose, lang, side, working=working) == scheme


def test_one_number_three_bundles() -> None:
    """The same exhibit, numbered once, in the civil, criminal and English bundles."""
    number, branch = 3, 1
    printed = [
        format_label(scheme_for(p, lang, "plaintiff"), number, branch)
        for p, lang in [("civil", "ko"), ("criminal", "ko"), ("criminal", "en")]
    ]
    assert printed == ["갑 제3호증의 1", "증 제3호증의 1", "Exhibit 3-1"]
    assert {parse_label(text)[1:] for text in printed} == {(3, 1)}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("civil", "fr"), "Unknown language"),
        (("appeal", "ko"), "Unknown purpose"),
        (("civil", "ko", "witness"), "Unknown side"),
    ],
)
def test_scheme_for_rejects(args: tuple, fragment: str) -> None:
    with pytest.raises(LabelError, match=fragment):
        scheme_for(*args)


def test_side_of_scheme() -> None:
    assert [side_of_scheme(s) for s in SCHEMES] == [
        "plaintiff",
        "defendant",
        "intervenor",
        None,
        None,
        None,
    ]
    with pytest.raises(LabelError):
        side_of_scheme("jeong")


def test_label_text_sorts_numerically_with_branches_after_their_parent() -> None:
    shuffled = [
        "갑 제10호증",
        "갑 제2호증",
        "갑 제3호증의 10",
        "갑 제3호증의 2",
        "갑 제1호증",
        "갑 제3호증의 1",
        "갑 제10호증의 1",
        "갑 제3호증",
    ]
    assert sorted(shuffled, key=text_sort_key) == [
        "갑 제1호증",
        "갑 제2호증",
        "갑 제3호증",
        "갑 제3호증의 1",
        "갑 제3호증의 2",
        "갑 제3호증의 10",
        "갑 제10호증",
        "갑 제10호증의 1",
    ]
    assert sorted_labels(["증 제10호증", "증 제2호증", "증 제2호증", "증 제2호증의 1"]) == [
        "증 제2호증",
        "증 제2호증의 1",
        "증 제10호증",
    ]
    assert sorted_labels(["Exhibit 10", "Exhibit 9-2", "Exhibit 9"]) == [
        "Exhibit 9",
        "Exhibit 9-2",
        "Exhibit 10",
    ]


def test_text_sort_key_puts_text_that_is_no_label_last() -> None:
    assert sorted_labels(["참고자료", "갑 제2호증", "을 제1호증"]) == [
        "갑 제2호증",
        "을 제1호증",
        "참고자료",
    ]


def test_next_label_offers_the_next_free_number() -> None:
    assert next_label("gap", [1, 2, 3, 3]) == "갑 제4호증"
    assert next_label("complaint", []) == "증 제1호증"
