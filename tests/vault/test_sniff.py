"""Sniffing by content: real magic bytes built here, never the client's declared type."""

from __future__ import annotations

import gzip
import io
import random
import zipfile

import pikepdf
import pytest
from PIL import Image

from tracker.vault import sniff
from tracker.vault.sniff import SNIFF_BYTES, sniff_file, sniff_media_type


def pdf_bytes() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def zip_bytes(entries: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "청구 금액"
    out = io.BytesIO()
    workbook.save(out)  # openpyxl writes [Content_Types].xml last
    return out.getvalue()


DOCX = zip_bytes([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])
HWPX = zip_bytes([("mimetype", b"application/hwp+zip"), ("Contents/section0.xml", b"<x/>")], True)
ODT = zip_bytes(
    [("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<x/>")], True
)
PLAIN_ZIP = zip_bytes([("photos/a.txt", b"hello"), ("notes.txt", b"world")])


def ole2(*stream_names: str) -> bytes:
    """An OLE2 header sector followed by directory entries naming the given streams."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    entries = b""
    for name in ("Root Entry", *stream_names):
        encoded = name.encode("utf-16-le")
        entries += encoded + b"\0" * (64 - len(encoded)) + b"\0" * 64
    return header + entries


def pe_bytes() -> bytes:
    head = bytearray(b"MZ" + b"\0" * 254)
    head[60:64] = (128).to_bytes(4, "little")
    head[128:132] = b"PE\0\0"
    return bytes(head)


ELF = b"\x7fELF\x02\x01\x01\0" + b"\0" * 56
EMAIL = (
    b"Received: from mx.example.com by mail.example.org; Tue, 3 Jun 2025 09:00:00 +0900\r\n"
    b"From: =?UTF-8?B?6rmA7LKg7IiY?= <kim@example.com>\r\n"
    b"To: lee@example.org\r\n"
    b"Subject: =?UTF-8?B?64Kp7ZKIIOyngOyXsA==?=\r\n"
    b"Message-ID: <1234@example.com>\r\n"
    b"Content-Type: text/plain;\r\n\tcharset=utf-8\r\n"
    b"\r\n"
    b"The goods were not delivered.\r\n"
)
CSV_UTF8 = '거래일,금액,비고\n2025-01-02,"1,200,000",선급금\n2025-02-03,300000,잔금\n'.encode()

# (name, content, filename, media type, inline_safe, mismatch)
CASES = [
    ("pdf", pdf_bytes(), "contract.pdf", sniff.PDF, True, False),
    ("png", image_bytes("PNG"), "photo.png", sniff.PNG, True, False),
    ("jpeg", image_bytes("JPEG"), "photo.JPG", sniff.JPEG, True, False),
    ("gif", image_bytes("GIF"), "anim.gif", sniff.GIF, True, False),
    ("webp", image_bytes("WEBP"), "photo.webp", sniff.WEBP, True, False),
    ("jpeg named png", image_bytes("JPEG"), "photo.png", sniff.JPEG, True, True),
    ("png named html", image_bytes("PNG"), "page.html", sniff.PNG, True, True),
    ("xlsx", xlsx_bytes(), "ledger.xlsx", sniff.XLSX, False, False),
    ("xlsx named docx", xlsx_bytes(), "ledger.docx", sniff.XLSX, False, True),
    ("xlsx named zip", xlsx_bytes(), "ledger.zip", sniff.XLSX, False, False),
    ("docx", DOCX, "letter.docx", sniff.DOCX, False, False),
    ("hwpx", HWPX, "소장.hwpx", sniff.HWPX, False, False),
    ("odt", ODT, "letter.odt", "application/vnd.oasis.opendocument.text", False, False),
    ("zip", PLAIN_ZIP, "photos.zip", sniff.ZIP, False, False),
    ("zip named pdf", PLAIN_ZIP, "photos.pdf", sniff.ZIP, False, True),
    ("zip of stored pdfs", zip_bytes([("a.pdf", pdf_bytes())], True), "a.zip", sniff.ZIP, 0, 0),
    ("hwp by stream", ole2("FileHeader", "\x05HwpSummaryInformation"), "a.hwp", sniff.HWP, 0, 0),
    ("hwp named msg", ole2("FileHeader", "\x05HwpSummaryInformation"), "a.msg", sniff.HWP, 0, 1),
    ("msg by stream", ole2("__substg1.0_0037001F"), "mail.msg", sniff.MSG, False, False),
    ("xls by stream", ole2("Workbook"), "old.xls", sniff.XLS, False, False),
    ("doc by stream", ole2("WordDocument"), "old.doc", sniff.DOC, False, False),
    ("ole hinted hwp", ole2(), "소장.hwp", sniff.HWP, False, False),
    ("ole hinted msg", ole2(), "mail.msg", sniff.MSG, False, False),
    ("ole unknown", ole2(), "blob.dat", sniff.OLE2, False, False),
    ("ole named pdf", ole2(), "blob.pdf", sniff.OLE2, False, True),
    ("eml", EMAIL, "complaint.eml", sniff.EML, False, False),
    (
        "mbox eml",
        b"From kim@example.com Tue Jun  3 09:00:00 2025\n" + EMAIL,
        "m.eml",
        sniff.EML,
        0,
        0,
    ),
    ("eml as txt", EMAIL, "complaint.txt", sniff.EML, False, False),
    ("html", b"<!DOCTYPE html>\n<html><body><script>alert(1)</script>", "a.html", sniff.HTML, 0, 0),
    ("html fragment", b"  <script>alert(1)</script>", "note.txt", sniff.HTML, False, True),
    ("html named pdf", b"<html><body>pay here</body></html>", "invoice.pdf", sniff.HTML, 0, 1),
    (
        "xhtml",
        b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">',
        "a.html",
        sniff.HTML,
        False,
        False,
    ),
    (
        "svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
        "a.svg",
        sniff.SVG,
        False,
        False,
    ),
    (
        "svg with prolog named png",
        b'<?xml version="1.0"?>\n<!-- x -->\n<svg onload="x()">',
        "a.png",
        sniff.SVG,
        False,
        True,
    ),
    ("xml", b'<?xml version="1.0"?>\n<ledger><row/></ledger>', "data.xml", sniff.XML, 0, 0),
    ("elf named pdf", ELF, "evidence.pdf", sniff.ELF, False, True),
    ("elf no extension", ELF, "tool", sniff.ELF, False, False),
    ("pe", pe_bytes(), "setup.exe", sniff.PE, False, False),
    ("pe named jpg", pe_bytes(), "photo.jpg", sniff.PE, False, True),
    ("pe behind rtl override", pe_bytes(), "invoice\u202efdp.exe", sniff.PE, False, False),
    ("dos", b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff", "old.com", sniff.DOS, False, False),
    ("mach-o", b"\xcf\xfa\xed\xfe\x07\0\0\x01" + b"\0" * 24, "tool.pdf", sniff.MACHO, 0, 1),
    ("java class", b"\xca\xfe\xba\xbe\0\0\0\x41" + b"\0" * 16, "A.class", sniff.JAVA_CLASS, 0, 0),
    ("script", b"#!/bin/sh\nrm -rf ~\n", "run.pdf", sniff.SCRIPT, False, True),
    ("csv utf-8", CSV_UTF8, "ledger.csv", sniff.CSV, False, False),
    ("csv cp949", CSV_UTF8.decode().encode("cp949"), "ledger.csv", sniff.CSV, False, False),
    ("csv starting BMW", b"BMW,520d,2019\nAudi,A6,2020\n", "cars.csv", sniff.CSV, False, False),
    ("text utf-8", "내용증명 발송 내역\n".encode(), "memo.txt", sniff.TEXT, False, False),
    ("text utf-16", "메모".encode("utf-16"), "memo.txt", sniff.TEXT, False, False),
    ("text named json", b'{"a": 1}\n', "a.json", sniff.TEXT, False, False),
    ("note with headers is not email", b"Subject: rent\nDate: May\n", "n.txt", sniff.TEXT, 0, 0),
    ("gzip via filetype", gzip.compress(b"x" * 100), "a.gz", "application/gzip", False, False),
    ("bmp via filetype", image_bytes("BMP"), "scan.bmp", "image/bmp", False, False),
    ("rtf via filetype", b"{\\rtf1\\ansi hello}", "a.rtf", "application/rtf", False, False),
    ("binary named pdf", bytes(range(256)) * 4, "a.pdf", sniff.UNKNOWN, False, True),
    ("binary named bin", bytes(range(256)) * 4, "a.bin", sniff.UNKNOWN, False, False),
    ("binary no extension", bytes(range(256)) * 4, "data", sniff.UNKNOWN, False, False),
    ("empty", b"", "a.txt", sniff.UNKNOWN, False, True),
]


@pytest.mark.parametrize(
    ("content", "filename", "media_type", "inline_safe", "mismatch"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_sniff_table(content, filename, media_type, inline_safe, mismatch):
    result = sniff_media_type(content[:SNIFF_BYTES], filename)

    assert (result.media_type, result.inline_safe, result.mismatch) == (
        media_type,
        bool(inline_safe),
        bool(mismatch),
    )
    assert result.label


def test_only_five_types_are_ever_inline_safe():
    for _, content, filename, *_ in CASES:
        result = sniff_media_type(content[:SNIFF_BYTES], filename)
        assert result.inline_safe == (result.media_type in sniff.INLINE_SAFE)
    assert sniff.INLINE_SAFE == {sniff.PDF, sniff.PNG, sniff.JPEG, sniff.GIF, sniff.WEBP}


def test_pdf_after_leading_junk_is_a_pdf_but_not_inline():
    result = sniff_media_type(b"<html>junk</html>\n" + pdf_bytes(), "a.pdf")

    assert result.media_type == sniff.PDF
    assert not result.inline_safe
    assert "leading" in result.label


def test_executables_are_flagged():
    assert sniff_media_type(ELF, "a.pdf").executable
    assert sniff_media_type(pe_bytes(), "a.exe").executable
    assert sniff_media_type(b"#!/usr/bin/env python\n", "a.txt").executable
    assert not sniff_media_type(pdf_bytes(), "a.pdf").executable


def test_ole2_hint_from_extension_is_labelled_as_such():
    hinted = sniff_media_type(ole2(), "소장.hwp")
    seen = sniff_media_type(ole2("\x05HwpSummaryInformation"), "소장.hwp")

    assert "extension" in hinted.label
    assert "extension" not in seen.label


def test_text_charset_is_reported_even_when_the_head_cuts_a_character():
    korean = "가나다라마바사" * 2000  # 3 bytes each: 8192 is not a character boundary
    head = korean.encode()[:SNIFF_BYTES]
    assert len(head) % 3 != 0

    assert sniff_media_type(head, "a.txt").charset == "utf-8"
    assert sniff_media_type(korean.encode("cp949")[: SNIFF_BYTES - 1], "a.txt").charset == "cp949"


def test_office_file_whose_parts_start_after_the_head_needs_the_tail():
    """A docx with a large incompressible first part: only the central directory names it."""
    noise = random.Random(7).randbytes(20_000)
    data = zip_bytes([("media/image1.bin", noise), ("word/document.xml", b"<w:document/>")])
    assert b"word/" not in data[:SNIFF_BYTES]

    from_head = sniff_media_type(data[:SNIFF_BYTES], "letter.docx")
    from_file = sniff_file(io.BytesIO(data), "letter.docx")

    assert from_head.media_type == sniff.ZIP and not from_head.mismatch
    assert from_file.media_type == sniff.DOCX


def test_sniff_file_restores_the_position():
    stream = io.BytesIO(xlsx_bytes())
    stream.seek(5)

    assert sniff_file(stream, "a.xlsx").media_type == sniff.XLSX
    assert stream.tell() == 5


@pytest.mark.parametrize(
    ("filename", "extension"),
    [("a.PDF", "pdf"), ("evil.exe.", "exe"), ("report.pdf.exe", "exe"), (".bashrc", ""),
     ("noext", ""), ("C:\\dir.v2\\file", ""), ("dir.v2/file.txt", "txt")],
)  # fmt: skip
def test_file_extension(filename, extension):
    assert sniff.file_extension(filename) == extension


def test_arbitrary_bytes_never_raise():
    rng = random.Random(1234)
    prefixes = [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"MZ", b"\xca\xfe\xba\xbe"]
    for _ in range(500):
        head = rng.choice(prefixes) + rng.randbytes(rng.randrange(0, 300))
        result = sniff_media_type(head, rng.choice(["a.pdf", "b", "c.hwp", "d.docx"]))
        assert result.media_type and result.label
