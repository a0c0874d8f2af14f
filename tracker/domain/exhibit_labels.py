"""Exhibit labels (서증 번호): ``갑 제3호증의 1``, ``증 제3호증``, ``Exhibit 3-1``.

An exhibit has one number for life: N and, for related documents, a branch (``의 1``). The
prefix is not part of that number: it belongs to the bundle the exhibit is printed in. In a
civil suit the plaintiff's exhibits are 갑, the defendant's 을 and an intervenor's 병; a
criminal complaint (고소장) cites ``증 제N호증``; an English bundle says ``Exhibit N``. So the
same exhibit is ``갑 제3호증`` in the civil bundle, ``증 제3호증`` in the complaint's annex and
``Exhibit 3`` for English readers. ``증 제N호`` stays available as a plain numbered list.
Numbers follow the order of submission and are never reused.

This module is the only place that turns a number into label text, reads label text back, and
orders labels; the app, the CLI and the dossier engine all call it.
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
        "jeung": SchemeNames("증 제N호 (증거목록)", "증 numbering (plain list)"),
        "complaint": SchemeNames(
            "증 제N호증 (고소장 증거목록)", "증 exhibits (criminal complaint)"
        ),
        "exhibit": SchemeNames("Exhibit N (영문)", "Exhibit N (English)"),
    }
)

#: Our procedural side in a civil suit, and the letter its exhibits carry.
SIDES = ("plaintiff", "defendant", "intervenor")
_PARTY_CHAR = {"gap": "갑", "eul": "을", "byeong": "병"}
_CHAR_PARTY = {char: scheme for scheme, char in _PARTY_CHAR.items()}
_SIDE_SCHEME = {"plaintiff": "gap", "defendant": "eul", "intervenor": "byeong"}
_SCHEME_SIDE = {scheme: side for side, scheme in _SIDE_SCHEME.items()}

# 제 is sometimes dropped and spacing varies ("갑제3호증의1", "갑 3호증 의 1").
_PARTY_RE = re.compile(
    r"^(?P<who>[갑을병])\s*(?:제\s*)?(?P<n>\d+)\s*호\s*증(?:\s*의\s*(?P<b>\d+))?$"
)
_JEUNG_RE = re.compile(r"^증\s*(?:제\s*)?(?P<n>\d+)\s*호(?P<jeung>\s*증)?(?:\s*의\s*(?P<b>\d+))?$")
_EXHIBIT_RE = re.compile(r"^exhibit\s*(?P<n>\d+)(?:\s*-\s*(?P<b>\d+))?$", re.IGNORECASE)

PURPOSES = ("civil", "criminal", "internal")


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
    if scheme == "exhibit":
        return f"Exhibit {number}" if branch is None else f"Exhibit {number}-{branch}"
    if scheme in _PARTY_CHAR:
        base = f"{_PARTY_CHAR[scheme]} 제{number}호증"
    elif scheme == "complaint":
        base = f"증 제{number}호증"
    else:
        base = f"증 제{number}호"
    return base if branch is None else f"{base}의 {branch}"


def stored_label(scheme: str, number: int | None, branch: int | None = 0) -> str:
    """The label of an exhibit as the database keeps it: no number yet gives ``""``, and
    branch 0 (or ``None``) means it has no branch."""
    if number is None:
        return ""
    return format_label(scheme, number, branch or None)


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
    elif match := _JEUNG_RE.match(cleaned):
        scheme = "complaint" if match.group("jeung") else "jeung"
    elif match := _EXHIBIT_RE.match(cleaned):
        scheme = "exhibit"
    else:
        raise LabelError(
            f"{text!r} is not an exhibit label like '갑 제3호증', '갑 제3호증의 1', "
            "'증 제3호증', '증 제3호' or 'Exhibit 3-1'."
        )
    number = _check_positive(int(match.group("n")), "number")
    branch_text = match.group("b")
    branch = None if branch_text is None else _check_positive(int(branch_text), "branch number")
    return ParsedLabel(scheme, number, branch)


def label_sort_key(number: int, branch: int | None = None) -> tuple[int, int]:
    """Order 3, 3-1, 3-2, 3-10, 4: the parent first, then branches numerically."""
    return (number, 0 if branch is None else branch)


_SCHEME_ORDER = {scheme: index for index, scheme in enumerate(SCHEMES)}


def text_sort_key(text: str) -> tuple[int, int, int, str]:
    """Order label *text* the way a court does: 갑 제2호증, 갑 제10호증, 갑 제10호증의 2.

    Labels of one scheme sort by number then branch (never as strings, where 제10 would come
    before 제2); different schemes keep ``SCHEMES`` order; text that is not a label goes last,
    in text order, so a list with a stray entry still sorts instead of failing.
    """
    try:
        scheme, number, branch = parse_label(text)
    except LabelError:
        return (len(SCHEMES), 0, 0, unicodedata.normalize("NFC", str(text)))
    return (_SCHEME_ORDER[scheme], *label_sort_key(number, branch), "")


def sorted_labels(labels: Iterable[str]) -> list[str]:
    """Distinct labels in court order (see ``text_sort_key``)."""
    return sorted(set(labels), key=text_sort_key)


def next_number(used: Iterable[int]) -> int:
    """The next free parent number: one past the highest ever used, so gaps stay gaps."""
    highest = 0
    for number in used:
        highest = max(highest, _check_positive(number, "number"))
    return highest + 1


def side_of_scheme(scheme: str) -> str | None:
    """The civil side a party scheme stands for (갑 → plaintiff); ``None`` for the others."""
    return _SCHEME_SIDE.get(_check_scheme(scheme))


def default_scheme_for(purpose: str, side: str | None = None) -> str:
    """The Korean scheme for a purpose and our side in it.

    Civil: 갑/을/병 by side (갑 when the side is unknown: the city usually brings the claim).
    Criminal: ``증 제N호증``, the form a 고소장 cites, whatever the side. Internal work: the
    plain ``증 제N호`` list.
    """
    if purpose not in PURPOSES:
        raise LabelError(f"Unknown purpose {purpose!r}; use civil, criminal or internal.")
    if side not in (*SIDES, None):
        raise LabelError(
            f"Unknown side {side!r}; use plaintiff, defendant, intervenor or leave it empty."
        )
    if purpose == "civil":
        return _SIDE_SCHEME[side or "plaintiff"]
    if purpose == "criminal":
        return "complaint"
    return "jeung"


def scheme_for(
    purpose: str, lang: str = "ko", side: str | None = None, *, working: str | None = None
) -> str:
    """The scheme a bundle prints its labels in.

    English bundles say ``Exhibit N`` whatever the purpose. A Korean civil bundle uses our
    procedural side's letter, a criminal one ``증 제N호증``. An internal bundle speaks the
    team's own language: the matter's ``working`` scheme when given, else ``증 제N호``.
    """
    if lang not in ("ko", "en"):
        raise LabelError(f"Unknown language {lang!r}; use ko or en.")
    scheme = default_scheme_for(purpose, side)
    if lang == "en":
        return "exhibit"
    if purpose == "internal" and working is not None:
        return _check_scheme(working)
    return scheme


def next_label(scheme: str, used: Iterable[int]) -> str:
    """The label the next new exhibit gets, e.g. to offer instead of a refused branch."""
    return format_label(scheme, next_number(used))
