"""HTML → PDF with WeasyPrint, locked down and watched.

``render_part`` renders one part through ``LockedFetcher`` with the base URL fixed to the
template folder, and listens to WeasyPrint's logger while it works: a ``.notdef glyph
rendered`` warning (a glyph missing from the font) raises ``MissingGlyph``, and any
error-level record (an unreadable font, stylesheet or image) raises ``RenderFailed``. A glyph
drawn from a system font (Pango's fallback) also raises ``MissingGlyph``. A refused
fetch surfaces as WeasyPrint's ``FatalURLFetchingError``, a ``BaseException``, which is caught
by name and re-raised as ``AssetRefused``.

Internal links are taken out of the pages before the PDF is written (their targets usually
live in another part) and returned with the anchors, so the final pass can draw page numbers
and links across the whole bundle.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
from collections.abc import Iterator
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from .errors import AssetRefused, MissingGlyph, RenderFailed
from .fetcher import TEMPLATE_DIR, LockedFetcher
from .glyphs import FAMILIES

BASE_URL = TEMPLATE_DIR.as_uri() + "/"
PX_TO_PT = 0.75
#: Every part is written as PDF/A-3u by WeasyPrint (output intent, embedded fonts, ToUnicode).
#: The assembled bundle is *not* claimed to conform: see ``assemble.py``.
PDF_VARIANT = "pdf/a-3u"

_NOTDEF = ".notdef glyph rendered"
#: Font families a part may use (the @font-face names in dossier.css: the font stack).
OUR_FAMILIES = set(FAMILIES)
STYLESHEET = TEMPLATE_DIR / "dossier.css"
_shared: dict[tuple, tuple[FontConfiguration, CSS]] = {}


def _style(fetcher: LockedFetcher, shared: bool) -> tuple[FontConfiguration, CSS]:
    """Font configuration and parsed stylesheet; loading the fonts of the stack costs ~0.2 s,
    so a process reuses them across parts unless the caller brings its own fetcher."""
    stat = STYLESHEET.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    if shared and key in _shared:
        return _shared[key]
    font_config = FontConfiguration()
    css = CSS(
        string=STYLESHEET.read_text(encoding="utf-8"),
        base_url=BASE_URL,
        url_fetcher=fetcher,
        font_config=font_config,
    )
    if shared:
        _shared.clear()
        _shared[key] = (font_config, css)
    return font_config, css


@dataclasses.dataclass
class RenderedPart:
    """A rendered part: PDF bytes plus what the final pass needs to know about its pages.

    Coordinates are PDF points measured from the page's top-left corner.
    """

    pdf: bytes
    page_sizes: list[tuple[float, float]]
    anchors: dict[str, tuple[int, float, float, float, float]]
    links: list[tuple[int, tuple[float, float, float, float], str]]
    warnings: list[str]

    @property
    def page_count(self) -> int:
        return len(self.page_sizes)

    def meta(self) -> dict[str, Any]:
        return {
            "page_sizes": self.page_sizes,
            "anchors": self.anchors,
            "links": self.links,
            "warnings": self.warnings,
        }


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def watch_weasyprint() -> Iterator[_Collector]:
    """Collect WeasyPrint's warnings and errors while the block runs."""
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    previous = logger.level
    logger.addHandler(collector)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.setLevel(previous)


def _raise_for(records: list[logging.LogRecord]) -> list[str]:
    messages = [record.getMessage() for record in records]
    for message in messages:
        if _NOTDEF in message:
            raise MissingGlyph(f"the dossier font lacks a glyph: {message[:300]}")
    for record, message in zip(records, messages, strict=True):
        if record.levelno >= logging.ERROR:
            raise RenderFailed(f"WeasyPrint: {message[:300]}")
    return messages


def render_part(
    html: str, *, fetcher: LockedFetcher | None = None, stylesheet: bool = True
) -> RenderedPart:
    """Render one part of the dossier; refuses (raises) instead of printing something wrong.

    ``stylesheet`` adds ``dossier.css`` (parts do not link it themselves, so that the parsed
    stylesheet and loaded fonts can be shared between parts). A caller-supplied ``fetcher``
    sees every fetch, including the fonts.
    """
    shared = fetcher is None
    fetcher = fetcher or LockedFetcher()
    # WeasyPrint builds millions of short-lived objects; the cyclic GC walking them costs ~20%
    # of a render. Collect once afterwards instead.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _render(html, fetcher, shared, stylesheet)
    finally:
        if collecting:
            gc.enable()
        gc.collect()


def _render(html: str, fetcher: LockedFetcher, shared: bool, stylesheet: bool) -> RenderedPart:
    with watch_weasyprint() as seen:
        try:
            stylesheets = []
            font_config = None
            if stylesheet:
                font_config, css = _style(fetcher, shared)
                stylesheets = [css]
            document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
                stylesheets=stylesheets, font_config=font_config
            )
            page_sizes = [(p.width * PX_TO_PT, p.height * PX_TO_PT) for p in document.pages]
            anchors: dict[str, tuple[int, float, float, float, float]] = {}
            links: list[tuple[int, tuple[float, float, float, float], str]] = []
            for index, page in enumerate(document.pages):
                for name, (x1, y1, x2, y2) in page.anchors.items():
                    anchors.setdefault(
                        name,
                        (index, x1 * PX_TO_PT, y1 * PX_TO_PT, x2 * PX_TO_PT, y2 * PX_TO_PT),
                    )
                kept = []
                for link in page.links:
                    link_type, target, (x1, y1, x2, y2), box = link
                    if link_type == "internal":
                        if getattr(box, "element_tag", "a") != "a":
                            continue  # children of the <a> repeat its link; keep one
                        rect = (x1 * PX_TO_PT, y1 * PX_TO_PT, x2 * PX_TO_PT, y2 * PX_TO_PT)
                        links.append((index, rect, target))
                    else:
                        kept.append(link)
                page.links[:] = kept
            pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
            foreign = sorted({font.family for font in document.fonts.values()} - OUR_FAMILIES)
        except FatalURLFetchingError as exc:
            cause = exc.__cause__
            if isinstance(cause, AssetRefused):
                raise AssetRefused(cause.message) from exc
            raise AssetRefused(f"could not fetch a dossier asset: {exc}") from exc
        warnings = _raise_for(seen.records)
    if foreign:
        # Pango fell back to a system font for a glyph no font of the stack has: the PDF would
        # look different on another machine, so refuse it like a .notdef. User text cannot get
        # here (glyphs.printable_text replaced such characters); markup of our own could.
        raise MissingGlyph(f"text needed a glyph from a system font: {', '.join(foreign)}")
    return RenderedPart(pdf, page_sizes, anchors, links, warnings)
