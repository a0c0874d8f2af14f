"""Exhibit labels (서증 번호): ``갑 제3호증의 1``, ``증 제3호``, ``Exhibit 3-1``.

In Korean civil suits the plaintiff's exhibits are 갑, the defendant's 을 and an intervenor's 병.
A criminal complaint (고소장) lists its evidence as ``증 제N호``; ``Exhibit N`` serves English
readers. Numbers follow the order of submission and are never reused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple


class LabelError(ValueError):
    """An exhibit scheme, number, branch or label text was not acceptable."""


class SchemeNames(NamedTuple):
    """Human names for a label scheme."""

    ko: str
    en: str


SCHEMES: Mapping[str, SchemeNames] = MappingProxyType(
    {
        "gap": SchemeNames("갑호증 (원고 제출)", "갑 exhibits (plaintiff)"),
        "eul": SchemeNames("을호증 (피고 제출)", "을 exhibits (defendant)"),
        "byeong": SchemeNames("병호증 (참가인 제출)", "병 exhibits (intervenor)"),
        "jeung": SchemeNames("증 제N호 (고소장 등 증거목록)", "증 numbering (criminal complaint)"),
        "exhibit": SchemeNames("Exhibit N (영문)", "Exhibit N (English)"),
    }
)

_PARTY_CHAR = {"gap": "갑", "eul": "을", "byeong": "병"}
_CHAR_PARTY = {char: scheme for scheme, char in _PARTY_CHAR.items()}

# 제 is sometimes dropped and spacing varies ("갑제3호증의1", "갑 3호증 의 1").
_PARTY_RE = re.compile(
    r"^(?P<who>[갑을병])\s*(?:제\s*)?(?P<n>\d+)\s*호\s*증(?:\s*의\s*(?P<b>\d+))?$"
)
_JEUNG_RE = re.compile(r"^증\s*(?:제\s*)?(?P<n>\d+)\s*호(?:\s*의\s*(?P<b>\d+))?$")
_EXHIBIT_RE = re.compile(r"^exhibit\s*(?P<n>\d+)(?:\s*-\s*(?P<b>\d+))?$", re.IGNORECASE)

_DEFAULTS: dict[tuple[str, str | None], str] = {
    ("civil", "plaintiff"): "gap",
    ("civil", "defendant"): "eul",
    ("civil", "intervenor"): "byeong",
    # The city usually brings the claim, so an unknown side defaults to the plaintiff's 갑.
    ("civil", None): "gap",
}


class ParsedLabel(NamedTuple):
    """Result of ``parse_label``: unpacks as ``(scheme, number, branch)``."""

    scheme: str
    number: int
    branch: int | None


def _check_positive(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LabelError(f"The exhibit {what} must be a whole number, got {value!r}.")
    if value < 1:
        raise LabelError(f"The exhibit {what} must be 1 or more, got {value}.")
    return value


def _check_scheme(scheme: str) -> str:
    if scheme not in SCHEMES:
        raise LabelError(f"Unknown exhibit scheme {scheme!r}; use one of {', '.join(SCHEMES)}.")
    return scheme


def format_label(scheme: str, number: int, branch: int | None = None) -> str:
    """Render a label, e.g. ``format_label("gap", 3, 1) == "갑 제3호증의 1"``."""
    _check_scheme(scheme)
    _check_positive(number, "number")
    if branch is not None:
        _check_positive(branch, "branch number")
    if scheme in _PARTY_CHAR:
        base = f"{_PARTY_CHAR[scheme]} 제{number}호증"
        return base if branch is None else f"{base}의 {branch}"
    if scheme == "jeung":
        base = f"증 제{number}호"
        return base if branch is None else f"{base}의 {branch}"
    return f"Exhibit {number}" if branch is None else f"Exhibit {number}-{branch}"


def parse_label(text: str) -> ParsedLabel:
    """Read a label back into ``(scheme, number, branch)``; tolerant of spacing."""
    if not isinstance(text, str):
        raise LabelError(f"Expected an exhibit label as text, got {type(text).__name__}.")
    cleaned = " ".join(unicodedata.normalize("NFKC", text).split())
    if not cleaned:
        raise LabelError("The exhibit label is empty.")
    match = _PARTY_RE.match(cleaned)
    if match:
        scheme = _CHAR_PARTY[match.group("who")]
    else:
        match = _JEUNG_RE.match(cleaned) or _EXHIBIT_RE.match(cleaned)
        if not match:
            raise LabelError(
                f"{text!r} is not an exhibit label like '갑 제3호증', '갑 제3호증의 1', "
                "'증 제3호' or 'Exhibit 3-1'."
            )
        scheme = "jeung" if cleaned.startswith("증") else "exhibit"
    number = _check_positive(int(match.group("n")), "number")
    branch_text = match.group("b")
    branch = None if branch_text is None else _check_positive(int(branch_text), "branch number")
    return ParsedLabel(scheme, number, branch)


def label_sort_key(number: int, branch: int | None = None) -> tuple[int, int]:
    """Order 3, 3-1, 3-2, 3-10, 4: the parent first, then branches numerically."""
    return (number, 0 if branch is None else branch)


def next_number(used: Iterable[int]) -> int:
    """The next free parent number: one past the highest ever used, so gaps stay gaps."""
    highest = 0
    for number in used:
        highest = max(highest, _check_positive(number, "number"))
    return highest + 1


def default_scheme_for(purpose: str, side: str | None = None) -> str:
    """Suggest a scheme for a matter's purpose and our side in it.

    Civil: 갑/을/병 by side (갑 when the side is unknown). Criminal and internal work use the
    numbered ``증 제N호`` list regardless of side.
    """
    if purpose not in ("civil", "criminal", "internal"):
        raise LabelError(f"Unknown purpose {purpose!r}; use civil, criminal or internal.")
    if side not in ("plaintiff", "defendant", "intervenor", None):
        raise LabelError(
            f"Unknown side {side!r}; use plaintiff, defendant, intervenor or leave it empty."
        )
    if purpose == "civil":
        return _DEFAULTS[(purpose, side)]
    return "jeung"
