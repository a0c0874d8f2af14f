"""XLSX workbooks: look inside the zip before inflating anything, then stream one sheet to CSV.

openpyxl's read-only mode parses the sheet XML as a stream, so memory stays flat however long
the sheet is (only the shared-strings table is held in memory; its size is checked first).
Values are written as a person reading the sheet would see them without number formats:
``1234500`` for a number cell, ``0000007`` for a text cell. Formulas give the value Excel last
cached; a formula never calculated (a file written by a script) reads as empty.
"""

from __future__ import annotations

import csv
import zipfile
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


def zip_facts(src: Path) -> ZipFacts:
    """Read the central directory. Refuses a broken zip and a zip that is not a workbook."""
    try:
        with zipfile.ZipFile(src) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValidationFailed(
            [("file", f"{src.name} is not a valid XLSX workbook (broken zip archive: {exc})")]
        ) from None
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise ValidationFailed([("file", f"{src.name} is a zip archive but not an XLSX workbook")])
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


def sheet_to_csv(src: Path, dest: Path, sheet: str | None) -> Sheet:
    """Write one sheet of workbook ``src`` to ``dest`` as UTF-8 CSV with a row-number column.

    The first non-empty row is the header; rows whose every cell is empty are skipped and
    counted; each written row carries its row number in the sheet. Refuses (ValidationFailed):
    a workbook openpyxl cannot read, several sheets when ``sheet`` is None (listing them), an
    unknown sheet (listing the real ones), a chart sheet, an empty sheet, a sheet with no data
    rows, and values to the right of the last header column.
    """
    import openpyxl  # imported here: only workbook uploads pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    broken = (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError)
    try:
        wb = openpyxl.load_workbook(src, read_only=True, data_only=True)
    except broken as exc:
        raise ValidationFailed([("file", f"cannot read workbook {src.name}: {exc}")]) from None
    try:
        names = list(wb.sheetnames)
        if sheet is None:
            if len(names) != 1:
                listed = ", ".join(names)
                raise ValidationFailed(
                    [("sheet", f"{src.name} has {len(names)} sheets; choose one: {listed}")]
                )
            sheet = names[0]
        elif sheet not in names:
            raise ValidationFailed(
                [("sheet", f"{src.name} has no sheet {sheet!r}; sheets: {', '.join(names)}")]
            )
        ws = wb[sheet]
        if not hasattr(ws, "iter_rows"):
            raise ValidationFailed([("sheet", f"sheet {sheet!r} is a chart, not a table")])
        try:
            written = _write_rows(ws.iter_rows(values_only=True), dest, f"{src.name} [{sheet}]")
        except broken as exc:
            raise ValidationFailed(
                [("file", f"cannot read sheet {sheet!r} of {src.name}: {exc}")]
            ) from None
    finally:
        wb.close()
    headers, row_column, blank, data = written
    if data == 0:
        raise ValidationFailed(
            [("file", f"sheet {sheet!r} of {src.name} has a header but no data rows")]
        )
    return Sheet(sheet, headers, row_column, blank, data)


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
