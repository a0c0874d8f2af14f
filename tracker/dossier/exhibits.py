"""Reading exhibits from the vault and turning them into bundle pages.

Every exhibit is re-hashed at build time; a file that is missing or whose SHA-256 or size no
longer matches the record stops the build (``ExhibitIntegrityError``): the dossier must never
present bytes other than those received.

- PDFs are appended page by page (their script actions are dropped).
- JPEG files are placed on an A4 page as they are (no re-encoding); PNG files are decoded and
  stored losslessly (16-bit samples scaled to 8, the first frame of an animation). EXIF
  rotation is honoured.
- Data and text exhibits are printed (``printable.py``): CSV and XLSX as tables (first rows,
  row count, totals, every sheet named), text, JSON, e-mail (headers and body) and HWP, HWPX
  and DOCX as their text. Their pages are a part of their own (``print:<anchor>``), rendered
  and cached like the body's parts.
- Anything else (archives, programs, HWP 3…), and files that cannot be opened, get a generated
  description page (``templates/dossier/_exhibit_note.html``). So do images too large to draw:
  their size is read from the file header, before any pixel is decoded, so a 600-byte file
  claiming 64,250 × 64,250 pixels (a decompression bomb) costs nothing. The original file is
  attached to the PDF in every case.

Everything that can fail on a file from outside is tried here, when the exhibit is loaded,
so that the final pass (``assemble.py``) only places what is known to work: a file that turns
out unreadable gets its description page, and no file can stop a dossier.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name
from PIL import Image, ImageFile

from .errors import ExhibitIntegrityError
from .glyphs import printable_text
from .printable import DEFAULT_LIMITS, Printed, PrintLimits, extract

MM = 72 / 25.4
A4 = (595.2756, 841.8898)
#: Room kept free around a placed image: the label stamp above, the footer below.
IMAGE_MARGINS = {"top": 30 * MM, "bottom": 20 * MM, "left": 15 * MM, "right": 15 * MM}
_RISKY_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/ResetForm"}
#: A JPEG is placed as it is, not decoded here, but every reader of the PDF decodes it: above
#: this (80 MP, beyond any camera's default) a page would take a viewer minutes or all its
#: memory. It stays under Pillow's own bomb warning (89 MP).
MAX_PLACED_PIXELS = 80_000_000
#: Images that are decoded here (PNG; JPEGs of unusual kinds) hold 4 bytes a pixel in memory.
MAX_DECODED_PIXELS = 50_000_000
_PNG = b"\x89PNG\r\n\x1a\n"
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclasses.dataclass
class PreparedImage:
    """An image checked and turned into what its PDF image XObject holds."""

    data: bytes  # the JPEG as it is (DCTDecode) or zlib-compressed 8-bit samples (FlateDecode)
    width: int
    height: int
    colour: str  # "/DeviceRGB", "/DeviceGray" or "/DeviceCMYK"
    jpeg: bool
    orientation: int = 1  # EXIF orientation
    adobe_cmyk: bool = False  # inverted CMYK (Adobe APP14), as Photoshop writes it
    alpha: bytes | None = None  # zlib-compressed 8-bit soft mask


@dataclasses.dataclass
class ExhibitFile:
    """One exhibit's verified bytes and how it goes into the bundle."""

    exhibit: dict[str, Any]
    data: bytes
    kind: str  # "pdf", "jpeg", "png", "table", "text" (printed pages) or "note"
    reason: str | None = None  # why a PDF or image fell back to a description page
    page_count: int = 1
    image: PreparedImage | None = None
    pixels: tuple[int, int] | None = None  # an image's width and height, from its header
    too_large: bool = False  # an image not drawn because of its size (``pixels`` says it)
    printed: Printed | None = None  # what a data or text exhibit prints (kind table / text)


