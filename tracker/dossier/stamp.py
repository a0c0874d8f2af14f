"""Text drawn straight into PDF content streams: footers, exhibit labels, page numbers.

This is the cheap final pass. A subset of NanumGothic holding only the characters the stamps
need is embedded once as a Type0/CIDFontType2 font with a ToUnicode map (so the stamped text
can be searched and extracted), and every page gets one small content stream appended. For a
900-page bundle this takes a fraction of a second, where laying out a footer document with
WeasyPrint takes seconds.

Coordinates given to ``Canvas`` are in the page's *displayed* space (origin bottom-left of the
visible box, after ``/Rotate``), so stamps sit upright on rotated or cropped exhibit pages.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name

from .errors import MissingGlyph


class StampFont:
    """A subset of a TrueType font embedded in ``pdf``; encodes and measures text."""

    def __init__(self, pdf: pikepdf.Pdf, path: Path, chars: Iterable[str]) -> None:
        wanted = sorted({ord(c) for c in chars if not c.isspace()} | {0x20})
        font = TTFont(path, recalcTimestamp=False, recalcBBoxes=False)
        available = font.getBestCmap()
        missing = [cp for cp in wanted if cp not in available]
        if missing:
            shown = ", ".join(f"U+{cp:04X}" for cp in missing[:5])
            raise MissingGlyph(f"the stamp font lacks {shown}")
        options = subset.Options()
        options.retain_gids = False
        options.notdef_outline = True
        options.hinting = False
        options.layout_features = []
        options.name_IDs = [1, 2]
        options.drop_tables += ["DSIG", "GSUB", "GPOS", "GDEF", "kern", "TSI0", "TSI1"]
        options.drop_tables += ["TSI2", "TSI3", "TSI5", "vhea", "vmtx"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(font)
        cmap = font.getBestCmap()
        self._gid = {cp: font.getGlyphID(name) for cp, name in cmap.items()}
        scale = 1000 / font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        self._width = {
            gid: round(metrics[font.getGlyphName(gid)][0] * scale) for gid in self._gid.values()
        }
        self.ascent = font["hhea"].ascent * scale
        self.descent = font["hhea"].descent * scale
        buffer = io.BytesIO()
        font.save(buffer)
        program = buffer.getvalue()
        family = font["name"].getDebugName(6) or path.stem
        tag = "".join(
            chr(ord("A") + b % 26) for b in hashlib.sha256(program).digest()[:6]
        )  # subset tag: same glyphs, same name, so output stays deterministic
        base_name = Name("/" + tag + "+" + family.replace(" ", ""))
        head = font["head"]
        descriptor = Dictionary(
            Type=Name.FontDescriptor,
            FontName=base_name,
            Flags=4,
            FontBBox=Array(
                [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
            ),
            ItalicAngle=0,
            Ascent=round(self.ascent),
            Descent=round(self.descent),
            CapHeight=round(self.ascent),
            StemV=80,
            FontFile2=pdf.make_stream(program, Length1=len(program)),
        )
        widths = Array()
        for gid in sorted(self._width):
            widths.extend([gid, Array([self._width[gid]])])
        cid_font = Dictionary(
            Type=Name.Font,
            Subtype=Name.CIDFontType2,
            BaseFont=base_name,
            CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
            FontDescriptor=pdf.make_indirect(descriptor),
            DW=1000,
            W=widths,
            CIDToGIDMap=Name.Identity,
        )
        self.font = pdf.make_indirect(
            Dictionary(
                Type=Name.Font,
                Subtype=Name.Type0,
                BaseFont=base_name,
                Encoding=Name("/Identity-H"),
                DescendantFonts=Array([pdf.make_indirect(cid_font)]),
                ToUnicode=pdf.make_stream(self._to_unicode()),
            )
        )
        font.close()

    def _to_unicode(self) -> bytes:
        entries = sorted((gid, cp) for cp, gid in self._gid.items())
        lines = [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<0000> <FFFF>",
            "endcodespacerange",
        ]
        for start in range(0, len(entries), 100):
            block = entries[start : start + 100]
            lines.append(f"{len(block)} beginbfchar")
            for gid, cp in block:
                utf16 = chr(cp).encode("utf-16-be").hex().upper()
                lines.append(f"<{gid:04X}> <{utf16}>")
            lines.append("endbfchar")
        lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
        return "\n".join(lines).encode("ascii")

    def encode(self, text: str) -> str:
        return "".join(f"{self._gid.get(ord(c), 0):04X}" for c in text)

    def width(self, text: str, size: float) -> float:
        return sum(self._width.get(self._gid.get(ord(c), 0), 1000) for c in text) * size / 1000


class Canvas:
    """Collects drawing operators for one page; ``stream()`` returns them as bytes."""

    def __init__(self, fonts: dict[str, StampFont]) -> None:
        self.fonts = fonts
        self.ops: list[str] = []

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float,
        font: str = "R",
        align: str = "left",
        gray: float = 0.0,
    ) -> None:
        face = self.fonts[font]
        width = face.width(text, size)
        if align == "right":
            x -= width
        elif align == "center":
            x -= width / 2
        self.ops.append(
            f"BT /TrkStamp{font} {size:.2f} Tf {gray:.3f} g {x:.2f} {y:.2f} Td "
            f"<{face.encode(text)}> Tj ET"
        )

    def label_box(self, right: float, top: float, text: str, *, size: float) -> None:
        """A boxed exhibit label whose top-right corner is at (right, top)."""
        face = self.fonts["B"]
        pad_x, pad_y = size * 0.55, size * 0.4
        width = face.width(text, size) + 2 * pad_x
        height = size * 1.25 + 2 * pad_y
        left, bottom = right - width, top - height
        self.ops.append(f"q 1 g 0 G 1.1 w {left:.2f} {bottom:.2f} {width:.2f} {height:.2f} re B Q")
        baseline = bottom + pad_y + size * 0.3
        self.text(left + pad_x, baseline, text, size=size, font="B")

    def stream(self, matrix: tuple[float, float, float, float, float, float]) -> bytes:
        a, b, c, d, e, f = matrix
        body = "\n".join(self.ops)
        return f"Q q {a:g} {b:g} {c:g} {d:g} {e:.3f} {f:.3f} cm\n{body}\nQ\n".encode("ascii")


def displayed_box(page: pikepdf.Page) -> tuple[float, float, tuple]:
    """Displayed width and height of ``page`` and the matrix from displayed to user space."""
    box = [float(v) for v in (page.obj.get("/CropBox") or page.mediabox)]
    x0, y0, x1, y1 = (
        min(box[0], box[2]),
        min(box[1], box[3]),
        max(box[0], box[2]),
        max(box[1], box[3]),
    )
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    width, height = x1 - x0, y1 - y0
    if rotate == 90:
        return height, width, (0, 1, -1, 0, x1, y0)
    if rotate == 180:
        return width, height, (-1, 0, 0, -1, x1, y1)
    if rotate == 270:
        return height, width, (0, -1, 1, 0, x0, y1)
    return width, height, (1, 0, 0, 1, x0, y0)


def apply(
    pdf: pikepdf.Pdf,
    page: pikepdf.Page,
    canvas: Canvas,
    fonts: dict[str, StampFont],
    opening: pikepdf.Object,
) -> None:
    """Wrap the page's own content in q/Q and append the canvas on top of it."""
    _width, _height, matrix = displayed_box(page)
    resources = page.obj.get("/Resources")
    if resources is None:
        resources = page.obj.Resources = Dictionary()
    font_dict = resources.get("/Font")
    if font_dict is None:
        font_dict = resources.Font = Dictionary()
    for key, face in fonts.items():
        font_dict[f"/TrkStamp{key}"] = face.font
    page.contents_add(opening, prepend=True)
    page.contents_add(pdf.make_stream(canvas.stream(matrix)), prepend=False)
