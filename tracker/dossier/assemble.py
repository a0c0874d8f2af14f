"""The final pass: rendered parts + exhibits → one bundle PDF.

Once every part's page count is known, this pass, in one pikepdf document:

1. appends the front matter and section parts, then every exhibit in label order (PDF pages,
   image pages, or its generated description page);
2. stamps every page with the footer (dossier number, generated-at in KST, confidentiality,
   "page X of Y" over the whole bundle), and each exhibit's first page with its label; the
   pages of a PDF exhibit are first shrunk clear of the label and footer bands
   (``stamp.fit_between_bands``), so no stamp ever covers the exhibit;
3. fills the page-number placeholders of the contents, cover and evidence statement, and turns
   every internal link of every part into a link annotation pointing at the right page;
4. writes bookmarks for the cover, contents, each section and each exhibit;
5. attaches each exhibit's original file and ``manifest.json`` as associated files (/AF);
6. sets the document information, XMP metadata and the sRGB output intent, and saves with
   fixed IDs, so the same input gives the same bytes.

PDF/A: the parts are written by WeasyPrint with ``pdf_variant="pdf/a-3u"`` and the bundle keeps
their output intent and adds associated files the way PDF/A-3 asks, but the bundle is *not*
declared PDF/A (no ``pdfaid`` in its XMP) because no validator (veraPDF) has checked it, and
exhibits from outside may break the rules anyway. Pass ``claim_pdfa=True`` only after
validating the output of your own exhibits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, String

from .exhibits import A4, MM, ExhibitFile, image_page, sanitize_page
from .glyphs import stack_for
from .html import kst_text
from .printable import PRINTED_PART
from .stamp import Canvas, StampFontSet, apply, displayed_box, fit_between_bands
from .wording import labels_for

ENGINE_VERSION = "1"
FOOTER_SIZE = 7.0
FOOTER_BASELINE = 9 * MM
FOOTER_SIDE = 15 * MM
LABEL_SIZE = 11.0
#: The label's box (about 8 mm tall) hangs from 6 mm below the top edge, inside the printable
#: area of office printers, 15 mm from the right edge.
LABEL_TOP = 6 * MM
LABEL_RIGHT = 15 * MM
#: Bands kept clear of a PDF exhibit's own content: the label above, the footer below (its
#: text reaches 11 mm up). An A4 page is shrunk to about 90 % to make room.
EXHIBIT_TOP_BAND = 16 * MM
EXHIBIT_BOTTOM_BAND = 13 * MM


@dataclasses.dataclass
class PartFile:
    """A rendered part on disk and what its render reported (see ``RenderedPart.meta``)."""

    name: str
    section: str | None
    path: Path
    meta: dict[str, Any]

    @property
    def page_count(self) -> int:
        return len(self.meta["page_sizes"])


@dataclasses.dataclass
class Assembled:
    pdf_bytes: bytes
    page_count: int
    exhibit_start_pages: dict[str, int]  # label -> 1-based page
    section_start_pages: dict[str, int]  # section -> 1-based page


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def pdf_date(moment: dt.datetime) -> str:
    return _utc(moment).strftime("D:%Y%m%d%H%M%SZ")


def _xmp(
    *,
    title: str,
    author: str,
    subject: str,
    created: dt.datetime,
    producer: str,
    lang: str,
    claim_pdfa: bool,
) -> bytes:
    stamp = _utc(created).strftime("%Y-%m-%dT%H:%M:%SZ")
    pdfaid = (
        '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">'
        "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>U</pdfaid:conformance>"
        "</rdf:Description>"
        if claim_pdfa
        else ""
    )
    xml = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:format>application/pdf</dc:format>"
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt>'
        "</dc:title>"
        f"<dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>"
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(subject)}</rdf:li>'
        "</rdf:Alt></dc:description>"
        f"<dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language>"
        "</rdf:Description>"
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate><xmp:ModifyDate>{stamp}</xmp:ModifyDate>"
        f"<xmp:MetadataDate>{stamp}</xmp:MetadataDate>"
        f"<xmp:CreatorTool>{escape(producer)}</xmp:CreatorTool>"
        "</rdf:Description>"
        '<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
        f"<pdf:Producer>{escape(producer)}</pdf:Producer>"
        "</rdf:Description>"
        f"{pdfaid}"
        "</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )
    return xml.encode("utf-8")


def manifest(
    context: Mapping[str, Any],
    exhibits: Sequence[ExhibitFile],
    starts: Mapping[str, int],
    page_count: int,
) -> bytes:
    """The hash list embedded in the PDF: enough to re-verify every exhibit from the PDF alone."""
    entries = []
    for item in exhibits:
        exhibit = item.exhibit
        entries.append(
            {
                "label": exhibit["label"],
                "title": exhibit.get("title", ""),
                "filename": exhibit.get("filename", ""),
                "attachment": exhibit["attachment"],
                "media_type": exhibit.get("media_type", ""),
                "size": len(item.data),
                "sha256": exhibit["sha256"].lower(),
                "start_page": starts[exhibit["label"]],
                "pages": item.page_count,
                "shown_as": item.kind,
            }
        )
    document = {
        "dossier_number": context["dossier_number"],
        "generated_at": _utc(context["generated_at"]).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "purpose": context["purpose"],
        "matter_reference": (context.get("matter") or {}).get("reference", ""),
        "page_count": page_count,
        "hash_algorithm": "sha256",
        "exhibits": entries,
    }
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return text.encode("utf-8")


def assemble(
    *,
    context: Mapping[str, Any],
    parts: Sequence[PartFile],
    exhibits: Sequence[ExhibitFile],
    titles: Mapping[str, str],
    claim_pdfa: bool = False,
) -> Assembled:
    """Build the bundle. See the module docstring for what it guarantees."""
    labels = labels_for(context["lang"])
    out = pikepdf.Pdf.new()
    keep_open: list[pikepdf.Pdf] = []
    anchors: dict[str, tuple[int, float, float]] = {}  # name -> (page, x, y from top), pt
    placeholders: dict[int, list[tuple[tuple[float, float, float, float], str]]] = defaultdict(list)
    links: list[tuple[int, tuple[float, float, float, float], str]] = []
    notes: PartFile | None = None
    section_starts: dict[str, int] = {}

    printed: dict[str, PartFile] = {}  # anchor -> the pages a data or text exhibit prints
    for part in parts:
        if part.name == "notes":
            notes = part
            continue
        if part.name.startswith(PRINTED_PART):
            printed[part.name.removeprefix(PRINTED_PART)] = part
            continue
        offset = len(out.pages)
        source = pikepdf.open(part.path)
        keep_open.append(source)
        if "/OutputIntents" not in out.Root and "/OutputIntents" in source.Root:
            # the sRGB output intent WeasyPrint wrote for PDF/A
            out.Root.OutputIntents = Array(
                [
                    out.copy_foreign(item if item.is_indirect else source.make_indirect(item))
                    for item in source.Root.OutputIntents
                ]
            )
        out.pages.extend(source.pages)
        if part.section and part.section not in section_starts:
            section_starts[part.section] = offset
        for name, (page, x1, y1, x2, y2) in part.meta["anchors"].items():
            if name.startswith("pno:"):
                _pno, where, target = name.split(":", 2)
                placeholders[offset + page].append(((x1, y1, x2, y2), where, target))
            else:
                anchors.setdefault(name, (offset + page, x1, y1))
        for page, rect, target in part.meta["links"]:
            links.append((offset + page, tuple(rect), target))
    if "toc" in anchors:
        section_starts.setdefault("toc", anchors["toc"][0])

    note_pages: dict[str, list[int]] = {}
    notes_pdf = None
    if notes is not None:
        notes_pdf = pikepdf.open(notes.path)
        keep_open.append(notes_pdf)
        firsts = sorted(
            (page, name)
            for name, (page, *_r) in notes.meta["anchors"].items()
            if name.startswith("ex-")
        )
        for index, (page, name) in enumerate(firsts):
            end = firsts[index + 1][0] if index + 1 < len(firsts) else notes.page_count
            note_pages[name] = list(range(page, max(end, page + 1)))

    starts: dict[str, int] = {}
    first_pages: dict[int, str] = {}
    openings: dict[int, bytes] = {}  # page -> what opens it: an exhibit page's fit (stamp.py)
    for item in exhibits:
        exhibit = item.exhibit
        start = len(out.pages)
        if item.kind == "pdf":
            source = pikepdf.open(io.BytesIO(item.data))
            keep_open.append(source)
            out.pages.extend(source.pages)
            moved: set[tuple[int, int]] = set()
            for index in range(start, len(out.pages)):
                page = out.pages[index]
                sanitize_page(page)
                openings[index], _where = fit_between_bands(
                    page,
                    top=EXHIBIT_TOP_BAND,
                    bottom=EXHIBIT_BOTTOM_BAND,
                    minimum=A4,
                    moved=moved,
                )
        elif exhibit["anchor"] in printed:
            source = pikepdf.open(printed[exhibit["anchor"]].path)
            keep_open.append(source)
            out.pages.extend(source.pages)
            item.page_count = len(out.pages) - start
        elif item.kind in ("jpeg", "png"):
            out.pages.append(image_page(out, item))
        else:
            assert notes_pdf is not None  # noqa: S101 - render_parts made a note for it
            for index in note_pages[exhibit["anchor"]]:
                out.pages.append(notes_pdf.pages[index])
            item.page_count = len(out.pages) - start
        starts[exhibit["label"]] = start
        first_pages[start] = exhibit["label"]
        anchors[exhibit["anchor"]] = (start, 0.0, 0.0)

    total = len(out.pages)
    reserved = {"total": total}

    def page_number(target: str) -> str:
        if target in reserved:
            return str(reserved[target])
        if target in anchors:
            return str(anchors[target][0] + 1)
        return labels["empty"]

    when = kst_text(context["generated_at"], context["purpose"], context["lang"])
    generated = labels["footer.generated"].format(when=when)
    left_text = f"{context['dossier_number']}  ·  {generated}"
    confidentiality = context["confidentiality"]
    digits = "0123456789" + labels["empty"]
    regular_chars = left_text + confidentiality + digits + labels["footer.page"]
    bold_chars = "".join(item.exhibit["label"] for item in exhibits) or "0"
    fonts = {
        "R": StampFontSet(out, stack_for("regular"), regular_chars),
        "B": StampFontSet(out, stack_for("bold"), bold_chars),
    }
    opening = out.make_stream(b"q\n")
    for index, page in enumerate(out.pages):
        width, height, _matrix = displayed_box(page)
        canvas = Canvas(fonts)
        canvas.text(FOOTER_SIDE, FOOTER_BASELINE, left_text, size=FOOTER_SIZE, gray=0.3)
        canvas.text(
            width / 2,
            FOOTER_BASELINE,
            confidentiality,
            size=FOOTER_SIZE,
            align="center",
            gray=0.3,
        )
        canvas.text(
            width - FOOTER_SIDE,
            FOOTER_BASELINE,
            labels["footer.page"].format(x=index + 1, y=total),
            size=FOOTER_SIZE,
            align="right",
            gray=0.3,
        )
        if index in first_pages:
            canvas.label_box(
                width - LABEL_RIGHT, height - LABEL_TOP, first_pages[index], size=LABEL_SIZE
            )
        for (x1, y1, x2, y2), where, target in placeholders.get(index, ()):
            size = (y2 - y1) or 9.0
            if where == "cover":
                canvas.text(x1, height - y2, page_number(target), size=size)
            else:
                canvas.text(x2, height - y2, page_number(target), size=size, align="right")
        own = out.make_stream(openings[index]) if index in openings else opening
        apply(out, page, canvas, fonts, own)

    _add_links(out, links, anchors)
    _add_outline(out, context, titles, section_starts, anchors, exhibits, starts)
    exhibit_starts = {label: start + 1 for label, start in starts.items()}
    _add_attachments(out, context, exhibits, exhibit_starts, total)
    _set_metadata(out, context, titles, claim_pdfa)

    buffer = io.BytesIO()
    out.save(
        buffer,
        deterministic_id=True,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        min_version="1.7",
        fix_metadata_version=False,
    )
    for source in keep_open:
        source.close()
    out.close()
    return Assembled(
        pdf_bytes=buffer.getvalue(),
        page_count=total,
        exhibit_start_pages=exhibit_starts,
        section_start_pages={name: page + 1 for name, page in section_starts.items()},
    )


def _add_links(
    out: pikepdf.Pdf,
    links: Sequence[tuple[int, tuple[float, float, float, float], str]],
    anchors: Mapping[str, tuple[int, float, float]],
) -> None:
    pages = list(out.pages)
    heights: dict[int, float] = {}

    def height_of(index: int) -> float:
        if index not in heights:
            heights[index] = displayed_box(pages[index])[1]
        return heights[index]

    for page_index, (x1, y1, x2, y2), target in links:
        if target not in anchors:
            continue
        target_page, target_x, target_y = anchors[target]
        height = height_of(page_index)
        top = round(height_of(target_page) - target_y, 2)
        annotation = out.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=Array(
                    [round(x1, 2), round(height - y2, 2), round(x2, 2), round(height - y1, 2)]
                ),
                Border=Array([0, 0, 0]),
                F=4,
                Dest=Array([pages[target_page].obj, Name.XYZ, round(target_x, 2), top, 0]),
            )
        )
        page = pages[page_index].obj
        if "/Annots" not in page:
            page.Annots = Array()
        page.Annots.append(annotation)


def _add_outline(
    out: pikepdf.Pdf,
    context: Mapping[str, Any],
    titles: Mapping[str, str],
    section_starts: Mapping[str, int],
    anchors: Mapping[str, tuple[int, float, float]],
    exhibits: Sequence[ExhibitFile],
    starts: Mapping[str, int],
) -> None:
    with out.open_outline() as outline:
        outline.root.append(OutlineItem(titles["cover"], 0))
        if "toc" in anchors:
            outline.root.append(OutlineItem(titles["toc"], anchors["toc"][0]))
        for name, title in titles.items():
            if name in section_starts and name not in ("toc", "cover", "exhibits"):
                outline.root.append(OutlineItem(title, section_starts[name]))
        if exhibits:
            parent = OutlineItem(titles["exhibits"], starts[exhibits[0].exhibit["label"]])
            for item in exhibits:
                label = item.exhibit["label"]
                title = item.exhibit.get("title") or ""
                parent.children.append(OutlineItem(f"{label}  {title}".strip(), starts[label]))
            outline.root.append(parent)


def _add_attachments(
    out: pikepdf.Pdf,
    context: Mapping[str, Any],
    exhibits: Sequence[ExhibitFile],
    starts: Mapping[str, int],
    total: int,
) -> None:
    when = pdf_date(context["generated_at"])
    associated = Array()
    for item in exhibits:
        exhibit = item.exhibit
        spec = pikepdf.AttachedFileSpec(
            out,
            item.data,
            description=f"{exhibit['label']} {exhibit.get('title', '')}".strip(),
            filename=exhibit["attachment"],
            mime_type=exhibit.get("media_type") or "application/octet-stream",
            creation_date=when,
            mod_date=when,
            relationship=Name.Source,
        )
        out.attachments[exhibit["attachment"]] = spec
        associated.append(out.attachments[exhibit["attachment"]].obj)
    spec = pikepdf.AttachedFileSpec(
        out,
        manifest(context, exhibits, starts, total),
        description="SHA-256 manifest of the exhibits",
        filename="manifest.json",
        mime_type="application/json",
        creation_date=when,
        mod_date=when,
        relationship=Name.Data,
    )
    out.attachments["manifest.json"] = spec
    associated.append(out.attachments["manifest.json"].obj)
    out.Root.AF = associated  # PDF/A-3 associated files


def _set_metadata(
    out: pikepdf.Pdf, context: Mapping[str, Any], titles: Mapping[str, str], claim_pdfa: bool
) -> None:
    matter = context.get("matter") or {}
    title = f"{titles['cover']} — {matter.get('title', '')}".strip(" —")
    subject = f"{context['dossier_number']} ({matter.get('reference', '')})"
    producer = f"tracker dossier engine {ENGINE_VERSION} (WeasyPrint, pikepdf)"
    created = pdf_date(context["generated_at"])
    out.docinfo = out.make_indirect(
        Dictionary(
            Title=String(title),
            Author=String(context["prepared_by"]),
            Subject=String(subject),
            Creator=String(producer),
            Producer=String(producer),
            CreationDate=String(created),
            ModDate=String(created),
        )
    )
    xmp = _xmp(
        title=title,
        author=context["prepared_by"],
        subject=subject,
        created=context["generated_at"],
        producer=producer,
        lang=context["lang"],
        claim_pdfa=claim_pdfa,
    )
    out.Root.Metadata = out.make_stream(xmp, Type=Name.Metadata, Subtype=Name.XML)
    out.Root.Lang = String("ko-KR" if context["lang"] == "ko" else "en")
    out.Root.PageMode = Name.UseOutlines
    out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