def load_exhibit(exhibit: dict[str, Any], *, limits: PrintLimits = DEFAULT_LIMITS) -> ExhibitFile:
    """Read and verify one exhibit, and decide how it will be shown.

    ``limits`` say how much of a data or text exhibit is printed.

    Raises ``ExhibitIntegrityError`` only for a missing or changed file; a file that cannot be
    shown for any other reason gets a description page.
    """
    path = Path(exhibit["path"])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExhibitIntegrityError(
            f"{exhibit['label']}: stored file cannot be read ({exc.strerror})"
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != exhibit["sha256"].lower():
        raise ExhibitIntegrityError(
            f"{exhibit['label']}: SHA-256 of the stored file is {digest}, "
            f"the record says {exhibit['sha256']}"
        )
    if isinstance(exhibit.get("size"), int) and exhibit["size"] != len(data):
        raise ExhibitIntegrityError(
            f"{exhibit['label']}: stored file has {len(data)} bytes, the record says "
            f"{exhibit['size']}"
        )
    try:
        return _classify(exhibit, data, limits)
    except Exception as exc:  # noqa: BLE001 - any file from outside: describe it, never crash
        return ExhibitFile(exhibit, data, "note", reason=_short(exc))


def _classify(exhibit: dict[str, Any], data: bytes, limits: PrintLimits) -> ExhibitFile:
    head = data[:1024]
    if b"%PDF-" in head:
        return _pdf(exhibit, data)
    if data.startswith(b"\xff\xd8\xff") or data.startswith(_PNG):
        kind = "jpeg" if data.startswith(b"\xff\xd8") else "png"
        size = image_size(data)
        if size is None or 0 in size:
            return ExhibitFile(exhibit, data, "note", reason="no image size in the file header")
        width, height = size
        limit = MAX_PLACED_PIXELS if kind == "jpeg" else MAX_DECODED_PIXELS
        if width * height > limit:
            return ExhibitFile(exhibit, data, "note", pixels=size, too_large=True)
        prepared = _prepare_image(data, kind, size)
        if prepared is None:  # a JPEG that has to be decoded, and is too large for that
            return ExhibitFile(exhibit, data, "note", pixels=size, too_large=True)
        return ExhibitFile(exhibit, data, kind, image=prepared, pixels=size)
    printed = extract(data, filename=str(exhibit.get("filename") or ""), limits=limits)
    if printed is not None:
        return ExhibitFile(exhibit, data, printed.kind, printed=printed)
    return ExhibitFile(exhibit, data, "note")


def _pdf(exhibit: dict[str, Any], data: bytes) -> ExhibitFile:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            count = len(pdf.pages)
            for page in pdf.pages:  # what the final pass reads of every page must be there
                [float(v) for v in (page.obj.get("/CropBox") or page.mediabox)]
                int(page.obj.get("/Rotate", 0))
    except (pikepdf.PdfError, pikepdf.PasswordError) as exc:
        return ExhibitFile(exhibit, data, "note", reason=_short(exc))
    if count == 0:
        return ExhibitFile(exhibit, data, "note", reason="PDF without pages")
    return ExhibitFile(exhibit, data, "pdf", page_count=count)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR or a JPEG's frame header, without decoding."""
    if data.startswith(_PNG):
        if len(data) >= 24 and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
        elif marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # no length field
            at += 2
        elif marker in (0xD9, 0xDA):  # end of image, start of scan: no frame header before
            return None
        elif marker in _SOF:
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        else:
            at += 2 + struct.unpack(">H", data[at + 2 : at + 4])[0]
    return None


def _orientation(image: Image.Image) -> int:
    try:
        value = int(image.getexif().get(0x0112, 1))
    except (ValueError, TypeError, SyntaxError, OSError, struct.error):
        return 1
    return value if 1 <= value <= 8 else 1


@contextlib.contextmanager
def _strict_decoding() -> Iterator[None]:
    """Make Pillow raise on a truncated file. WeasyPrint, once imported, sets
    ``LOAD_TRUNCATED_IMAGES`` for the whole process, and a cut-off photo would then be drawn
    with its missing part grey, as if that were the evidence."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _prepare_image(data: bytes, kind: str, size: tuple[int, int]) -> PreparedImage | None:
    """Check that the image decodes and build its XObject data; None if it would have to be
    decoded and is too large for that."""
    width, height = size
    with _strict_decoding(), Image.open(io.BytesIO(data)) as image:
        if image.size != size:
            raise ValueError(f"header says {size[0]}×{size[1]}, decoder {image.size}")
        # Pixels are decoded before anything else is read: reading the EXIF of a PNG decodes
        # it too, and swallowing that first failure would leave a half-decoded image.
        if kind == "jpeg" and image.mode in ("L", "RGB", "CMYK") and image.bits == 8:
            colour = {"L": "/DeviceGray", "RGB": "/DeviceRGB", "CMYK": "/DeviceCMYK"}
            adobe = image.mode == "CMYK" and "adobe" in image.info
            mode = image.mode
            # Decode the whole scan at 1/8 scale (cheap) so a truncated or corrupt JPEG gets a
            # description page instead of a broken picture.
            image.draft(mode, (max(1, width // 8), max(1, height // 8)))
            image.load()
            orientation = _orientation(image)
            return PreparedImage(data, width, height, colour[mode], True, orientation, adobe)
        if width * height > MAX_DECODED_PIXELS:
            return None
        image.seek(0)  # an animation: its first frame
        image.load()
        return _lossless(image, _orientation(image))


def _lossless(image: Image.Image, orientation: int) -> PreparedImage:
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit (or 32-bit) grey: scale to 8 bits; convert() would clip everything above 255
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif image.mode == "F":
        image = image.point(lambda value: value * 255).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    gray = image.mode in ("1", "L", "LA", "La") and "transparency" not in image.info
    if has_alpha:
        rgba = image.convert("LA" if gray else "RGBA")
        alpha = zlib.compress(rgba.getchannel("A").tobytes(), 6)
        base = rgba.convert("L" if gray else "RGB")
    else:
        alpha = None
        base = image.convert("L" if gray else "RGB")
    return PreparedImage(
        zlib.compress(base.tobytes(), 6),
        base.width,
        base.height,
        "/DeviceGray" if gray else "/DeviceRGB",
        False,
        orientation,
        alpha=alpha,
    )


def _short(exc: BaseException) -> str:
    """A short, stable reason: the same file gives the same words (no memory addresses, which
    some decoders print, so the page, and the PDF, stay byte-identical between builds)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"<[^<>]* at 0x[0-9a-fA-F]+>", "the file", text)
    return printable_text(re.sub(r"0x[0-9a-fA-F]{6,}", "…", text))[:160]


