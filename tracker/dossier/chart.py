"""Horizontal bar charts as inline SVG markup, built in Python.

All user text (group and series names) goes through ``xml.sax.saxutils.escape``; every other
value written into the markup is a number we computed or a constant, so the returned
``Markup`` can be placed in an autoescaped template without opening an injection path.

Text is measured with the advance widths of the fonts it prints in (NanumGothic, then the
first fallback of the stack that has the character), so the legend wraps onto as many rows as
it needs and no name is cut off: a series name is shortened only when it is wider than the
whole chart, a group name wraps onto a second line before it is shortened.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from markupsafe import Markup

from .glyphs import css_font_family, stack_for

#: The whole font stack, so a metric named in Czech or Chinese draws like the text around it.
FONT_FAMILY = css_font_family(quote="'")
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6")

_WIDTH = 640
_FONT = 10  # labels and legend
_VALUE_FONT = 8
_BAR = 11
_GAP = 9
_LINE = 12  # height of one line of a group label
_SWATCH = 10
_LEGEND_ROW = 16
_LEGEND_SPACING = 16  # between one legend entry and the next
_LABEL_MAX = 250  # widest group-label column; longer names wrap onto a second line
_LABEL_PAD = 8
_VALUE_PAD = 4


@functools.cache
def _advances(path: Path) -> tuple[dict[int, float], float]:
    """Advance widths (in em) of one font file, by code point; and its em of a space."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    upm = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {code: metrics[name][0] / upm for code, name in font.getBestCmap().items()}
    font.close()
    return widths, widths.get(0x20, 0.3)


@functools.cache
def _char_em(char: str) -> float:
    code = ord(char)
    for path in stack_for("regular"):
        widths, _space = _advances(path)
        if code in widths:
            return widths[code]
    # No font has it (printable_text replaced such characters already): a fair guess.
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.6


def text_width(text: str, size: float = _FONT) -> float:
    """Width of ``text`` at ``size`` in the chart's units, as the dossier's fonts draw it."""
    return sum(_char_em(char) for char in text) * size


def _fit(text: str, width: float, size: float = _FONT) -> str:
    """``text`` shortened with "…" until it fits ``width`` (unchanged when it fits)."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _wrap(text: str, width: float, lines: int = 2) -> list[str]:
    """``text`` broken between words into at most ``lines`` lines of ``width``; the last one
    shortened with "…" if the text still does not fit."""
    words = text.split(" ")
    out: list[str] = []
    current = ""
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if not current or text_width(candidate) <= width:
            current = candidate
            continue
        out.append(current)
        current = word
        if len(out) == lines - 1:
            current = " ".join(words[index:])
            break
    out.append(current)
    return [_fit(line, width) for line in out[:lines]]


def _number(value: int, signed: bool) -> str:
    if not signed:
        return f"{value:,}"
    return f"{value:+,}" if value else "0"


def _legend(series: Sequence[str], left: float) -> tuple[list[str], float]:
    """Legend entries flowed into rows from ``left``; returns the markup and its height."""
    out = []
    x, row = left, 0
    room = _WIDTH - left
    for index, name in enumerate(series):
        label = _fit(name, room - _SWATCH - 4)
        entry = _SWATCH + 4 + text_width(label)
        if x > left and x + entry > _WIDTH:
            x, row = left, row + 1
        y = 4 + row * _LEGEND_ROW
        colour = PALETTE[index % len(PALETTE)]
        out.append(
            f'<rect x="{x:.1f}" y="{y}" width="{_SWATCH}" height="{_SWATCH}" fill="{colour}"/>'
        )
        out.append(f'<text x="{x + _SWATCH + 4:.1f}" y="{y + 9}">{escape(label)}</text>')
        x += entry + _LEGEND_SPACING
    return out, (row + 1) * _LEGEND_ROW + 6


def bar_chart(
    groups: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[int | None]],
    *,
    title: str,
    signed: bool = True,
) -> Markup:
    """A chart with one row per group and one bar per series; ``values[g][s]`` may be None.

    Negative values extend left of the zero line. ``signed`` prints values as differences
    (+1,000 / -1,000); counts use ``signed=False``. ``title`` is the SVG's accessible name.
    Every legend entry is shown whole (rows wrap); group names wrap onto two lines.
    """
    numbers = [v for row in values for v in row if v is not None]
    low = min([0, *numbers])
    high = max([0, *numbers])
    span = (high - low) or 1
    label_lines = [
        _wrap(group, _LABEL_MAX) if text_width(group) > _LABEL_MAX else [group] for group in groups
    ]
    label_width = max([text_width(line) for lines in label_lines for line in lines] or [0])
    label_right = min(label_width, _LABEL_MAX) + _LABEL_PAD
    value_texts = [_number(v, signed) for v in numbers]
    negative_room = max(
        [text_width(_number(v, signed), _VALUE_FONT) + _VALUE_PAD for v in numbers if v < 0] or [0]
    )
    value_room = (
        max([text_width(t, _VALUE_FONT) + _VALUE_PAD for t in value_texts] or [0]) + _VALUE_PAD
    )
    plot_left = label_right + negative_room
    plot_width = max(_WIDTH - plot_left - value_room, 40)
    zero_x = plot_left + plot_width * (-low) / span
    legend, legend_height = _legend(series, plot_left if plot_left < _WIDTH / 2 else 0)
    bars_height = len(series) * _BAR
    heights = [max(bars_height, len(lines) * _LINE) + _GAP for lines in label_lines]
    height = legend_height + sum(heights) + 8

    def x_of(value: int) -> float:
        return plot_left + plot_width * (value - low) / span

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" font-family="{FONT_FAMILY}" font-size="{_FONT}" '
        'role="img">',
        f"<title>{escape(title)}</title>",
        *legend,
    ]
    top = legend_height
    for g_index, lines in enumerate(label_lines):
        bars_top = top + (heights[g_index] - _GAP - bars_height) / 2
        first_y = top + (heights[g_index] - _GAP - len(lines) * _LINE) / 2 + _LINE - 3
        for l_index, line in enumerate(lines):
            out.append(
                f'<text x="{label_right - _LABEL_PAD:.1f}" y="{first_y + l_index * _LINE:.1f}" '
                f'text-anchor="end">{escape(line)}</text>'
            )
        for s_index, _name in enumerate(series):
            value = values[g_index][s_index]
            y = bars_top + s_index * _BAR
            if value is None:
                out.append(
                    f'<text x="{zero_x + 3:.1f}" y="{y + _BAR - 2:.1f}" fill="#777" '
                    f'font-size="{_VALUE_FONT}">—</text>'
                )
                continue
            left, right = sorted((zero_x, x_of(value)))
            colour = PALETTE[s_index % len(PALETTE)]
            out.append(
                f'<rect x="{left:.1f}" y="{y:.1f}" width="{max(right - left, 0.8):.1f}" '
                f'height="{_BAR - 2}" fill="{colour}"/>'
            )
            if value < 0:
                where = f'x="{left - 3:.1f}" text-anchor="end"'
            else:
                where = f'x="{right + 3:.1f}"'
            out.append(
                f'<text {where} y="{y + _BAR - 2:.1f}" font-size="{_VALUE_FONT}">'
                f"{escape(_number(value, signed))}</text>"
            )
        top += heights[g_index]
    out.append(
        f'<line x1="{zero_x:.1f}" y1="{legend_height - 2}" x2="{zero_x:.1f}" y2="{top}" '
        'stroke="#333" stroke-width="0.8"/>'
    )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every user string above went through escape()
