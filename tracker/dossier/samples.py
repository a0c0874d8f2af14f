"""Sample exhibit files for the demo matter: a scanned-letter look-alike PDF and a photo.

Pure file writers (no database): the demo loader (services/demo.py) and the recorded demo of
``dossier/demo.py`` upload what these write, as a user would upload a scan or a photo.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name
from PIL import Image, ImageDraw


def write_pdf_letter(path: Path, *, heading: str, pages: int, seed: int) -> None:
    """A small scanned-letter look-alike (ASCII text, standard font) written with pikepdf."""
    rng = random.Random(seed)
    pdf = pikepdf.Pdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    for number in range(1, pages + 1):
        lines = [f"BT /F1 16 Tf 72 760 Td ({heading} - page {number}) Tj ET"]
        y = 720
        while y > 110:
            words = " ".join(
                rng.choice(
                    [
                        "settlement",
                        "merchant",
                        "data",
                        "transfer",
                        "fee",
                        "balance",
                        "Seoul",
                        "agent",
                        "request",
                        "record",
                        "ledger",
                        "2021-12-31",
                    ]
                )
                for _ in range(rng.randint(6, 11))
            )
            lines.append(f"BT /F1 10 Tf 72 {y} Td ({words}) Tj ET")
            y -= 16
        lines.append("0.6 G 1 w 60 90 475 690 re S")
        page = Dictionary(
            Type=Name.Page,
            MediaBox=Array([0, 0, 595, 842]),
            Resources=Dictionary(Font=Dictionary(F1=font)),
            Contents=pdf.make_stream("\n".join(lines).encode("ascii")),
        )
        pdf.pages.append(pikepdf.Page(page))
    pdf.save(path, deterministic_id=True)


def write_jpeg(path: Path, *, seed: int, size: tuple[int, int] = (480, 360)) -> None:
    rng = random.Random(seed)
    image = Image.new("RGB", size, (235, 235, 228))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        colour = tuple(rng.randrange(60, 200) for _ in range(3))
        draw.rectangle([x, y, x + rng.randrange(20, 140), y + rng.randrange(10, 60)], fill=colour)
    draw.text((12, 12), f"QR payment failure photo #{seed}", fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
