"""XLSX workbooks: look inside the zip before inflating anything, then stream one sheet to CSV.

openpyxl's read-only mode parses the sheet XML as a stream, so memory stays flat however long
the sheet is (only the shared-strings table is held in memory; its size is checked first).
The size limits read the sizes the zip declares, so every member is first inflated once,
streamed, to prove them: a member that inflates to more or less than it declares, or whose
CRC differs, is refused (Python's zipfile would silently stop at the declared size).
openpyxl is handed an open file, not a path, so the file name (a vault object has no
``.xlsx`` suffix) never matters. The ``<dimension>`` a sheet declares is ignored: files
written by other tools often understate it, and openpyxl would stop reading there.
Sheet names are matched after NFC normalisation (macOS tools write NFD Hangul), and the
sheet is then opened under its own spelling.
Values are written as a person reading the sheet would see them without number formats:
``1234500`` for a number cell, ``0000007`` for a text cell. Formulas give the value Excel last
cached; a formula never calculated (a file written by a script) reads as empty.
"""

from __future__ import annotations

import csv
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from tracker.errors import ValidationFailed
from tracker.reconcile.headers import clean_headers, row_column_name


@dataclass(frozen=True)
class ZipFacts:
    """What the zip's central directory claims, read without inflating any member.

    Python's zipfile stops inflating a member at its declared size (and then fails its CRC
    check), so the declared sizes bound what opening the workbook can cost.
    """

    members: int
    uncompressed: int
    worst_member: str
    worst_ratio: float
    big_worst_ratio: float
    shared_strings: int  # openpyxl holds this table in memory even in read-only mode


@dataclass(frozen=True)
class Sheet:
    """A sheet written to CSV: its name, headers, row-number column, rows skipped as blank."""

    name: str
    headers: tuple[str, ...]
    row_column: str
    blank_rows: int
    data_rows: int


def zip_facts(src: Path, name: str | None = None) -> ZipFacts:
    """Read the central directory. Refuses a broken zip and a zip that is not a workbook."""
    name = name or src.name
    try:
        with zipfile.ZipFile(src) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValidationFailed(
            [("file", f"{name} is not a valid XLSX workbook (broken zip archive: {exc})")]
        ) from None
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise ValidationFailed([("file", f"{name} is a zip archive but not an XLSX workbook")])
    worst, worst_ratio, big_ratio = "", 0.0, 0.0
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > worst_ratio:
            worst, worst_ratio = info.filename, ratio
        if info.file_size > (1 << 20):
            big_ratio = max(big_ratio, ratio)
    return ZipFacts(
        members=len(infos),
        uncompressed=sum(i.file_size for i in infos),
        worst_member=worst,
        worst_ratio=worst_ratio,
        big_worst_ratio=big_ratio,
        shared_strings=sum(i.file_size for i in infos if i.filename == "xl/sharedStrings.xml"),
    )


_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_READ = 1 << 20


def verify_members(src: Path, name: str) -> None:
    """Inflate every member once, streamed, and check it against what the zip declares.

    Refuses (ValidationFailed) a member that inflates to more or fewer bytes than its declared
    size, whose compressed data does not end where declared, whose CRC-32 differs, or that
    uses a compression method other than stored or deflate (Excel writes no other). The work
    is bounded: no member is inflated past its declared size plus one chunk, and the declared
    sizes were checked against the limits first.
    """
    lie = "its declared sizes are false; refusing it (a zip bomb or a damaged file)"
    try:
        with zipfile.ZipFile(src) as zf, src.open("rb") as raw:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise ValidationFailed(
                        [
                            (
                                "file",
                                f"{name}: {info.filename} uses compression method "
                                f"{info.compress_type}, which Excel never writes",
                            )
                        ]
                    )
                if not _member_is_true(raw, info):
                    raise ValidationFailed([("file", f"{name}: {info.filename}: {lie}")])
    except (zipfile.BadZipFile, OSError, struct.error, zlib.error) as exc:
        raise ValidationFailed(
            [("file", f"{name} is not a valid XLSX workbook (broken zip archive: {exc})")]
        ) from None