def sanitize_page(page: pikepdf.Page) -> None:
    """Drop page-open scripts and annotations that run code, launch files or submit forms."""
    if "/AA" in page.obj:
        del page.obj["/AA"]
    annots = page.obj.get("/Annots")
    if annots is None:
        return
    kept = Array()
    for annot in annots:
        action = annot.get("/A") if isinstance(annot, Dictionary) else None
        if action is not None and str(action.get("/S", "")) in _RISKY_ACTIONS:
            continue
        if isinstance(annot, Dictionary) and "/AA" in annot:
            del annot["/AA"]
        kept.append(annot)
    page.obj.Annots = kept


def _image_xobject(pdf: pikepdf.Pdf, item: ExhibitFile) -> tuple[pikepdf.Stream, int, int, int]:
    """The image as a PDF XObject, its pixel size and its EXIF orientation."""
    prepared = item.image
    if prepared is None:  # an ExhibitFile made without load_exhibit: prepare it now
        size = image_size(item.data)
        prepared = _prepare_image(item.data, item.kind, size) if size else None
        if prepared is None:
            raise ValueError(f"{item.exhibit.get('label')}: not an image that can be drawn")
    stream = pdf.make_stream(
        prepared.data,
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=prepared.width,
        Height=prepared.height,
        ColorSpace=Name(prepared.colour),
        BitsPerComponent=8,
        Filter=Name.DCTDecode if prepared.jpeg else Name.FlateDecode,
    )
    if prepared.adobe_cmyk:
        stream.Decode = Array([1, 0] * 4)
    if prepared.alpha is not None:
        stream.SMask = pdf.make_stream(
            prepared.alpha,
            Type=Name.XObject,
            Subtype=Name.Image,
            Width=prepared.width,
            Height=prepared.height,
            ColorSpace=Name.DeviceGray,
            BitsPerComponent=8,
            Filter=Name.FlateDecode,
        )
    return stream, prepared.width, prepared.height, prepared.orientation


def image_page(pdf: pikepdf.Pdf, item: ExhibitFile) -> pikepdf.Page:
    """An A4 page (landscape for wide images) with the image fitted inside the margins."""
    xobject, px_w, px_h, orientation = _image_xobject(pdf, item)
    turned = orientation in (5, 6, 7, 8)
    shown_w, shown_h = (px_h, px_w) if turned else (px_w, px_h)
    page_w, page_h = A4 if shown_h >= shown_w else (A4[1], A4[0])
    box_w = page_w - IMAGE_MARGINS["left"] - IMAGE_MARGINS["right"]
    box_h = page_h - IMAGE_MARGINS["top"] - IMAGE_MARGINS["bottom"]
    scale = min(box_w / shown_w, box_h / shown_h)
    w, h = shown_w * scale, shown_h * scale
    x = IMAGE_MARGINS["left"] + (box_w - w) / 2
    y = IMAGE_MARGINS["bottom"] + (box_h - h) / 2
    if orientation in (3, 4):
        matrix = (-w, 0, 0, -h, x + w, y + h)
    elif orientation in (5, 6):
        matrix = (0, -h, w, 0, x, y + h)
    elif orientation in (7, 8):
        matrix = (0, h, -w, 0, x + w, y)
    else:
        matrix = (w, 0, 0, h, x, y)
    ops = "q {:.4f} {:.4f} {:.4f} {:.4f} {:.4f} {:.4f} cm /TrkImage Do Q\n".format(*matrix)
    page = Dictionary(
        Type=Name.Page,
        MediaBox=Array([0, 0, round(page_w, 4), round(page_h, 4)]),
        Resources=Dictionary(XObject=Dictionary(TrkImage=xobject)),
        Contents=pdf.make_stream(ops.encode("ascii")),
    )
    return pikepdf.Page(page)
