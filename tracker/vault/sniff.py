"""What a file really is, judged from its bytes; the name and the client's type are only hints.

``sniff_media_type(head, filename)`` looks at the first ``SNIFF_BYTES`` (8 KiB) of a file:

- Magic numbers first (our own checks): PDF, PNG, JPEG, GIF, WEBP, ZIP, OLE2, ELF, PE/MZ,
  Mach-O, Java class. Then the ``filetype`` package for the many formats it knows (audio,
  video, other archives, fonts, TIFF, HEIC…). Then text: HTML, SVG, XML, e-mail (RFC 5322
  headers), ``#!`` scripts, CSV and plain text in UTF-8, UTF-16 (with BOM) or CP949.
- ZIP: an Office Open XML file is a zip whose entries include ``[Content_Types].xml`` and
  ``word/``, ``xl/`` or ``ppt/``. Entry names appear in each entry's local header, so the
  first 8 KiB usually show ``word/…`` or ``xl/…`` even when ``[Content_Types].xml`` is
  written last (openpyxl does that). The full list is in the central directory at the end
  of the file: pass the last ``TAIL_BYTES`` as ``tail`` (``sniff_file`` does) to be sure.
  Without either, it is reported as a plain ZIP archive.
- OLE2 compound files (``D0 CF 11 E0``) hold HWP 5, Outlook .msg, old .xls/.doc/.ppt and
  .msi alike. Stream names (UTF-16) seen in the head or tail decide when they are there;
  otherwise the file extension is used **as a hint only** and the label says so.
- CSV is told from plain text by content: at least two lines with the same number (≥ 2) of
  comma-separated fields.

``inline_safe`` is True only for PDF, PNG, JPEG, GIF and WEBP recognized by their magic
number at offset 0: everything else must be served as an attachment. ``mismatch`` is True
when the file name's extension claims a different type (an ELF named ``.pdf``); an unknown
extension claims nothing.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import mimetypes
import re
import unicodedata
from typing import BinaryIO

import filetype

#: How many leading bytes callers should pass as ``head``.
SNIFF_BYTES = 8192
#: How many trailing bytes ``sniff_file`` reads to see a zip's central directory.
TAIL_BYTES = 65536

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
HWPX = "application/hwp+zip"
JAR = "application/java-archive"
APK = "application/vnd.android.package-archive"
OLE2 = "application/x-ole-storage"
HWP = "application/x-hwp"
MSG = "application/vnd.ms-outlook"
XLS = "application/vnd.ms-excel"
DOC = "application/msword"
PPT = "application/vnd.ms-powerpoint"
MSI = "application/x-msi"
EML = "message/rfc822"
HTML = "text/html"
SVG = "image/svg+xml"
XML = "application/xml"
CSV = "text/csv"
TEXT = "text/plain"
SCRIPT = "text/x-shellscript"
ELF = "application/x-executable"
PE = "application/vnd.microsoft.portable-executable"
DOS = "application/x-dosexec"
MACHO = "application/x-mach-binary"
JAVA_CLASS = "application/java-vm"
UNKNOWN = "application/octet-stream"

#: Types a browser may show inline (with ``X-Content-Type-Options: nosniff``).
INLINE_SAFE = frozenset({PDF, PNG, JPEG, GIF, WEBP})
#: Types that run code when opened; callers may refuse or flag them.
EXECUTABLE_TYPES = frozenset({ELF, PE, DOS, MACHO, JAVA_CLASS, JAR, APK, MSI, SCRIPT})

_LABELS = {
    PDF: "PDF document",
    PNG: "PNG image",
    JPEG: "JPEG image",
    GIF: "GIF image",
    WEBP: "WebP image",
    ZIP: "ZIP archive",
    DOCX: "Word document (DOCX)",
    XLSX: "Excel workbook (XLSX)",
    PPTX: "PowerPoint presentation (PPTX)",
    HWPX: "Hangul document (HWPX)",
    JAR: "Java archive (JAR)",
    APK: "Android app (APK)",
    OLE2: "OLE2 compound file",
    HWP: "Hangul document (HWP)",
    MSG: "Outlook message (MSG)",
    XLS: "Excel 97-2003 workbook (XLS)",
    DOC: "Word 97-2003 document (DOC)",
    PPT: "PowerPoint 97-2003 presentation (PPT)",
    MSI: "Windows Installer package (MSI)",
    EML: "E-mail message",
    HTML: "HTML document",
    SVG: "SVG image",
    XML: "XML document",
    CSV: "CSV table",
    TEXT: "Plain text",
    SCRIPT: "Script (#!)",
    ELF: "ELF executable",
    PE: "Windows executable (PE)",
    DOS: "DOS executable (MZ)",
    MACHO: "Mach-O executable",
    JAVA_CLASS: "Java class file",
    "application/epub+zip": "EPUB e-book",
    UNKNOWN: "Unrecognized binary data",
}

#: What each extension claims, for the types sniffed here (others: ``filetype``, then the
#: standard library's built-in table, which unlike ``mimetypes.guess_type`` ignores the host's
#: /etc/mime.types, so results do not depend on the machine).
_EXT_CLAIMS = {
    "pdf": PDF,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
    "jpe": JPEG,
    "jfif": JPEG,
    "gif": GIF,
    "webp": WEBP,
    "zip": ZIP,
    "docx": DOCX,
    "docm": DOCX,
    "xlsx": XLSX,
    "xlsm": XLSX,
    "pptx": PPTX,
    "hwpx": HWPX,
    "jar": JAR,
    "apk": APK,
    "hwp": HWP,
    "msg": MSG,
    "xls": XLS,
    "doc": DOC,
    "ppt": PPT,
    "msi": MSI,
    "eml": EML,
    "htm": HTML,
    "html": HTML,
    "xhtml": HTML,
    "svg": SVG,
    "xml": XML,
    "csv": CSV,
    "tsv": TEXT,
    "txt": TEXT,
    "text": TEXT,
    "log": TEXT,
    "md": TEXT,
    "json": TEXT,
    "sh": SCRIPT,
    "exe": PE,
    "dll": PE,
    "sys": PE,
    "scr": PE,
    "com": PE,
    "so": ELF,
    "elf": ELF,
    "dylib": MACHO,
    "class": JAVA_CLASS,
}

_OLE_HINTS = {"hwp": HWP, "msg": MSG, "xls": XLS, "doc": DOC, "ppt": PPT, "msi": MSI}
# UTF-16LE stream names that identify what an OLE2 file holds.
_OLE_STREAMS = [
    ("HwpSummaryInformation".encode("utf-16-le"), HWP),
    ("__substg1.0_".encode("utf-16-le"), MSG),
    ("__properties_version1.0".encode("utf-16-le"), MSG),
    ("WordDocument".encode("utf-16-le"), DOC),
    ("Workbook".encode("utf-16-le"), XLS),
    ("PowerPoint Document".encode("utf-16-le"), PPT),
]
# Families: a sniffed type matches a claimed one of its family. In the ZIP and OLE2 families
# the generic type matches any member (we could not tell more); members must match exactly.
_ZIP_FAMILY = frozenset({ZIP, DOCX, XLSX, PPTX, HWPX, JAR, APK, "application/epub+zip"})
_OLE_FAMILY = frozenset({OLE2, HWP, MSG, XLS, DOC, PPT, MSI})
_PE_FAMILY = frozenset({PE, DOS, "application/x-msdownload", "application/x-msdos-program"})
# E-mail is text too: a .txt holding a message is not disguised.
_TEXTUAL = frozenset({CSV, TEXT, SCRIPT, EML, "application/json", "application/x-sh"})
# Text formats ``filetype`` knows by a leading signature; other text is sniffed here.
_FILETYPE_TEXT_FORMATS = frozenset({"rtf", "ps"})
_HTML_TAGS = (
    "!doctype html", "html", "head", "script", "iframe", "h1", "div", "font", "table", "a",
    "style", "title", "b", "body", "br", "p",
)  # fmt: skip
_MAIL_HEADERS = frozenset(
    {
        "received", "from", "message-id", "return-path", "delivered-to", "mime-version",
        "dkim-signature", "date", "subject", "to", "cc", "reply-to", "content-type",
        "x-mailer", "x-original-to", "authentication-results", "arc-seal", "sender",
    }
)  # fmt: skip
# At least one of these: ordinary "Subject:"/"Date:" notes are not e-mail.
_MAIL_ANCHORS = frozenset(
    {"received", "from", "message-id", "return-path", "delivered-to", "mime-version"}
)
_MACHO_MAGIC = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_HEADER_LINE = re.compile(r"([!-9;-~]+):")  # RFC 5322 field name: printable ASCII but ":"
_BUILTIN_TYPES = mimetypes.MimeTypes()  # Python's own table only


@dataclasses.dataclass(frozen=True)
class Sniffed:
    """What the content is. ``charset`` is set for text (``utf-8``, ``utf-16`` or ``cp949``)."""

    media_type: str
    label: str
    inline_safe: bool
    mismatch: bool
    charset: str | None = None

    @property
    def executable(self) -> bool:
        """Whether the content is a program or script (never to be opened by a reader)."""
        return self.media_type in EXECUTABLE_TYPES


def sniff_media_type(head: bytes, filename: str, *, tail: bytes = b"") -> Sniffed:
    """Identify ``head`` (the first ``SNIFF_BYTES`` of a file) by its content.

    ``filename`` is used only to report ``mismatch`` and, for OLE2 files whose streams were
    not seen, as a labelled hint. ``tail`` (the last bytes, optional) helps tell Office files
    from plain zips. Never raises on arbitrary bytes.
    """
    ext = file_extension(filename)
    media_type, label, charset = _identify(bytes(head[:SNIFF_BYTES]), bytes(tail), ext)
    # A PDF found after leading junk gets its own label, and is not inline-safe.
    inline = media_type in INLINE_SAFE and label == _LABELS[media_type]
    return Sniffed(media_type, label, inline, _mismatch(media_type, ext), charset)


def sniff_file(fileobj: BinaryIO, filename: str) -> Sniffed:
    """``sniff_media_type`` for a seekable binary file (such as ``vault.open(sha256)``).

    Sniffs from the start of the file whatever its position, which is restored afterwards.
    Reads at most ``SNIFF_BYTES`` + ``TAIL_BYTES``, and the tail only for ZIP and OLE2 files.
    """
    start = fileobj.tell()
    try:
        fileobj.seek(0)
        head = fileobj.read(SNIFF_BYTES)
        tail = b""
        if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            end = fileobj.seek(0, 2)
            fileobj.seek(max(len(head), end - TAIL_BYTES))
            tail = fileobj.read(TAIL_BYTES)
        return sniff_media_type(head, filename, tail=tail)
    finally:
        fileobj.seek(start)


def file_extension(filename: str) -> str:
    """The lowercase extension after the last dot of the last path part (``""`` if none).

    Trailing dots and spaces are ignored, as Windows ignores them (``evil.exe.`` is ``exe``).
    """
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = name.rstrip(". ")
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


# -- identification --------------------------------------------------------------------------


def _identify(head: bytes, tail: bytes, ext: str) -> tuple[str, str, str | None]:
    if not head:
        return UNKNOWN, "Empty file", None
    found = _magic(head, tail, ext)
    if found:
        return found[0], found[1], None
    guess = filetype.guess(head)
    # Text before ``filetype``: some of its signatures are two letters ("BM" is a bitmap,
    # "MZ" a program), which a CSV starting "BMW," must not trip. Binary formats have NULs
    # or control bytes in their first 8 KiB, so they never pass as text.
    decoded = _decode_text(head)
    if decoded is not None:
        if guess is not None and guess.extension in _FILETYPE_TEXT_FORMATS:
            return guess.mime, _filetype_label(guess), decoded[1]
        text, charset = decoded
        media_type = _text_kind(text)
        return media_type, _LABELS[media_type], charset
    if guess is not None:
        return guess.mime, _filetype_label(guess), None
    return UNKNOWN, _LABELS[UNKNOWN], None


def _filetype_label(guess: filetype.Type) -> str:
    return f"{guess.extension.upper()} file"


def _magic(head: bytes, tail: bytes, ext: str) -> tuple[str, str] | None:
    simple = _simple_magic(head)
    if simple:
        return simple, _LABELS[simple]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        media_type = _zip_kind(head, tail, ext)
        label = _LABELS.get(media_type, "OpenDocument file")
        if media_type == ZIP and "[Content_Types].xml" in _zip_names(head + b"\0" + tail):
            label = "Office Open XML package"
        return media_type, label
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole_kind(head, tail, ext)
    if head.startswith(b"MZ"):
        # Without a PE header it is a DOS program, or text that starts "MZ": err on caution.
        kind = PE if _has_pe_header(head) else DOS
        return kind, _LABELS[kind]
    if head.startswith(b"\xca\xfe\xba\xbe") and len(head) >= 8:
        # Shared by fat Mach-O (followed by a small architecture count) and Java classes
        # (followed by a class-file version, 45 or more).
        kind = MACHO if int.from_bytes(head[4:8], "big") < 40 else JAVA_CLASS
        return kind, _LABELS[kind]
    # Checked after the containers above: a zip storing a PDF uncompressed has "%PDF-" early.
    if b"%PDF-" in head[:1024]:
        # Readers accept junk before the header (the PDF spec allows it in the first 1 KiB);
        # browsers must not get it inline, since the junk may be anything.
        return PDF, "PDF document (with leading bytes)"
    return None


def _simple_magic(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"\x7fELF"):
        return ELF
    if head.startswith(b"HWP Document File V3"):
        # HWP 3.x (Hangul 96/97) is not an OLE2 file: it names itself in its first bytes.
        return HWP
    if head[:4] in _MACHO_MAGIC:
        return MACHO
    return None


def _has_pe_header(head: bytes) -> bool:
    if len(head) < 64:
        return False
    offset = int.from_bytes(head[60:64], "little")
    return head[offset : offset + 4] == b"PE\0\0"


def _zip_names(data: bytes) -> list[str]:
    """Entry names from local headers (``PK\\3\\4``) and central-directory records in ``data``.

    A signature inside compressed data can yield a junk name; junk never starts with
    ``word/`` and the like, so it does not change the verdict.
    """
    names = []
    for signature, length_at, name_at in ((b"PK\x03\x04", 26, 30), (b"PK\x01\x02", 28, 46)):
        for match in re.finditer(re.escape(signature), data):
            start = match.start()
            length = int.from_bytes(data[start + length_at : start + length_at + 2], "little")
            raw = data[start + name_at : start + name_at + min(length, 512)]
            names.append(raw.decode("utf-8", "replace"))
    return names


def _zip_kind(head: bytes, tail: bytes, ext: str) -> str:
    declared = _zip_mimetype_entry(head)
    if declared in _ZIP_FAMILY or declared.startswith("application/vnd.oasis.opendocument."):
        return declared  # HWPX, ODF and EPUB name themselves in a first, stored entry
    names = _zip_names(head + b"\0" + tail)
    for prefix, media_type in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
        if any(name.startswith(prefix) for name in names):
            return media_type
    if "AndroidManifest.xml" in names:
        return APK
    if "META-INF/MANIFEST.MF" in names:
        return JAR
    if "[Content_Types].xml" in names and _EXT_CLAIMS.get(ext) in (DOCX, XLSX, PPTX):
        return _EXT_CLAIMS[ext]  # an Office file whose parts we did not see: trust its kind
    return ZIP


def _zip_mimetype_entry(head: bytes) -> str:
    # The first local header: name length at 26, extra length at 28, stored (method 0) data.
    if head[26:28] != b"\x08\0" or head[30:38] != b"mimetype" or head[8:10] != b"\0\0":
        return ""
    size = int.from_bytes(head[18:22], "little")
    start = 30 + 8 + int.from_bytes(head[28:30], "little")
    return head[start : start + min(size, 100)].decode("ascii", "replace").strip()


def _ole_kind(head: bytes, tail: bytes, ext: str) -> tuple[str, str]:
    data = head + tail
    for marker, media_type in _OLE_STREAMS:
        if marker in data:
            return media_type, _LABELS[media_type]
    hinted = _OLE_HINTS.get(ext)
    if hinted:
        return hinted, f"{_LABELS[hinted]}, identified by file extension (OLE2 file)"
    return OLE2, _LABELS[OLE2]


#: The charset of text that is neither UTF-8, UTF-16 nor CP949.
UNKNOWN_8BIT = "unknown-8bit"


def _decode_text(head: bytes) -> tuple[str, str] | None:
    """The head as text and its charset, or None for binary data.

    Incremental decoders accept a multi-byte character cut off at the end of the head.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", "utf-16")]
    elif b"\0" in head:
        return None
    else:
        candidates = [("utf-8-sig", "utf-8"), ("cp949", "cp949")]
        if b"\x1b$)C" in head:
            # ISO-2022-KR designates KS X 1001 once, then shifts in and out (SO/SI bytes).
            candidates.append(("iso2022_kr", "iso-2022-kr"))
    for codec, charset in candidates:
        try:
            text = codecs.getincrementaldecoder(codec)("strict").decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if not any(_is_binary_control(char) for char in text):
            return text, charset
    if candidates[0][0] != "utf-16":
        # Text in another legacy encoding (Shift_JIS, Big5, GB2312, Johab, KOI8-R…): what
        # tells text from binary is the absence of control bytes, whatever the encoding. The
        # ASCII part (mail headers, markup) reads the same in Latin-1; the charset is unknown.
        text = head.decode("latin-1")
        if not any(_is_binary_control(char) for char in text):
            return text, UNKNOWN_8BIT
    return None


