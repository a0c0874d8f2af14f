"""Text drawn straight into PDF content streams: footers, exhibit labels, page numbers.

This is the cheap final pass. A subset of NanumGothic holding only the characters the stamps
need is embedded once as a Type0/CIDFontType2 font with a ToUnicode map (so the stamped text
can be searched and extracted), and every page gets one small content stream appended. A
character NanumGothic lacks (a matter reference with "ř" or "这") is drawn from the next font
of the stack that has it (``StampFontSet``), each such font embedded as its own small subset. For a
900-page bundle this takes a fraction of a second, where laying out a footer document with
WeasyPrint takes seconds.

Coordinates given to ``Canvas`` are in the page's *displayed* space (origin bottom-left of the
visible box, after ``/Rotate``), so stamps sit upright on rotated or cropped exhibit pages.

A stamp never covers an exhibit: before stamping, ``fit_between_bands`` shrinks each page of a
PDF exhibit (uniformly, centred, keeping its aspect ratio) so that a band at the top (the label)
and one at the bottom (the footer) hold none of its content. This is done on the page's content
stream and annotation rectangles only; the exhibit's own objects stay as they are, and the
original file is attached unchanged. Drawing on blank areas instead would mean rasterising every
page to find them; the scale is cheap and the same input always gives the same page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from collections.abc import Iterable
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name

from .errors import MissingGlyph
from .glyphs import font_cmap


class StampFont:
    """A subset of a TrueType font embedded in ``pdf``; encodes and measures text."""

    def __init__(self, pdf: pikepdf.Pdf, path: Path, chars: Iterable[str]) -> None:
        font = TTFont(path, recalcTimestamp=False, recalcBBoxes=False)
        available = font.getBestCmap()
        space = {0x20} if 0x20 in available else set()  # fallback subsets may have none
        wanted = sorted({ord(c) for c in chars if not c.isspace()} | space)
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


class StampFontSet:
    """The fonts of a stack that some stamped character needs, each a ``StampFont`` subset.

    Every character goes to the first font that has it; one that none has is drawn as the
    first font's .notdef (``printable_text`` keeps such characters out of the stamps).
    """

    def __init__(self, pdf: pikepdf.Pdf, paths: Iterable[Path], chars: Iterable[str]) -> None:
        paths = list(paths)
        wanted = {c for c in chars if not c.isspace()}
        chosen: dict[int, set[str]] = {0: {" "}}  # spaces: always the first font's
        self._face_of: dict[str, int] = {}
        for char in sorted(wanted):
            index = next((i for i, p in enumerate(paths) if ord(char) in font_cmap(p)), 0)
            chosen.setdefault(index, set()).add(char)
        order = sorted(chosen)
        self.faces: list[StampFont] = []
        for position, index in enumerate(order):
            own = {c for c in chosen.get(index, ()) if ord(c) in font_cmap(paths[index])}
            self.faces.append(StampFont(pdf, paths[index], own))
            for char in chosen.get(index, ()):
                self._face_of[char] = position

    def runs(self, text: str) -> list[tuple[int, str]]:
        """``text`` cut into runs drawn by the same face: ``(face index, run)``."""
        runs: list[tuple[int, str]] = []
        for char in text:
            face = self._face_of.get(" " if char.isspace() else char, 0)
            if runs and runs[-1][0] == face:
                runs[-1] = (face, runs[-1][1] + char)
            else:
                runs.append((face, char))
        return runs

    def width(self, text: str, size: float) -> float:
        return sum(self.faces[face].width(run, size) for face, run in self.runs(text))


class Canvas:
    """Collects drawing operators for one page; ``stream()`` returns them as bytes."""

    def __init__(self, fonts: dict[str, StampFontSet]) -> None:
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
        faces = self.fonts[font]
        width = faces.width(text, size)
        if align == "right":
            x -= width
        elif align == "center":
            x -= width / 2
        # One text object: each Tj moves the pen by its run's widths, so runs in different
        # fonts follow each other.
        shown = " ".join(
            f"/TrkStamp{font}{face} {size:.2f} Tf <{faces.faces[face].encode(run)}> Tj"
            for face, run in faces.runs(text)
        )
        self.ops.append(f"BT {gray:.3f} g {x:.2f} {y:.2f} Td {shown} ET")

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


def _visible_box(page: pikepdf.Page) -> tuple[float, float, float, float]:
    box = [float(v) for v in (page.obj.get("/CropBox") or page.mediabox)]
    return (
        min(box[0], box[2]),
        min(box[1], box[3]),
        max(box[0], box[2]),
        max(box[1], box[3]),
    )


def _rotation(page: pikepdf.Page) -> int:
    # /Rotate must be a multiple of 90; anything else is read as the multiple below it
    return int(page.obj.get("/Rotate", 0)) // 90 * 90 % 360


def _displayed(box: tuple[float, float, float, float], rotate: int) -> tuple[float, float, tuple]:
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    if rotate == 90:
        return height, width, (0, 1, -1, 0, x1, y0)
    if rotate == 180:
        return width, height, (-1, 0, 0, -1, x1, y1)
    if rotate == 270:
        return height, width, (0, -1, 1, 0, x0, y1)
    return width, height, (1, 0, 0, 1, x0, y0)


def displayed_box(page: pikepdf.Page) -> tuple[float, float, tuple]:
    """Displayed width and height of ``page`` and the matrix from displayed to user space."""
    return _displayed(_visible_box(page), _rotation(page))


Matrix = tuple[float, float, float, float, float, float]


def _then(first: Matrix, second: Matrix) -> Matrix:
    """The PDF matrix that applies ``first``, then ``second`` (row vectors, as ``cm`` does)."""
    a, b, c, d, e, f = first
    A, B, C, D, E, F = second  # noqa: N806 - the usual names of a PDF matrix
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _inverse(matrix: Matrix) -> Matrix:
    a, b, c, d, e, f = matrix
    det = a * d - b * c
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def _point(matrix: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where a page's content goes on its stamped page, in displayed points."""

    width: float  # of the stamped page
    height: float
    scale: float
    left: float  # of the content's visible box on the stamped page
    bottom: float


