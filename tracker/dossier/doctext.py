"""The text of word-processor files: HWP 5, HWPX and DOCX, read without any office program.

- **HWP 5** is an OLE2 compound file. ``FileHeader`` says whether the body is compressed
  (raw deflate), password-protected or a distribution document (배포용 문서, whose text lives
  encrypted in ``ViewText``). The body is ``BodyText/Section0``, ``Section1``…: a stream of
  records (a 32-bit header: tag, level, size; size 0xFFF means a 32-bit size follows). The text
  of each paragraph is an ``HWPTAG_PARA_TEXT`` record (tag 0x10 + 51): UTF-16LE where code
  units below 32 are controls, and most controls (fields, tables, pictures, tabs) take 8 units.
- **HWPX** and **DOCX** are zip archives of XML: ``Contents/section*.xml`` with ``<hp:p>`` /
  ``<hp:t>``, and ``word/document.xml`` with ``<w:p>`` / ``<w:t>``. Elements are matched by
  local name, so a namespace version does not matter. The XML parser resolves no entities and
  fetches nothing.

Every size is bounded before anything is inflated: a file claiming more than
``MAX_INFLATED`` bytes of text streams is refused (``DocumentUnreadable``), as is one whose
inflated data runs past that.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

from lxml import etree

#: Inflated bytes read from one document's text streams (or XML members) at most.
MAX_INFLATED = 64 << 20
#: Sections read from one document at most.
MAX_SECTIONS = 200

_PARA_TEXT = 0x10 + 51
#: Controls that occupy 8 code units (the control, 6 units of data, the control again).
_WIDE_CONTROLS = frozenset(
    {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}
)
_SECTION = re.compile(r"Section(\d+)$")


class DocumentUnreadable(ValueError):
    """The file is a document of a known kind whose text cannot be read; the message says why."""


# -- HWP 5 -------------------------------------------------------------------------------------


def hwp5_text(data: bytes) -> str:
    """The paragraphs of an HWP 5 document, one per line."""
    import olefile  # imported here: only HWP exhibits pay for it

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, struct.error) as exc:
        raise DocumentUnreadable(f"not a readable HWP 5 file ({exc})") from None
    try:
        if not ole.exists("FileHeader"):
            raise DocumentUnreadable("an OLE2 file without an HWP FileHeader")
        header = ole.openstream("FileHeader").read(256)
        if not header.startswith(b"HWP Document File") or len(header) < 40:
            raise DocumentUnreadable("an OLE2 file without an HWP FileHeader")
        flags = struct.unpack_from("<I", header, 36)[0]
        if flags & 0x2:
            raise DocumentUnreadable("the HWP document is password-protected")
        if flags & 0x4:
            raise DocumentUnreadable(
                "the HWP document is a distribution document (배포용 문서): its text is encrypted"
            )
        compressed = bool(flags & 0x1)
        sections = sorted(
            (int(m.group(1)), "/".join(path))
            for path in ole.listdir()
            if len(path) == 2 and path[0] == "BodyText" and (m := _SECTION.match(path[1]))
        )
        if not sections:
            raise DocumentUnreadable("the HWP document has no BodyText section")
        budget = _Budget()
        paragraphs: list[str] = []
        for _number, name in sections[:MAX_SECTIONS]:
            raw = ole.openstream(name).read()
            body = budget.inflate(raw) if compressed else budget.take(raw)
            paragraphs.extend(_para_texts(body))
        return "\n".join(paragraphs)
    finally:
        ole.close()


class _Budget:
    """Inflated bytes left for one document."""

    def __init__(self) -> None:
        self.left = MAX_INFLATED

    def take(self, raw: bytes) -> bytes:
        self.left -= len(raw)
        if self.left < 0:
            raise DocumentUnreadable(f"its text streams exceed {MAX_INFLATED:,} bytes")
        return raw

    def inflate(self, raw: bytes) -> bytes:
        inflater = zlib.decompressobj(-15)
        try:
            out = inflater.decompress(raw, self.left + 1)
        except zlib.error as exc:
            raise DocumentUnreadable(f"a compressed HWP section is damaged ({exc})") from None
        return self.take(out)


def _para_texts(body: bytes) -> list[str]:
    texts = []
    at, end = 0, len(body)
    while at + 4 <= end:
        header = struct.unpack_from("<I", body, at)[0]
        at += 4
        tag, size = header & 0x3FF, (header >> 20) & 0xFFF
        if size == 0xFFF:
            if at + 4 > end:
                break
            size = struct.unpack_from("<I", body, at)[0]
            at += 4
        if tag == _PARA_TEXT:
            texts.append(_decode_para(body[at : at + size]))
        at += size
    return texts


def _decode_para(payload: bytes) -> str:
    units = struct.unpack(f"<{len(payload) // 2}H", payload[: len(payload) // 2 * 2])
    out = bytearray()
    index = 0
    while index < len(units):
        unit = units[index]
        if unit >= 32:
            out += struct.pack("<H", unit)
            index += 1
            continue
        if unit == 9:
            out += b"\t\x00"
        elif unit == 10:
            out += b"\n\x00"
        elif unit in (24, 30, 31):  # hyphen, non-breaking space, fixed-width space
            out += b"-\x00" if unit == 24 else b" \x00"
        index += 8 if unit in _WIDE_CONTROLS else 1
    return out.decode("utf-16-le", errors="replace").rstrip("\r")


# -- zipped XML: HWPX and DOCX ---------------------------------------------------------------


def hwpx_text(data: bytes) -> str:
    """The paragraphs of an HWPX document (every ``Contents/section*.xml``, in order)."""
    with _zip(data) as archive:
        names = sorted(
            (int(m.group(1)), name)
            for name in archive.namelist()
            if (m := re.fullmatch(r"Contents/section(\d+)\.xml", name, re.IGNORECASE))
        )
        if not names:
            raise DocumentUnreadable("the HWPX package has no Contents/section*.xml")
        budget = _ZipBudget(archive)
        paragraphs: list[str] = []
        for _number, name in names[:MAX_SECTIONS]:
            paragraphs.extend(_xml_paragraphs(budget.read(name), tab="tab", breaks=("lineBreak",)))
        return "\n".join(paragraphs)


def docx_text(data: bytes) -> str:
    """The paragraphs of a Word (DOCX) document's body."""
    with _zip(data) as archive:
        if "word/document.xml" not in archive.namelist():
            raise DocumentUnreadable("the DOCX package has no word/document.xml")
        xml = _ZipBudget(archive).read("word/document.xml")
        return "\n".join(_xml_paragraphs(xml, tab="tab", breaks=("br", "cr")))


