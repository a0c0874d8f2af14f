"""Horizontal bar charts as inline SVG markup, built in Python.

All user text (group and series names) goes through ``xml.sax.saxutils.escape``; every other
value written into the markup is a number we computed or a constant, so the returned
``Markup`` can be placed in an autoescaped template without opening an injection path.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

from .glyphs import css_font_family

#: The whole font stack, so a metric named in Czech or Chinese draws like the text around it.
FONT_FAMILY = css_font_family(quote="'")
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6")

_WIDTH = 640
_LABEL_WIDTH = 210
_VALUE_ROOM = 80
_NEGATIVE_ROOM = 70  # left of the plot, for the value labels of negative bars
_BAR = 11
_GAP = 9
_LEGEND = 22


def _clip(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: int, signed: bool) -> str:
    if not signed:
        return f"{value:,}"
    return f"{value:+,}" if value else "0"


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
    """
    numbers = [v for row in values for v in row if v is not None]
    low = min([0, *numbers])
    high = max([0, *numbers])
    span = (high - low) or 1
    plot_left = _LABEL_WIDTH + (_NEGATIVE_ROOM if low < 0 else 0)
    plot_width = _WIDTH - plot_left - _VALUE_ROOM
    zero_x = plot_left + plot_width * (-low) / span
    row_height = len(series) * _BAR + _GAP
    height = _LEGEND + len(groups) * row_height + 8

    def x_of(value: int) -> float:
        return plot_left + plot_width * (value - low) / span

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" font-family="{FONT_FAMILY}" font-size="10" '
        'role="img">',
        f"<title>{escape(title)}</title>",
    ]
    legend_x = plot_left
    for index, name in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        out.append(f'<rect x="{legend_x}" y="4" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{legend_x + 14}" y="13">{escape(_clip(name, 18))}</text>')
        legend_x += 30 + 9 * min(len(name), 18)
    for g_index, group in enumerate(groups):
        top = _LEGEND + g_index * row_height
        label_y = top + len(series) * _BAR / 2 + 4
        out.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{label_y:.1f}" text-anchor="end">'
            f"{escape(_clip(group))}</text>"
        )
        for s_index, _name in enumerate(series):
            value = values[g_index][s_index]
            y = top + s_index * _BAR
            if value is None:
                out.append(
                    f'<text x="{zero_x + 3:.1f}" y="{y + _BAR - 2}" fill="#777" '
                    'font-size="8">—</text>'
                )
                continue
            left, right = sorted((zero_x, x_of(value)))
            colour = PALETTE[s_index % len(PALETTE)]
            out.append(
                f'<rect x="{left:.1f}" y="{y}" width="{max(right - left, 0.8):.1f}" '
                f'height="{_BAR - 2}" fill="{colour}"/>'
            )
            if value < 0:
                where = f'x="{left - 3:.1f}" text-anchor="end"'
            else:
                where = f'x="{right + 3:.1f}"'
            out.append(
                f'<text {where} y="{y + _BAR - 2}" font-size="8">'
                f"{escape(_number(value, signed))}</text>"
            )
    bottom = _LEGEND + len(groups) * row_height
    out.append(
        f'<line x1="{zero_x:.1f}" y1="{_LEGEND - 2}" x2="{zero_x:.1f}" y2="{bottom}" '
        'stroke="#333" stroke-width="0.8"/>'
    )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every user string above went through escape()
