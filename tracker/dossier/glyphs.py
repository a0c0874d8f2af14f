"""Which characters the shipped fonts can draw, and user text made printable with them.

The dossier prints with NanumGothic first, then the Noto fallbacks in ``FONT_STACK`` (Latin
beyond Latin-1, Greek, Cyrillic, CJK ideographs, symbols, monochrome emoji, a few scripts),
all in ``tracker/static/fonts`` and declared in ``templates/dossier/dossier.css``. Only those
fonts may ever be used: a glyph drawn from whatever system font happens to be installed would
make the PDF differ between machines, and a missing one would print as an empty box.

So before any layout every piece of user text goes through ``printable_text``: control
characters are removed (a NUL becomes the visible U+2400 symbol), and every character no
shipped font has is replaced by its name, e.g. ``[U+E000]``, so the reader sees that something
was there and what. A build never fails because of what a user typed. WeasyPrint's
``.notdef`` warning and the check for system fonts (``render.py``) stay as a second line of
defence against a mistake here.
"""

from __future__ import annotations

import dataclasses
import functools
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont

from .fetcher import STATIC_DIR

FONT_DIR = STATIC_DIR / "fonts"
REGULAR_FONT = FONT_DIR / "NanumGothic.ttf"
BOLD_FONT = FONT_DIR / "NanumGothicBold.ttf"


@dataclasses.dataclass(frozen=True)
class Face:
    """One family of the stack: its ``@font-face`` name and its files."""

    family: str
    regular: Path
    bold: Path | None = None

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.regular,) if self.bold is None else (self.regular, self.bold)


def _noto(family: str, stem: str, bold: bool = False) -> Face:
    return Face(
        f"Tracker {family}",
        FONT_DIR / f"{stem}-Regular.ttf",
        FONT_DIR / f"{stem}-Bold.ttf" if bold else None,
    )


#: The font stack, in the order the dossier CSS lists it: a character is drawn by the first
#: family that has it. Families without a bold file are drawn regular in bold text.
FONT_STACK: tuple[Face, ...] = (
    Face("Tracker Nanum Gothic", REGULAR_FONT, BOLD_FONT),
    _noto("Noto Sans", "NotoSans", bold=True),
    Face("Tracker Noto Sans CJK", FONT_DIR / "NotoSansCJKkr-Fallback-Regular.ttf"),
    _noto("Noto Sans Symbols 2", "NotoSansSymbols2"),
    _noto("Noto Sans Symbols", "NotoSansSymbols"),
    _noto("Noto Sans Math", "NotoSansMath"),
    _noto("Noto Sans Arabic", "NotoSansArabic"),
    _noto("Noto Sans Hebrew", "NotoSansHebrew"),
    _noto("Noto Sans Thai", "NotoSansThai"),
    _noto("Noto Sans Lao", "NotoSansLao"),
    _noto("Noto Sans Khmer", "NotoSansKhmer"),
    _noto("Noto Sans Myanmar", "NotoSansMyanmar"),
    _noto("Noto Sans Devanagari", "NotoSansDevanagari"),
    _noto("Noto Sans Bengali", "NotoSansBengali"),
    _noto("Noto Sans Sinhala", "NotoSansSinhala"),
    _noto("Noto Sans Tamil", "NotoSansTamil"),
    _noto("Noto Sans Armenian", "NotoSansArmenian"),
    _noto("Noto Sans Georgian", "NotoSansGeorgian"),
    _noto("Noto Sans Ethiopic", "NotoSansEthiopic"),
    _noto("Noto Emoji", "NotoEmoji"),
)
FAMILIES: tuple[str, ...] = tuple(face.family for face in FONT_STACK)


def css_font_family(quote: str = '"') -> str:
    """The stack as a CSS ``font-family`` value."""
    return ", ".join(f"{quote}{family}{quote}" for family in FAMILIES)


def font_files() -> list[Path]:
    return [path for face in FONT_STACK for path in face.paths]


@functools.cache
def font_cmap(path: Path) -> frozenset[int]:
    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


@functools.cache
def printable_codepoints() -> frozenset[int]:
    """Code points some font of the stack can draw (in its regular face, so in any text)."""
    covered: set[int] = set()
    for face in FONT_STACK:
        covered |= font_cmap(face.regular)
    return frozenset(covered)


def stack_for(path_of: str = "regular") -> list[Path]:
    """The files the final pass's stamps draw with, first choice first: for bold text the bold
    files, then the regular ones for what they lack."""
    regular = [face.regular for face in FONT_STACK]
    if path_of == "regular":
        return regular
    bold = [face.bold for face in FONT_STACK if face.bold is not None]
    return bold + regular


#: Placeholder for a character no shipped font can draw: its code point, readable in print.
PLACEHOLDER = "[U+{:04X}]"
#: Explicit bidi embeddings, overrides and isolates: they can make text read in an order other
#: than the one stored (a file name "gpj.exe" shown as "exe.jpg"), which a dossier must not.
_BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))


@functools.cache
def _plain_chars() -> frozenset[str]:
    """Characters that pass unchanged: drawable and not a control or a format character."""
    return frozenset(
        chr(cp)
        for cp in printable_codepoints()
        if unicodedata.category(chr(cp)) not in ("Cc", "Cf", "Cs", "Zl", "Zp")
    ) | frozenset("\t\n")


def printable_text(text: str) -> str:
    """``text`` NFC-normalised, without control characters, and drawable by the font stack.

    Tab and line feed stay; CR and CRLF become line feeds, line and paragraph separators too;
    NUL becomes U+2400 (␀); other C0/C1 controls and DEL are removed, as are bidi overrides;
    a format character (zero-width joiner, soft hyphen…) stays if a font has it; an
    unsupported space becomes a plain space, an unsupported variation selector is dropped,
    and any other character no font has becomes ``[U+XXXX]``.
    """
    text = unicodedata.normalize("NFC", text)
    plain = _plain_chars()
    if plain.issuperset(text):  # the common case, checked at C speed
        return text
    covered = printable_codepoints()
    text = text.replace("\r\n", "\n")
    out: list[str] = []
    for char in text:
        if char in plain:
            out.append(char)
            continue
        point = ord(char)
        category = unicodedata.category(char)
        if point == 0:
            out.append("\u2400")
        elif char == "\r" or category in ("Zl", "Zp"):
            out.append("\n")
        elif category == "Cc" or point in _BIDI_CONTROLS:
            continue
        elif category == "Cf":
            if point in covered:
                out.append(char)
        elif category == "Zs" or char.isspace():
            out.append(" ")
        elif 0xFE00 <= point <= 0xFE0F or 0xE0100 <= point <= 0xE01EF:
            continue  # a variation selector only picks a style: without a font, the default
        else:
            out.append(PLACEHOLDER.format(point))
    return "".join(out)


def printable(value: Any, *, keep: frozenset[str] = frozenset({"path"})) -> Any:
    """``printable_text`` applied to every string in ``value`` (dict keys included), except
    the values of keys in ``keep`` (file paths must stay as they are)."""
    if isinstance(value, str):
        return printable_text(value)
    if isinstance(value, Mapping):
        return {
            (printable_text(key) if isinstance(key, str) else key): (
                item if key in keep else printable(item, keep=keep)
            )
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [printable(item, keep=keep) for item in value]
    return value