def _zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentUnreadable(f"a broken zip archive ({exc})") from None


class _ZipBudget:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.left = MAX_INFLATED

    def read(self, name: str) -> bytes:
        info = self.archive.getinfo(name)
        if info.file_size > self.left:
            raise DocumentUnreadable(f"{name} would inflate beyond {MAX_INFLATED:,} bytes")
        try:
            with self.archive.open(info) as member:
                # Read one byte past the declared size: zipfile stops at it, so a member whose
                # size lies fails its CRC check here rather than inflating without bound.
                out = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, zlib.error, EOFError, NotImplementedError) as exc:
            raise DocumentUnreadable(f"{name} cannot be read ({exc})") from None
        self.left -= len(out)
        return out


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "huge_tree": False}


def _xml_paragraphs(xml: bytes, *, tab: str, breaks: tuple[str, ...]) -> list[str]:
    """The text of each ``p`` element, in document order: the ``t`` elements whose nearest
    ``p`` it is (a table inside a paragraph gives its cells' paragraphs after it)."""
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise DocumentUnreadable(f"its XML is damaged ({exc})") from None
    order: list[etree._Element] = []
    texts: dict[etree._Element, list[str]] = {}
    for node in root.iter():
        if _local(node.tag) != "t":
            continue
        paragraph = next((a for a in node.iterancestors() if _local(a.tag) == "p"), None)
        if paragraph is None:
            continue
        if paragraph not in texts:
            texts[paragraph] = []
            order.append(paragraph)
        texts[paragraph].append(_t_text(node, tab, breaks))
    return ["".join(texts[p]) for p in order]


def _t_text(node: etree._Element, tab: str, breaks: tuple[str, ...]) -> str:
    parts = [node.text or ""]
    for child in node:
        name = _local(child.tag)
        if name == tab:
            parts.append("\t")
        elif name in breaks:
            parts.append("\n")
        parts.append(child.tail or "")
    return "".join(parts)