def _is_binary_control(char: str) -> bool:
    # Tab, newlines, form feed and ESC (ANSI colours in logs) occur in text; others do not.
    code = ord(char)
    return (code < 32 and char not in "\t\n\r\f\x1b") or code == 0x7F


def _text_kind(text: str) -> str:
    if text.startswith("#!"):
        return SCRIPT
    stripped = text.lstrip("\ufeff \t\r\n")
    lower = stripped.lower()
    if lower.startswith("<"):
        svg_at, html_at = lower.find("<svg"), lower.find("<html")
        xmlish = lower.startswith(("<svg", "<?xml", "<!--", "<!doctype svg"))
        if xmlish and svg_at >= 0 and (html_at < 0 or svg_at < html_at):
            return SVG
        if _starts_with_html_tag(lower) or (lower.startswith(("<?xml", "<!--")) and html_at >= 0):
            return HTML
        if lower.startswith("<?xml"):
            return XML
    if _looks_like_email(stripped):
        return EML
    if _looks_like_csv(stripped):
        return CSV
    return TEXT


def _starts_with_html_tag(lower: str) -> bool:
    for tag in _HTML_TAGS:
        end = len(tag) + 1
        if lower.startswith("<" + tag) and lower[end : end + 1] in (" ", ">", "\t", "\n", "\r"):
            return True
    return False


