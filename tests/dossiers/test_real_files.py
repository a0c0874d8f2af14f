"""Real files and real user text never break a dossier (issue 9, point 3).

Everything goes in through the services as a user would put it there (upload, label, fact),
the dossier is built by the same ``request_build`` + ``run_build`` the worker runs, and the
checks read the PDF that lands in the vault.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import zlib
from datetime import UTC, date, datetime
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from sqlmodel import select

from tests.evidence_helpers import pdf_bytes
from tests.factories import make_matter, make_user
from tracker.models import Dossier
from tracker.services import dossiers, evidence, records

pytestmark = pytest.mark.xdist_group("dossier")

AT = datetime(2022, 3, 2, 0, 0, tzinfo=UTC)


# -- files as they come from cameras, scanners and attackers ----------------------------------


def jpeg(size=(64, 48), mode="RGB", colour=(180, 40, 40), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format="JPEG", **save)
    return out.getvalue()


def jpeg_claiming(width: int, height: int) -> bytes:
    """A tiny, otherwise valid JPEG whose frame header (SOF0) claims ``width`` × ``height``:
    a decompression bomb in 600 bytes."""
    data = bytearray(jpeg((16, 16)))
    at = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose IHDR (with a correct CRC) claims ``width`` × ``height``."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" + b"\x80" * 3 * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def png(image: Image.Image, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **save)
    return out.getvalue()


def png_16bit_gray(level: int) -> bytes:
    """A 16-bit greyscale PNG, every sample ``level`` (0–65535)."""
    width, height = 24, 16
    rows = b"".join(b"\x00" + struct.pack(">H", level) * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 16, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def png_16bit_rgb() -> bytes:
    width, height = 20, 10
    pixel = struct.pack(">HHH", 0xC000, 0x4000, 0x2000)
    rows = b"".join(b"\x00" + pixel * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def png_bad_pixels() -> bytes:
    """Every chunk's CRC is right, but the IDAT stream is not zlib: only decoding finds out."""
    ihdr = struct.pack(">IIBBBBB", 30, 30, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", b"this is not a zlib stream" * 4)
        + _chunk(b"IEND", b"")
    )


