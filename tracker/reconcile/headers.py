"""Header names: cleaning them, comparing them, and guessing which column is which."""

from __future__ import annotations

import re
import unicodedata

from tracker.errors import ValidationFailed

ROW_COLUMN = "__row__"

_KEY_NAMES = (
    "가맹점ID",
    "가맹점번호",
    "가맹점코드",
    "회원ID",
    "회원번호",
    "사용자ID",
    "고객번호",
    "merchant_id",
    "user_id",
    "member_id",
    "key",
    "id",
)
_AMOUNT_NAMES = (
    "정산금액",
    "잔액",
    "발행수수료",
    "금액",
    "합계",
    "settlement_amount",
    "amount",
    "balance",
    "fee",
    "total",
)


def norm_header(text: str) -> str:
    """A header as we store it: NFC (macOS exports may be NFD), outer spaces removed."""
    return unicodedata.normalize("NFC", text).strip()


def clean_headers(record: list, name: str, *, keep_blank_tail: bool = False) -> tuple[str, ...]:
    """Normalise header names; name blank ones ``column_N``; suffix repeats ``_2``, ``_3``.

    Repeats are found case-insensitively because DuckDB column names are. Blank names at the
    end are dropped unless ``keep_blank_tail`` (a CSV whose rows all end with a delimiter needs
    them to keep its width). Refuses (ValidationFailed) a header row with no name at all.
    """
    names = [norm_header("" if v is None else str(v)) for v in record]
    if not any(names):
        raise ValidationFailed([("file", f"the header row of {name} is empty")])
    while not keep_blank_tail and not names[-1]:
        names.pop()
    seen: set[str] = set()
    out = []
    for i, h in enumerate(names, start=1):
        base = h or f"column_{i}"
        candidate, n = base, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{base}_{n}"
        seen.add(candidate.casefold())
        out.append(candidate)
    return tuple(out)


def row_column_name(headers: tuple[str, ...]) -> str:
    """A name for the row-number column that no header uses."""
    taken = {h.casefold() for h in headers}
    name = ROW_COLUMN
    while name.casefold() in taken:
        name = f"_{name}_"
    return name


def header_key(name: str) -> str:
    """Comparable form of a header: NFC, casefolded, no spaces/``_-./``, no bracketed suffix."""
    text = unicodedata.normalize("NFC", name).casefold()
    text = re.sub(r"[\(\[（].*?[\)\]）]", "", text)
    return re.sub(r"[\s_\-./]", "", text)


def match_header(headers: tuple[str, ...] | list[str], aliases: tuple[str, ...]) -> str | None:
    """The first header equal (by :func:`header_key`) to an alias, aliases in priority order."""
    keyed = [(header_key(h), h) for h in headers]
    for alias in aliases:
        wanted = header_key(alias)
        for k, h in keyed:
            if k == wanted:
                return h
    return None


def suggest_columns(headers: tuple[str, ...] | list[str]) -> dict[str, str | None]:
    """Guess the key and amount columns from Korean or English header names.

    Exact names come first, in priority order (가맹점ID, 가맹점번호, 회원ID, 사용자ID, key, id…;
    정산금액, 잔액, 발행수수료, 금액, amount, balance…); then a header ending in ``ID``/``번호``/
    ``코드`` for the key and one containing ``금액``/``잔액``/``amount``/``balance`` for the
    amount. Never proposes the same column twice; ``None`` where nothing fits.
    """
    key = match_header(headers, _KEY_NAMES)
    if key is None:
        key = next((h for h in headers if header_key(h).endswith(("id", "번호", "코드"))), None)
    rest = [h for h in headers if h != key]
    amount = match_header(rest, _AMOUNT_NAMES)
    if amount is None:
        words = ("금액", "잔액", "amount", "balance")
        amount = next((h for h in rest if any(w in header_key(h) for w in words)), None)
    return {"key": key, "amount": amount}