def _member_is_true(raw, info: zipfile.ZipInfo) -> bool:
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        return False
    name_len, extra_len = _LOCAL_HEADER.unpack(header)[-2:]
    raw.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    left = info.compress_size
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    out = 0
    crc = 0
    while left > 0:
        chunk = raw.read(min(_READ, left))
        if not chunk:
            return False  # the compressed data is shorter than declared
        left -= len(chunk)
        if inflate is None:
            out += len(chunk)
            crc = zlib.crc32(chunk, crc)
            continue
        if inflate.eof:
            return False  # compressed data goes on after the deflate stream ended
        while chunk:
            # Bounded output per call: one compressed chunk may inflate 200-fold.
            room = info.file_size - out + 1
            data = inflate.decompress(chunk, min(room, 16 * _READ))
            out += len(data)
            if out > info.file_size:
                return False  # inflates past its declared size
            crc = zlib.crc32(data, crc)
            chunk = inflate.unconsumed_tail
    if inflate is not None:
        if not inflate.eof or inflate.unused_data or inflate.unconsumed_tail:
            return False
    return out == info.file_size and crc == info.CRC


def cell_text(value: object) -> str:
    """A cell value as text: integral floats without ``.0``, dates in ISO 8601, TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**63:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def sheet_to_csv(src: Path, dest: Path, sheet: str | None, *, name: str | None = None) -> Sheet:
    """Write one sheet of workbook ``src`` to ``dest`` as UTF-8 CSV with a row-number column.

    The first non-empty row is the header; rows whose every cell is empty are skipped and
    counted; each written row carries its row number in the sheet. Every row and column is
    read, whatever the sheet's ``<dimension>`` claims. ``sheet`` is matched after NFC
    normalisation. Refuses (ValidationFailed): a workbook openpyxl cannot read, several
    sheets when ``sheet`` is None (listing them), an unknown sheet (listing the real ones), a
    chart sheet, an empty sheet, a sheet with no data rows, and values to the right of the
    last header column.
    """
    import openpyxl  # imported here: only workbook uploads pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    name = name or src.name
    # SyntaxError covers the XML parsers' errors (ElementTree's ParseError, lxml's).
    broken = (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        SyntaxError,
        EOFError,
        zlib.error,
    )
    with src.open("rb") as fh:
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except broken as exc:
            raise ValidationFailed([("file", f"cannot read workbook {name}: {exc}")]) from None
        try:
            names = list(wb.sheetnames)
            if not names:
                raise ValidationFailed(
                    [
                        (
                            "file",
                            f"{name} has no worksheet that can be read (a Strict Open XML "
                            "workbook?); save it in Excel as an ordinary .xlsx workbook or CSV",
                        )
                    ]
                )
            if sheet is None:
                if len(names) != 1:
                    listed = ", ".join(_nfc(n) for n in names)
                    raise ValidationFailed(
                        [("sheet", f"{name} has {len(names)} sheets; choose one: {listed}")]
                    )
                sheet = names[0]
            else:
                sheet = _find_sheet(names, sheet, name)
            ws = wb[sheet]
            if not hasattr(ws, "iter_rows"):
                raise ValidationFailed([("sheet", f"sheet {sheet!r} is a chart, not a table")])
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
            try:
                written = _write_rows(ws.iter_rows(values_only=True), dest, f"{name} [{sheet}]")
            except broken as exc:
                raise ValidationFailed(
                    [("file", f"cannot read sheet {sheet!r} of {name}: {exc}")]
                ) from None
        finally:
            wb.close()
    headers, row_column, blank, data = written
    if data == 0:
        raise ValidationFailed(
            [("file", f"sheet {sheet!r} of {name} has a header but no data rows")]
        )
    return Sheet(sheet, headers, row_column, blank, data)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _find_sheet(names: list[str], wanted: str, name: str) -> str:
    """The real name of the sheet the user meant: exact spelling first, then equal in NFC
    (and ignoring outer spaces), so "정산" typed in a browser finds a sheet saved as NFD."""
    if wanted in names:
        return wanted
    key = _nfc(wanted).strip()
    for real in names:
        if _nfc(real).strip() == key:
            return real
    listed = ", ".join(_nfc(n) for n in names)
    raise ValidationFailed([("sheet", f"{name} has no sheet {key!r}; sheets: {listed}")])


def _write_rows(rows, dest: Path, label: str) -> tuple[tuple[str, ...], str, int, int]:
    headers: tuple[str, ...] | None = None
    row_column = ""
    width = blank = data = 0
    with dest.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        for row_no, values in enumerate(rows, start=1):
            cells = [cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                blank += headers is not None
                continue
            if headers is None:
                headers = clean_headers(cells, label)
                width = len(headers)
                row_column = row_column_name(headers)
                writer.writerow([*headers, row_column])
                continue
            if any(c.strip() for c in cells[width:]):
                raise ValidationFailed(
                    [("file", f"row {row_no} of {label} has values right of the last header")]
                )
            writer.writerow([*cells[:width], *([""] * (width - len(cells))), row_no])
            data += 1
    if headers is None:
        raise ValidationFailed([("file", f"{label} is empty")])
    return headers, row_column, blank, data