def apng() -> bytes:
    frames = [Image.new("RGB", (40, 30), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


# -- the matter -----------------------------------------------------------------------------


@pytest.fixture
def owner(session):
    return make_user(session)


@pytest.fixture
def vault(app):
    return app.extensions["tracker.vault"]


def upload(session, vault, owner, matter, name: str, data: bytes):
    [result] = evidence.add_files(
        session=session,
        vault=vault,
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload(name, io.BytesIO(data))],
    )
    assert result.evidence is not None, result.error
    evidence.mark_for_production(
        session=session, actor=owner, matter_id=matter.id, evidence_id=result.evidence.id
    )
    return result.evidence


def build(app, session, owner, matter, *, lang="ko") -> tuple[Dossier, bytes]:
    row = dossiers.request_build(
        session=session, actor=owner, matter_id=matter.id, purpose="civil", lang=lang, at=AT
    )
    dossiers.run_build(
        engine=app.extensions["tracker.engine"],
        vault=app.extensions["tracker.vault"],
        settings=app.config["TRACKER"],
        dossier_id=row.id,
        sign=False,
    )
    session.rollback()
    session.expire_all()
    row = session.get(Dossier, row.id)
    assert row.status == "done", row.error
    path = app.extensions["tracker.vault"].path_hint(row.sha256)
    return row, Path(path).read_bytes()


def page_texts(pdf: bytes, tmp_path: Path, *, raw: bool = False) -> list[str]:
    """Text of each page as pdftotext gives it; ``raw``: in drawing order, so a table cell's
    lines stay together instead of interleaving with the cells beside them."""
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *(["-raw"] if raw else []), str(path), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return text.split("\f")


def exhibit_pages(row: Dossier, pdf: bytes, tmp_path: Path) -> dict[str, str]:
    """Text of each exhibit's first page, by label."""
    texts = page_texts(pdf, tmp_path)
    return {x["label"]: texts[x["start_page"] - 1] for x in json.loads(row.exhibits)}


def first_image(pdf: bytes, page_number: int) -> Image.Image:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        [image] = doc.pages[page_number - 1].images.values()
        return pikepdf.PdfImage(image).as_pil_image().copy()


# -- images -----------------------------------------------------------------------------------


def test_decompression_bombs_get_a_description_page_and_the_build_finishes(
    app, session, owner, vault, tmp_path
):
    matter = make_matter(session, owner, label_scheme="gap")
    upload(session, vault, owner, matter, "scan.pdf", pdf_bytes("normal"))
    upload(session, vault, owner, matter, "huge.jpg", jpeg_claiming(64250, 64250))
    upload(session, vault, owner, matter, "huge.png", png_claiming(100_000, 90_000))
    row, pdf = build(app, session, owner, matter)
    pages = exhibit_pages(row, pdf, tmp_path)
    jpg_page, png_page = pages["갑 제2호증"], pages["갑 제3호증"]
    assert "64,250 × 64,250" in jpg_page and "100,000 × 90,000" in png_page
    for text, name in ((jpg_page, "002_갑제2호증_huge.jpg"), (png_page, "003_갑제3호증_huge.png")):
        assert "너무 커서" in text  # why it is not drawn
        assert name in text.replace("\n", "")  # where the original is
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        attached = {name: spec.get_file().read_bytes() for name, spec in doc.attachments.items()}
        for page in doc.pages:
            for image in page.images.values():
                assert int(image.Width) * int(image.Height) < 50_000_000
    assert attached["002_갑제2호증_huge.jpg"] == jpeg_claiming(64250, 64250)


def test_broken_and_unusual_images_never_break_the_build(app, session, owner, vault, tmp_path):
    matter = make_matter(session, owner, label_scheme="gap")
    whole = jpeg((400, 300))
    files = [
        ("truncated.jpg", whole[: len(whole) // 2]),  # 2: cut off mid-scan
        ("cmyk.jpg", jpeg((60, 40), "CMYK", (0, 200, 200, 0))),  # 3
        ("progressive.jpg", jpeg((60, 40), progressive=True)),  # 4
        ("gray16.png", png_16bit_gray(0x8000)),  # 5
        ("rgb16.png", png_16bit_rgb()),  # 6
        ("animated.png", apng()),  # 7
        ("badpixels.png", png_bad_pixels()),  # 8
        ("palette.png", png(Image.new("P", (30, 20), 3), transparency=3)),  # 9
        ("bilevel.png", png(Image.new("1", (30, 20), 1))),  # 10
        ("gray-alpha.png", png(Image.new("LA", (30, 20), (90, 128)))),  # 11
        ("noise.jpg", b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50),  # 12
    ]
    upload(session, vault, owner, matter, "scan.pdf", pdf_bytes("normal"))
    for name, data in files:
        upload(session, vault, owner, matter, name, data)
    row, pdf = build(app, session, owner, matter)
    pages = exhibit_pages(row, pdf, tmp_path)
    starts = {x["label"]: x["start_page"] for x in json.loads(row.exhibits)}

    def drawn(n: int) -> Image.Image:
        return first_image(pdf, starts[f"갑 제{n}호증"])

    for n in (2, 8, 12):  # unreadable: described, with the reason
        assert "열 수 없어" in pages[f"갑 제{n}호증"], pages[f"갑 제{n}호증"]
    assert drawn(3).size == (60, 40) and drawn(4).size == (60, 40)
    gray = drawn(5).convert("L")
    assert gray.size == (24, 16) and 120 <= gray.getpixel((3, 3)) <= 136  # not clipped to white
    r, g, b = drawn(6).convert("RGB").getpixel((2, 2))
    assert (abs(r - 0xC0) <= 2, abs(g - 0x40) <= 2, abs(b - 0x20) <= 2) == (True, True, True)
    assert drawn(7).convert("RGB").getpixel((5, 5)) == (255, 0, 0)  # the first frame
    for n in (9, 10, 11):
        assert drawn(n).size in ((30, 20),)


# -- text -------------------------------------------------------------------------------------

ODD_TEXT = (
    "웃는 얼굴 😀, Příbram a Brno, perché è così, 这个问题很重要, 日本語のテキスト, "
    "Ωmega Ж, ✓ ① ∑, 𝐁𝐨𝐥𝐝 math"
)


def test_any_user_text_prints_with_fallback_fonts(app, session, owner, vault, tmp_path):
    matter = make_matter(
        session,
        owner,
        label_scheme="gap",
        reference="Příbram-这个-7",
        title="Spor s firmou Příbram 😀",
    )
    records.add_fact(
        session=session,
        actor=owner,
        matter_id=matter.id,
        occurred_on=date(2022, 1, 5),
        text=ODD_TEXT + " bell\x07 esc\x1b[31m c1\x85\x9b end",
    )
    records.add_fact(
        session=session,
        actor=owner,
        matter_id=matter.id,
        occurred_on=date(2022, 1, 6),
        text="private \ue000 and tibetan \u0f40 and unassigned \U0003fffd here",
    )
    upload(session, vault, owner, matter, "scan\x00copy.pdf", pdf_bytes("nul"))
    row, pdf = build(app, session, owner, matter)
    text = "\n".join(page_texts(pdf, tmp_path, raw=True))
    flat = " ".join(text.split())
    dense = "".join(text.split())  # CJK lines wrap between any two characters
    for word in (
        "😀",
        "Příbram",
        "perché",
        "è",
        "这个问题很重要",
        "日本語のテキスト",
        "Ωmega",
        "✓",
    ):
        assert word in dense, word
    assert "scan␀copy.pdf" in dense
    # No control character reaches the page; the ones no shipped font has are shown by name.
    assert not any(ord(c) < 0x20 and c not in "\n\f" for c in text)
    assert "\x85" not in text and "\x9b" not in text and "bell esc[31m c1 end" in flat
    for name in ("[U+E000]", "[U+0F40]", "[U+3FFFD]"):
        assert name in dense
    # The footer (drawn in the final pass) carries the reference with its Czech and Chinese.
    assert "D-Příbram-这个-7-0001" in " ".join(page_texts(pdf, tmp_path)[-2].split())
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        fonts = {}
        for page in doc.pages:
            for font in page.obj.Resources.get("/Font", {}).values():
                name = str(font.BaseFont)
                descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                descriptor = descendant.FontDescriptor
                program = next(
                    descriptor[k]
                    for k in ("/FontFile2", "/FontFile3", "/FontFile")
                    if k in descriptor
                )
                fonts[name] = max(fonts.get(name, 0), len(program.read_bytes()))
    families = {name.split("+", 1)[-1] for name in fonts}
    assert any("Noto" in f and "CJK" in f for f in families), families
    assert any("Emoji" in f for f in families), families
    assert all("+" in name for name in fonts), fonts  # every font is a subset …
    assert max(fonts.values()) < 400_000, fonts  # … a small one, not a 14 MB CJK font


def test_previews_of_odd_text_are_byte_identical(app, session, owner, vault):
    matter = make_matter(session, owner, label_scheme="gap", title="Příbram 😀 这个")
    records.add_fact(
        session=session,
        actor=owner,
        matter_id=matter.id,
        occurred_on=date(2022, 1, 5),
        text=ODD_TEXT,
    )
    upload(session, vault, owner, matter, "huge.jpg", jpeg_claiming(64250, 64250))

    def preview() -> bytes:
        return dossiers.preview(
            session=session,
            vault=vault,
            settings=app.config["TRACKER"],
            actor=owner,
            matter_id=matter.id,
            purpose="civil",
            at=AT,
        )

    first = preview()
    # a cold cache the second time, so the parts are really rendered twice
    for path in (app.config["TRACKER"].instance_dir / "dossier-cache" / "parts").glob("*"):
        path.unlink()
    assert preview() == first


def test_build_of_matter_with_every_assigned_character_finishes(
    app, session, owner, vault, tmp_path
):
    """A sample of every assigned code point (every 37th, all planes) prints somehow."""
    import unicodedata

    sample = [
        chr(cp)
        for cp in range(0x20, 0x32000, 37)
        if unicodedata.category(chr(cp)) not in ("Cs", "Cn")
    ]
    matter = make_matter(session, owner, label_scheme="gap")
    for start in range(0, len(sample), 1500):
        records.add_fact(
            session=session,
            actor=owner,
            matter_id=matter.id,
            occurred_on=date(2022, 1, 1),
            text=" ".join(sample[start : start + 1500]),
        )
    row, pdf = build(app, session, owner, matter)
    assert row.page_count > 2 and session.exec(select(Dossier)).one().status == "done"