def placement(
    width: float,
    height: float,
    *,
    top: float,
    bottom: float,
    minimum: tuple[float, float],
) -> Placement:
    """Fit a ``width`` × ``height`` page between a ``top`` and a ``bottom`` band.

    The page keeps its size (an A4 page stays A4 and is shrunk, about 0.9 for bands of 29 mm)
    unless it is well under ``minimum`` (portrait; turned for a landscape page) in a direction:
    a receipt or a card is put unscaled, centred, on a page of that size, so that the footer
    has room and nothing is shrunk to nothing.
    """
    least_w, least_h = minimum if height >= width else (minimum[1], minimum[0])
    page_w = least_w if width < 0.9 * least_w else width
    page_h = least_h if height < 0.9 * least_h else height
    scale = min(1.0, page_w / width, (page_h - top - bottom) / height)
    left = (page_w - width * scale) / 2
    low = bottom + (page_h - top - bottom - height * scale) / 2
    return Placement(page_w, page_h, scale, left, low)


def fit_between_bands(
    page: pikepdf.Page,
    *,
    top: float,
    bottom: float,
    minimum: tuple[float, float],
    moved: set[tuple[int, int]] | None = None,
) -> tuple[bytes, Placement | None]:
    """Move ``page``'s content clear of the bands (see ``placement``).

    ``moved`` collects the annotations already moved, for a caller fitting several pages of
    one document: an annotation two pages share must move only once.

    Returns the content that must open the page (``q``, the transformation and a clip to the
    page's old visible box, so nothing outside it shows up in the bands), to be closed by the
    stamp's ``Q``; and where the content went (None: a page without area is left as it is).
    """
    box = _visible_box(page)
    rotate = _rotation(page)
    width, height, to_user = _displayed(box, rotate)
    if width <= 0 or height <= 0:
        return b"q\n", None
    where = placement(width, height, top=top, bottom=bottom, minimum=minimum)
    # The new visible box keeps the old origin and rotation: only its size may grow.
    x0, y0 = box[0], box[1]
    turned = rotate in (90, 270)
    new_box = (
        x0,
        y0,
        x0 + (where.height if turned else where.width),
        y0 + (where.width if turned else where.height),
    )
    _w, _h, new_to_user = _displayed(new_box, rotate)
    move = (where.scale, 0.0, 0.0, where.scale, where.left, where.bottom)
    # old user space -> old displayed -> new displayed -> new user space
    matrix = _then(_then(_inverse(to_user), move), new_to_user)
    rounded = [round(v, 4) for v in new_box]
    page.obj.MediaBox = Array(rounded)
    page.obj.CropBox = Array(rounded)
    for name in ("/BleedBox", "/TrimBox", "/ArtBox"):
        if name in page.obj:
            page.obj[name] = Array([round(v, 4) for v in _moved_rect(matrix, page.obj[name])])
    _move_annotations(page, matrix, set() if moved is None else moved)
    a, b, c, d, e, f = matrix
    clip = f"{box[0]:.4f} {box[1]:.4f} {box[2] - box[0]:.4f} {box[3] - box[1]:.4f} re W n"
    opening = f"q {a:.6f} {b:.6f} {c:.6f} {d:.6f} {e:.4f} {f:.4f} cm {clip}\n"
    return opening.encode("ascii"), where


def _moved_rect(matrix: Matrix, rect: Iterable) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in rect)
    corners = [_point(matrix, x, y) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _move_annotations(page: pikepdf.Page, matrix: Matrix, moved: set[tuple[int, int]]) -> None:
    """Links, notes and form fields follow the content they sit on (their appearance is drawn
    to fit their rectangle, so it shrinks with it)."""
    for annot in page.obj.get("/Annots") or ():
        if not isinstance(annot, Dictionary):
            continue
        if annot.is_indirect:
            if annot.objgen in moved:
                continue
            moved.add(annot.objgen)
        rect = annot.get("/Rect")
        if isinstance(rect, Array) and len(rect) == 4:
            annot.Rect = Array([round(v, 4) for v in _moved_rect(matrix, rect)])
        quads = annot.get("/QuadPoints")
        if isinstance(quads, Array) and len(quads) % 2 == 0:
            values = [float(v) for v in quads]
            moved: list[float] = []
            for i in range(0, len(values), 2):
                moved.extend(round(v, 4) for v in _point(matrix, values[i], values[i + 1]))
            annot.QuadPoints = Array(moved)


def apply(
    pdf: pikepdf.Pdf,
    page: pikepdf.Page,
    canvas: Canvas,
    fonts: dict[str, StampFontSet],
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
    for key, faces in fonts.items():
        for index, face in enumerate(faces.faces):
            font_dict[f"/TrkStamp{key}{index}"] = face.font
    page.contents_add(opening, prepend=True)
    page.contents_add(pdf.make_stream(canvas.stream(matrix)), prepend=False)