def _complete_lines(text: str) -> list[str]:
    lines = text.splitlines()
    if lines and not text.endswith(("\n", "\r")):
        lines.pop()  # cut off by the end of the head
    return lines


def _looks_like_email(text: str) -> bool:
    lines = _complete_lines(text)
    if lines and lines[0].startswith("From "):
        lines = lines[1:]  # an mbox separator line
    names: list[str] = []
    for line in lines:
        if not line:
            break
        if line[0] in " \t":
            if not names:
                return False
            continue  # a folded header line
        match = _HEADER_LINE.match(line)
        if not match:
            return False
        names.append(match.group(1).lower())
    known = _MAIL_HEADERS.intersection(names)
    return len(known) >= 2 and bool(_MAIL_ANCHORS & known)


def _looks_like_csv(text: str) -> bool:
    lines = [line for line in _complete_lines(text)[:20] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        widths = {len(row) for row in csv.reader(lines)}
    except csv.Error:
        return False
    return len(widths) == 1 and widths.pop() >= 2


# -- mismatch ---------------------------------------------------------------------------------


def _claimed_type(ext: str) -> str | None:
    if not ext:
        return None
    if ext in _EXT_CLAIMS:
        return _EXT_CLAIMS[ext]
    known = filetype.get_type(ext=ext)
    if known is not None:
        return known.mime
    guessed, _ = _BUILTIN_TYPES.guess_type(f"x.{ext}", strict=False)
    return None if guessed in (None, UNKNOWN) else guessed


def _family(media_type: str) -> str:
    for name, members in (("zip", _ZIP_FAMILY), ("ole", _OLE_FAMILY), ("pe", _PE_FAMILY)):
        if media_type in members or (
            name == "zip" and media_type.startswith("application/vnd.oasis.opendocument.")
        ):
            return name
    if media_type in _TEXTUAL or (media_type.startswith("text/") and media_type != HTML):
        return "text"
    return media_type


def _mismatch(sniffed: str, ext: str) -> bool:
    claimed = _claimed_type(ext)
    if claimed is None or claimed == sniffed:
        return False
    family = _family(sniffed)
    if family != _family(claimed):
        return True
    if family in ("zip", "ole"):
        return OLE2 not in (sniffed, claimed) and ZIP not in (sniffed, claimed)
    return False
