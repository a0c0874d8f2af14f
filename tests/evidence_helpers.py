"""Small real files for evidence tests: a PDF, a PNG, an ELF binary, HTML, SVG."""

from __future__ import annotations

import io

import pikepdf
from PIL import Image


def pdf_bytes(text: str = "gap") -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.docinfo["/Title"] = text
    out = io.BytesIO()
    # Deterministic: a test may compare the served bytes with a second call's (pikepdf would
    # otherwise give each save a new random /ID).
    pdf.save(out, static_id=True, deterministic_id=False)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'
