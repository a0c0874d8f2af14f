"""Which characters the shipped fonts can draw.

The dossier prints with NanumGothic only. A character the font lacks would either come out as
a blank box (.notdef) or be drawn by whatever system font happens to be installed, which makes
the PDF differ between machines. So user text is checked before any layout, and the WeasyPrint
warning is a second line of defence (see ``render.py``).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from fontTools.ttLib import TTFont

from .errors import MissingGlyph
from .fetcher import STATIC_DIR

FONT_DIR = STATIC_DIR / "fonts"
REGULAR_FONT = FONT_DIR / "NanumGothic.ttf"
BOLD_FONT = FONT_DIR / "NanumGothicBold.ttf"

# Characters that never need a glyph: layout whitespace and default-ignorable format marks.
_SKIP_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


@functools.cache
def font_cmap(path: Path) -> frozenset[int]:
    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


@functools.cache
def printable_codepoints() -> frozenset[int]:
    """Code points both the regular and the bold font can draw."""
    return font_cmap(REGULAR_FONT) & font_cmap(BOLD_FONT)


def needs_glyph(char: str) -> bool:
    return not char.isspace() and unicodedata.category(char) not in _SKIP_CATEGORIES


def check_text(items: Iterable[tuple[str, str]]) -> None:
    """Raise ``MissingGlyph`` naming the first fields whose characters the fonts lack."""
    covered = printable_codepoints()
    problems: list[str] = []
    for where, text in items:
        missing = sorted({ch for ch in text if needs_glyph(ch) and ord(ch) not in covered}, key=ord)
        if missing:
            shown = ", ".join(f"U+{ord(ch):04X}" for ch in missing[:5])
            problems.append(f"{where}: {shown}")
            if len(problems) >= 5:
                break
    if problems:
        raise MissingGlyph(
            "the dossier font (NanumGothic) cannot print these characters: " + "; ".join(problems)
        )
