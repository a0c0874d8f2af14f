"""Word boxes of PDF pages, as poppler's text extraction sees them (pdfminer is not installed).

``pdftotext -bbox-layout`` gives every word with its box (font ascent to descent, in points
from the top-left of the page's visible box). Poppler ends a word where the next glyph starts
more than 0.2 em before the word's end, so text printed over other text shows up as two words
whose boxes overlap: a weekday spilling out of its cell into the next one, a stamp drawn on an
exhibit's own text.
"""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path
from xml.etree import ElementTree

_XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclasses.dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float  # top
    x1: float
    y1: float  # bottom
    line: int  # poppler's line number on the page: words of one line share it

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclasses.dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    words: list[Word]
    lines: list[list[Word]]


def pages(
    pdf: Path | bytes,
    *,
    first: int | None = None,
    last: int | None = None,
    cropbox: bool = False,
) -> list[Page]:
    """Every page's words and lines (``first``/``last``: 1-based page range; ``cropbox``:
    measured from the visible box, not the media box, which poppler uses by default)."""
    args = ["pdftotext", "-bbox-layout", "-enc", "UTF-8", *(["-cropbox"] if cropbox else [])]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    if isinstance(pdf, bytes):
        out = subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True)
    else:
        out = subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True)
    root = ElementTree.fromstring(out.stdout)  # noqa: S314 - poppler output of our own PDFs
    result = []
    for number, page in enumerate(root.iter(_XHTML + "page"), start=first or 1):
        words: list[Word] = []
        lines: list[list[Word]] = []
        for line in page.iter(_XHTML + "line"):
            members = [
                Word(
                    w.text or "",
                    float(w.get("xMin")),
                    float(w.get("yMin")),
                    float(w.get("xMax")),
                    float(w.get("yMax")),
                    len(lines),
                )
                for w in line.iter(_XHTML + "word")
            ]
            lines.append(members)
            words += members
        result.append(
            Page(number, float(page.get("width")), float(page.get("height")), words, lines)
        )
    return result


def overlaps(words: list[Word], *, slack: float = 0.3) -> list[tuple[Word, Word]]:
    """Pairs of words whose boxes overlap: by more than ``slack`` points across, and by more
    than a quarter of the smaller box's height (lines set tightly touch, they do not cover
    each other)."""
    found = []
    ordered = sorted(words, key=lambda w: (w.x0, w.y0))
    for index, a in enumerate(ordered):
        for b in ordered[index + 1 :]:
            if b.x0 >= a.x1 - slack:
                break
            across = min(a.x1, b.x1) - max(a.x0, b.x0)
            down = min(a.y1, b.y1) - max(a.y0, b.y0)
            if across > slack and down > min(a.height, b.height) * 0.25:
                found.append((a, b))
    return found


def describe(pairs: list[tuple[Word, Word]]) -> str:
    return "; ".join(
        f"{a.text!r}@({a.x0:.1f},{a.y0:.1f}) over {b.text!r}@({b.x0:.1f},{b.y0:.1f})"
        for a, b in pairs[:10]
    )
