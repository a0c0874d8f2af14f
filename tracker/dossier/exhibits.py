"""Reading exhibits from the vault and turning them into bundle pages.

Every exhibit is re-hashed at build time; a file that is missing or whose SHA-256 or size no
longer matches the record stops the build (``ExhibitIntegrityError``): the dossier must never
present bytes other than those received.

- PDFs are appended page by page (their script actions are dropped).
- JPEG files are placed on an A4 page as they are (no re-encoding); PNG files are decoded and
  stored losslessly. EXIF rotation is honoured.
- Anything else (HWP, XLSX, EML…), and PDFs or images that cannot be opened, get a generated
  description page (``templates/dossier/_exhibit_note.html``). The original file is attached to
  the PDF in every case.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zlib
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name
from PIL import Image, UnidentifiedImageError

from .errors import ExhibitIntegrityError

MM = 72 / 25.4
A4 = (595.2756, 841.8898)
#: Room kept free around a placed image: the label stamp above, the footer below.
IMAGE_MARGINS = {"top": 30 * MM, "bottom": 20 * MM, "left": 15 * MM, "right": 15 * MM}
_RISKY_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/ResetForm"}


@dataclasses.dataclass
class ExhibitFile:
    """One exhibit's verified bytes and how it goes into the bundle."""

    exhibit: dict[str, Any]
    data: bytes
    kind: str  # "pdf", "jpeg", "png" or "note"
    reason: str | None = None  # why a PDF or image fell back to a description page
    page_count: int = 1


def load_exhibit(exhibit: dict[str, Any]) -> ExhibitFile:
    """Read and verify one exhibit, and decide how it will be shown."""
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
    head = data[:1024]
    if b"%PDF-" in head:
        try:
            with pikepdf.open(io.BytesIO(data)) as pdf:
                count = len(pdf.pages)
        except (pikepdf.PdfError, pikepdf.PasswordError) as exc:
            return ExhibitFile(exhibit, data, "note", reason=_short(exc))
        if count == 0:
            return ExhibitFile(exhibit, data, "note", reason="PDF without pages")
        return ExhibitFile(exhibit, data, "pdf", page_count=count)
    if data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "jpeg" if data.startswith(b"\xff\xd8") else "png"
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            return ExhibitFile(exhibit, data, "note", reason=_short(exc))
        return ExhibitFile(exhibit, data, kind)
    return ExhibitFile(exhibit, data, "note")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


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
    with Image.open(io.BytesIO(item.data)) as image:
        orientation = 1
        try:
            orientation = int(image.getexif().get(0x0112, 1))
        except (ValueError, TypeError, SyntaxError):
            orientation = 1
        width, height = image.size
        if item.kind == "jpeg" and image.mode in ("L", "RGB", "CMYK") and image.bits == 8:
            colour = {"L": Name.DeviceGray, "RGB": Name.DeviceRGB, "CMYK": Name.DeviceCMYK}
            stream = pdf.make_stream(
                item.data,
                Type=Name.XObject,
                Subtype=Name.Image,
                Width=width,
                Height=height,
                ColorSpace=colour[image.mode],
                BitsPerComponent=8,
                Filter=Name.DCTDecode,
            )
            if image.mode == "CMYK" and "adobe" in image.info:
                stream.Decode = Array([1, 0] * 4)
            return stream, width, height, orientation
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        rgb = image.convert("RGBA" if has_alpha else "RGB")
    alpha = rgb.getchannel("A") if has_alpha else None
    rgb = rgb.convert("RGB")
    stream = pdf.make_stream(
        zlib.compress(rgb.tobytes(), 6),
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=width,
        Height=height,
        ColorSpace=Name.DeviceRGB,
        BitsPerComponent=8,
        Filter=Name.FlateDecode,
    )
    if alpha is not None:
        stream.SMask = pdf.make_stream(
            zlib.compress(alpha.tobytes(), 6),
            Type=Name.XObject,
            Subtype=Name.Image,
            Width=width,
            Height=height,
            ColorSpace=Name.DeviceGray,
            BitsPerComponent=8,
            Filter=Name.FlateDecode,
        )
    return stream, width, height, orientation


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
