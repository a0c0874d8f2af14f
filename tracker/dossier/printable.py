"""Data and text exhibits printed as pages: tables for CSV and XLSX, text for the rest.

A settlement ledger is the heart of a 정산 dispute, so a CSV or XLSX exhibit is printed, not
only attached: for each table (each sheet of a workbook, every one named) the first
``PrintLimits.rows`` rows with their row numbers in the file, the number of data rows, and the
totals of the amount columns over *all* rows. Text (UTF-8, CP949, ISO-2022-KR, UTF-16 and
other legacy encodings), JSON (pretty-printed), e-mail (.eml/.msg: the headers and the text
body) and word-processor files (HWP 5, HWPX, DOCX: their text) are printed as text pages.
The page always says where the whole original is (the PDF attachment) and what was left out.

``extract(data, filename=…)`` reads the verified bytes (never the name's extension: a vault
object has none) with the project's own readers: ``tracker.vault.sniff`` for the type and
charset, ``tracker.reconcile.ledger.open_ledger`` for CSV (encodings, delimiters, quoted line
breaks), the bomb checks of ``tracker.reconcile.xlsx`` before openpyxl inflates a workbook,
``tracker.mailimport`` for e-mail, ``doctext`` for HWP/HWPX/DOCX. It returns ``None`` for a
type that has no text to print (then the exhibit gets its description page) and raises for a
file that claims to be printable but cannot be read (the description page says why).

``render_html(printed, exhibit, lang)`` makes the HTML of the exhibit's own part. The part
holds only what comes from the file and the exhibit's record, so it is cached (``build.py``)
until those change: a rebuild after an edit elsewhere reuses it.

Cells are text: a cell that looks like a formula (``=HYPERLINK(…)``) prints as written, and a
workbook's formulas print the value Excel last cached (openpyxl ``data_only``); nothing is
ever evaluated. A column is an *amount* column when every filled cell reads as a number
(``tracker.domain.amounts`` forms: ``1,234,500원``, ``₩-1,234``, ``(1,234)``, ``△1,234``, or a
decimal), none is an identifier with leading zeros, and its header does not name an
identifier, a date or a phone number. Amount cells are right-aligned, plain digits get
thousands separators; totals are exact (``Decimal``).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import json
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .doctext import DocumentUnreadable, docx_text, hwp5_text, hwpx_text
from .glyphs import printable_text

KST = dt.timezone(dt.timedelta(hours=9), "KST")


@dataclasses.dataclass(frozen=True)
class PrintLimits:
    """How much of a data or text exhibit is printed (the whole file is always attached)."""

    rows: int = 200  # data rows printed per table
    rows_total: int = 1000  # data rows printed per exhibit, over all its sheets
    columns: int = 60  # columns printed per table
    cell_chars: int = 300  # characters printed per cell
    text_chars: int = 150_000  # characters of text printed per exhibit (about 50 pages)
    text_lines: int = 3_000  # lines of text printed per exhibit
    sheets: int = 50  # sheets of a workbook read


DEFAULT_LIMITS = PrintLimits()
#: Columns of one printed table, beyond which the table is printed in column groups.
GROUP_COLUMNS = 12
#: Up to this many columns a table fits on a portrait page.
PORTRAIT_COLUMNS = 6


@dataclasses.dataclass
class Table:
    """One printed table: a CSV file or one sheet."""

    name: str | None  # the sheet's name (None for a CSV)
    columns: list[str]
    amount: list[bool]
    totals: list[str | None]
    rows: list[tuple[int, list[str]]]  # (row number in the file or sheet, cells)
    row_count: int  # data rows in the whole table
    hidden_columns: int = 0  # columns past PrintLimits.columns, not printed
    problem: str | None = None  # "chart", "empty", "skipped": why no rows are printed

    @property
    def wide(self) -> bool:
        """Printed on landscape pages."""
        return len(self.columns) > PORTRAIT_COLUMNS


@dataclasses.dataclass
class Printed:
    """What an exhibit prints: tables, or text (with e-mail headers for a message)."""

    kind: str  # "table" or "text"
    format: str  # what the file is, for the page: "CSV", "XLSX", "HWP", "E-mail"…
    charset: str | None = None  # the text's encoding, as read
    charset_guessed: bool = False  # a legacy encoding told from the text itself
    tables: list[Table] = dataclasses.field(default_factory=list)
    sheet_count: int = 0
    text: str = ""
    text_cut: bool = False  # the text was longer than the limits; the rest is in the file
    text_lines: int = 0  # lines of the whole text
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # e-mail
    attachments: list[str] = dataclasses.field(default_factory=list)  # e-mail
    fallback: str | None = None  # why a CSV was printed as text instead of a table

    @property
    def landscape(self) -> bool:
        """Whether the first page is landscape (the first table is wide)."""
        return bool(self.tables) and self.tables[0].wide


# -- deciding ----------------------------------------------------------------------------------


def extract(
    data: bytes, *, filename: str = "", limits: PrintLimits = DEFAULT_LIMITS
) -> Printed | None:
    """What the file prints, or None if it has no text to print (images, archives, programs…).

    Raises ``ValueError`` (``DocumentUnreadable`` and the like) or ``tracker.errors``
    ``TrackerError`` for a file of a printable kind that cannot be read.
    """
    from tracker.mailimport.parse import OLE2_MAGIC
    from tracker.vault import sniff

    head = data[: sniff.SNIFF_BYTES]
    tail = data[-sniff.TAIL_BYTES :] if data.startswith((b"PK\x03\x04", OLE2_MAGIC)) else b""
    found = sniff.sniff_media_type(head, filename, tail=tail)
    kind = found.media_type
    named_mail = sniff.file_extension(filename) in ("eml", "msg")
    if kind == sniff.XLSX or (kind == sniff.ZIP and _is_workbook(data)):
        return _workbook(data, filename, limits)
    if kind == sniff.HWPX:
        return _document("HWPX", hwpx_text(data), limits)
    if kind == sniff.DOCX:
        return _document("DOCX", docx_text(data), limits)
    if kind == sniff.HWP:
        if data.startswith(OLE2_MAGIC):
            return _document("HWP", hwp5_text(data), limits)
        raise DocumentUnreadable("HWP 3 and older documents cannot be read")
    if kind == sniff.MSG or (kind == sniff.EML) or (named_mail and found.charset):
        return _email(data, filename, limits)
    if found.charset is None:
        return None
    if kind == sniff.CSV:
        return _csv(data, filename, found.charset, limits)
    return _text_file(data, found.charset, limits)


def _is_workbook(data: bytes) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


# -- tables ------------------------------------------------------------------------------------

#: Header words of columns that hold numbers but no amounts (identifiers, dates, phones).
#: Korean words end the header (가맹점번호, 정산일자) or, for the second group, appear in it.
_ID_ENDINGS = ("번호", "코드", "일자", "날짜", "연도", "년도", "월", "일시", "시각", "기간")
_ID_PARTS = ("전화", "휴대", "팩스", "사업자", "우편", "계좌", "주민")
_ID_TOKENS = frozenset(
    {
        "id",
        "no",
        "code",
        "number",
        "phone",
        "tel",
        "fax",
        "zip",
        "account",
        "date",
        "year",
        "month",
        "time",
        "ref",
    }
)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_PLAIN_DIGITS = re.compile(r"-?[0-9]{4,}")
_LEADING_ZERO = re.compile(r"[+-]?0[0-9]")


def _number(text: str) -> Decimal | None:
    """The value of a cell that reads as a number (an amount in won or a decimal)."""
    from tracker.domain.amounts import AmountError, parse_amount

    stripped = text.strip()
    if not stripped or not any(ch.isdigit() for ch in stripped):
        return None
    try:
        return Decimal(parse_amount(stripped))
    except AmountError:
        pass
    if _DECIMAL.fullmatch(stripped):
        try:
            value = Decimal(stripped)
        except InvalidOperation:
            return None
        return value if value.is_finite() else None
    return None


def _identifier_header(name: str) -> bool:
    text = unicodedata.normalize("NFC", name).strip()
    tokens = {t.casefold() for t in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", text)}
    bare = re.sub(r"[\s_\-./()\[\]]", "", text)
    return (
        bool(tokens & _ID_TOKENS)
        or bare.endswith(_ID_ENDINGS)
        or any(part in bare for part in _ID_PARTS)
    )


class _Column:
    """What one pass over a table learns about one column."""

    __slots__ = ("filled", "numeric", "total", "places", "leading_zero")

    def __init__(self) -> None:
        self.filled = 0
        self.numeric = 0
        self.total = Decimal(0)
        self.places = 0
        self.leading_zero = False

    def see(self, text: str, value: Decimal | None) -> None:
        if not text.strip():
            return
        self.filled += 1
        if value is None:
            return
        self.numeric += 1
        self.total += value
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < 0:
            self.places = max(self.places, -exponent)
        if _LEADING_ZERO.match(text.strip()):
            self.leading_zero = True


class _TableBuilder:
    def __init__(self, name: str | None, header: list[str], limits: PrintLimits, room: int):
        self.name = name
        self.header = header
        self.limits = limits
        self.room = room  # rows this table may still print (the exhibit's budget)
        self.columns: list[_Column] = [_Column() for _ in header]
        self.rows: list[tuple[int, list[str]]] = []
        self.count = 0

    def add(self, row_number: int, cells: list[str], values: list[Decimal | None]) -> None:
        self.count += 1
        while len(self.columns) < len(cells):
            self.columns.append(_Column())
        for column, text, value in zip(self.columns, cells, values, strict=False):
            column.see(text, value)
        if len(self.rows) < min(self.limits.rows, self.room):
            self.rows.append((row_number, cells))

    def table(self) -> Table:
        width = max(len(self.header), len(self.columns))
        names = [*self.header, *[""] * (width - len(self.header))]
        names = [name.strip() or f"({_column_letter(i)})" for i, name in enumerate(names)]
        shown = min(width, self.limits.columns)
        amount, totals = [], []
        for index in range(shown):
            column = self.columns[index] if index < len(self.columns) else _Column()
            is_amount = (
                column.filled > 0
                and column.numeric == column.filled
                and not column.leading_zero
                and not _identifier_header(names[index])
            )
            amount.append(is_amount)
            totals.append(_format_decimal(column.total, column.places) if is_amount else None)
        rows = []
        for number, cells in self.rows:
            cells = [*cells[:shown], *[""] * (shown - len(cells))]
            rows.append(
                (
                    number,
                    [
                        _amount_text(cell) if amount[i] else _cell(cell, self.limits)
                        for i, cell in enumerate(cells)
                    ],
                )
            )
        return Table(
            name=self.name,
            columns=[_cell(n, self.limits) for n in names[:shown]],
            amount=amount,
            totals=totals,
            rows=rows,
            row_count=self.count,
            hidden_columns=width - shown,
        )


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _format_decimal(value: Decimal, places: int) -> str:
    if places:
        return f"{value.quantize(Decimal(1).scaleb(-places)):,}"
    return f"{value.to_integral_value():,}"


def _amount_text(text: str) -> str:
    """An amount cell as printed: as written, with thousands separators added to bare digits."""
    stripped = printable_text(text.strip())
    if _PLAIN_DIGITS.fullmatch(stripped):
        return f"{int(stripped):,}"
    whole, dot, fraction = stripped.partition(".")
    if dot and _PLAIN_DIGITS.fullmatch(whole) and fraction.isdigit():
        return f"{int(whole):,}.{fraction}"
    return stripped


def _cell(text: str, limits: PrintLimits) -> str:
    text = printable_text(text)
    if len(text) > limits.cell_chars:
        return text[: limits.cell_chars] + "…"
    return text


def _csv(data: bytes, filename: str, charset: str, limits: PrintLimits) -> Printed:
    """A CSV through the ledger reader; a file it refuses (one line, binary bits, no Korean
    CP949) is printed as text instead, with the reason."""
    from tracker.errors import TrackerError
    from tracker.reconcile.ledger import open_ledger

    try:
        ledger = open_ledger(io.BytesIO(data), name=filename or "csv")
    except TrackerError as exc:
        printed = _text_file(data, charset, limits)
        printed.fallback = _reason(exc)
        return printed
    with ledger:
        encoding = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "cp949": "CP949"}.get(
            ledger.encoding or "", ledger.encoding
        )
        with ledger.path.open("r", encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=ledger.delimiter)
            header = next(reader)
            numbered = bool(ledger.row_column)
            if numbered:
                header = header[:-1]
            builder = _TableBuilder(None, header, limits, limits.rows_total)
            try:
                for index, record in enumerate(reader, start=2):
                    number = index
                    if numbered:
                        number, record = int(record[-1]), record[:-1]
                    elif not any(cell.strip() for cell in record):
                        continue
                    builder.add(number, record, [_number(cell) for cell in record])
            except csv.Error:
                pass  # DuckDB would refuse the rest too; what was read is printed
    return Printed(
        kind="table", format="CSV", charset=encoding, tables=[builder.table()], sheet_count=1
    )


def _reason(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        return "; ".join(str(message) for _field, message in errors)
    return str(getattr(exc, "message", "") or exc)


def _workbook(data: bytes, filename: str, limits: PrintLimits) -> Printed:
    """Every sheet of a workbook, after the ledger reader's bomb checks."""
    import tempfile
    import zipfile
    from pathlib import Path

    from tracker.reconcile import ledger, xlsx

    name = filename or "workbook"
    if len(data) > ledger.MAX_XLSX_BYTES:
        raise ValueError(f"the workbook is larger than {ledger.MAX_XLSX_BYTES:,} bytes")
    with tempfile.TemporaryDirectory(prefix="tracker-print-") as folder:
        path = Path(folder) / "workbook"
        path.write_bytes(data)
        facts = xlsx.zip_facts(path, name)
        if (
            facts.members > ledger.MAX_XLSX_MEMBERS
            or facts.uncompressed > ledger.MAX_XLSX_UNCOMPRESSED
            or facts.shared_strings > ledger.MAX_XLSX_SHARED_STRINGS
            or facts.big_worst_ratio > ledger.MAX_XLSX_RATIO
        ):
            raise ValueError("the workbook would inflate beyond the limits (a zip bomb?)")
        xlsx.verify_members(path, name)
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    broken = (InvalidFileException, zipfile.BadZipFile, KeyError, TypeError, OSError, EOFError)
    with warnings.catch_warnings():
        # openpyxl warns about every extension it drops (data validation, slicers…); what it
        # reads is printed, and the original is attached whole.
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            # A formula prints the value Excel cached; one never calculated (a file written
            # by a script) has none and prints as its formula text, so the workbook is read
            # a second time, formulas and all, only when it has formulas.
            formulas = (
                openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
                if _has_formulas(data)
                else None
            )
        except (*broken, ValueError, SyntaxError) as exc:
            raise ValueError(f"the workbook cannot be read ({_reason(exc)})") from None
        try:
            return _sheets(book, formulas, limits)
        finally:
            if formulas is not None:
                formulas.close()


def _has_formulas(data: bytes) -> bool:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name)  # sizes were proven by verify_members
                if b"<f>" in xml or b"<f " in xml or b":f>" in xml or b":f " in xml:
                    return True
    return False


def _sheets(book: Any, formulas: Any, limits: PrintLimits) -> Printed:
    try:
        names = list(book.sheetnames)
        if not names:
            raise ValueError("the workbook has no worksheet that can be read (Strict Open XML?)")
        tables = []
        room = limits.rows_total
        for index, sheet_name in enumerate(names):
            title = printable_text(unicodedata.normalize("NFC", sheet_name))
            if index >= limits.sheets:
                tables.append(Table(title, [], [], [], [], 0, problem="skipped"))
                continue
            twin = formulas[sheet_name] if formulas is not None else None
            table = _sheet(book[sheet_name], twin, title, limits, room)
            room -= len(table.rows)
            tables.append(table)
    finally:
        book.close()
    return Printed(kind="table", format="XLSX", tables=tables, sheet_count=len(names))


def _sheet(sheet: Any, twin: Any, title: str, limits: PrintLimits, room: int) -> Table:
    """One sheet; ``twin`` is the same sheet read with its formulas (or None)."""
    from tracker.reconcile.xlsx import cell_text

    if not hasattr(sheet, "iter_rows"):
        return Table(title, [], [], [], [], 0, problem="chart")
    for each in (sheet, twin):
        if hasattr(each, "reset_dimensions"):
            each.reset_dimensions()  # the declared <dimension> is often wrong: read every row
    written = twin.iter_rows(values_only=True) if hasattr(twin, "iter_rows") else None
    builder: _TableBuilder | None = None
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if written is not None:
            values = _with_formulas(values, next(written, ()))
        cells = [cell_text(value) for value in values]
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells or not any(cell.strip() for cell in cells):
            continue
        if builder is None:
            builder = _TableBuilder(title, cells, limits, room)
            continue
        numbers = [_sheet_number(value, text) for value, text in zip(values, cells, strict=False)]
        builder.add(number, cells, numbers)
    if builder is None:
        return Table(title, [], [], [], [], 0, problem="empty")
    return builder.table()


def _with_formulas(values: tuple, written: tuple) -> tuple:
    """Cached values, and the formula's text (``=SUM(C2:C41)``) where none was cached."""
    width = max(len(values), len(written))
    merged = []
    for index in range(width):
        value = values[index] if index < len(values) else None
        if value is None and index < len(written):
            formula = written[index]
            if isinstance(formula, str) and formula.startswith("="):
                value = formula
        merged.append(value)
    return tuple(merged)


def _sheet_number(value: object, text: str) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        return _number(text)
    return None  # dates and times are not amounts


# -- text --------------------------------------------------------------------------------------

#: Legacy encodings tried, in this order, for text that is neither UTF-8, UTF-16 nor CP949.
LEGACY_CODECS = (
    "shift_jis",
    "big5",
    "gb18030",
    "euc_jp",
    "johab",
    "koi8_r",
    "cp1251",
    "cp1252",
)
_CODEC_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "cp949": "CP949",
    "iso-2022-kr": "ISO-2022-KR",
    "utf-16": "UTF-16",
    "shift_jis": "Shift_JIS",
    "big5": "Big5",
    "gb18030": "GB18030",
    "euc_jp": "EUC-JP",
    "johab": "Johab",
    "koi8_r": "KOI8-R",
    "cp1251": "Windows-1251",
    "cp1252": "Windows-1252",
}


def decode_text(data: bytes, charset: str | None) -> tuple[str, str, bool]:
    """``(text, codec name, guessed)`` for text sniffed as ``charset``.

    UTF-8 (with or without BOM), CP949, ISO-2022-KR and UTF-16 are read as sniffed; text in
    another legacy encoding is read with the codec of ``LEGACY_CODECS`` that decodes it
    strictly into the most plausible characters (``guessed``). Bytes that still do not decode
    are shown as U+FFFD.
    """
    if charset == "utf-8":
        codec = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        return data.decode(codec, errors="replace"), _CODEC_NAMES[codec], False
    if charset == "cp949" and b"\xa4\xd4" in data:
        # KS X 1001 spells syllables beyond its 2,350 as eight bytes starting with the Hangul
        # filler (A4D4); Python's euc_kr codec composes them, cp949 would print the jamo.
        try:
            return data.decode("euc_kr"), "EUC-KR", False
        except UnicodeDecodeError:
            pass
    if charset in ("cp949", "iso-2022-kr", "utf-16"):
        codec = {"iso-2022-kr": "iso2022_kr"}.get(charset, charset)
        return data.decode(codec, errors="replace"), _CODEC_NAMES[charset], False
    best: tuple[float, str, str] | None = None
    for codec in LEGACY_CODECS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text)
        if best is None or score > best[0]:
            best = (score, codec, text)
    if best is None:
        return data.decode("cp1252", errors="replace"), _CODEC_NAMES["cp1252"], True
    return best[2], _CODEC_NAMES[best[1]], True


def _plausibility(text: str) -> float:
    """How much decoded text looks like writing: letters of one script score, private-use
    characters, box drawing and stray symbols (what a wrong codec makes of the bytes) cost."""
    score = 0.0
    counted = 0
    for char in text:
        point = ord(char)
        if point < 0x80:
            continue
        counted += 1
        if 0xE000 <= point <= 0xF8FF:
            score -= 10
        elif 0x2500 <= point <= 0x259F:
            score -= 2
        elif 0x3040 <= point <= 0x30FF:
            # Kana: Japanese writing has it on every line, while Shift_JIS bytes read as
            # GB18030 give only (rare) Han characters, which score as any other Han.
            score += 2
        elif 0x4E00 <= point <= 0x9FFF:
            score += 1
        elif 0xAC00 <= point <= 0xD7A3:
            score += 1 if len(char.encode("euc_kr", errors="ignore")) == 2 else -1
        elif 0x3000 <= point <= 0x303F or 0xFF00 <= point <= 0xFFEF:
            score += 0.5
        elif 0x0400 <= point <= 0x04FF or char.isalpha():
            score += 0.5
        elif unicodedata.category(char).startswith(("S", "P")):
            score -= 1
    return score / counted if counted else 0.0


def _text_file(data: bytes, charset: str, limits: PrintLimits) -> Printed:
    text, codec, guessed = decode_text(data, charset)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fmt = "TEXT"
    stripped = text.lstrip("\ufeff \t\n")
    if stripped[:1] in ("{", "["):
        try:
            text = json.dumps(json.loads(stripped), ensure_ascii=False, indent=2)
            fmt = "JSON"
        except (ValueError, RecursionError):
            pass
    printed = _document(fmt, text, limits)
    printed.charset, printed.charset_guessed = codec, guessed
    return printed


def _document(fmt: str, text: str, limits: PrintLimits) -> Printed:
    if not text.strip():
        raise DocumentUnreadable("the file holds no text")
    text, cut, lines = _cut(text, limits)
    return Printed(kind="text", format=fmt, text=text, text_cut=cut, text_lines=lines)


def _cut(text: str, limits: PrintLimits) -> tuple[str, bool, int]:
    """The text as printed (cut to the limits, on a line end where possible), whether it was
    cut, and how many lines the whole text has."""
    text = text.rstrip()
    lines = text.count("\n") + 1
    cut = False
    if len(text) > limits.text_chars:
        text, cut = text[: limits.text_chars], True
    if text.count("\n") >= limits.text_lines:
        text, cut = "\n".join(text.split("\n")[: limits.text_lines]), True
    if cut and "\n" in text[-2000:]:
        text = text[: text.rindex("\n")]
    return printable_text(text), cut, lines


def _email(data: bytes, filename: str, limits: PrintLimits) -> Printed:
    from tracker.mailimport import parse_email_file

    message = parse_email_file(data, filename, max_bytes=None)
    when = message.date.astimezone(KST).strftime("%Y-%m-%d %H:%M KST") if message.date else ""
    headers = [
        ("from", message.sender),
        ("to", ", ".join(message.to)),
        ("cc", ", ".join(message.cc)),
        ("date", when or (message.date_raw or "")),
        ("subject", message.subject),
    ]
    body = message.text_body.strip()
    text, cut, lines = _cut(body, limits) if body else ("", False, 0)
    return Printed(
        kind="text",
        format="MSG" if message.source_format == "msg" else "EML",
        text=text,
        text_cut=cut,
        text_lines=lines,
        headers=[(key, printable_text(value)) for key, value in headers if value],
        attachments=[printable_text(a.filename) for a in message.attachments if not a.inline],
    )


# -- pages -------------------------------------------------------------------------------------

WORDS: Mapping[str, Mapping[str, str]] = {
    "ko": {
        "format": "형식",
        "filename": "파일 이름",
        "encoding": "문자 인코딩",
        "encoding_guessed": "{codec} (내용으로 판단)",
        "attached": "원본 파일 전체는 이 PDF에 첨부파일 「{attachment}」로 들어 있습니다.",
        "rows": "전체 {count}행",
        "rows_shown": "전체 {count}행 중 처음 {shown}행을 인쇄했습니다.",
        "rows_none": "데이터 행이 없습니다.",
        "rows_all": "전체 {count}행을 모두 인쇄했습니다.",
        "rows_budget": "인쇄 분량 제한으로 이 표의 행은 인쇄하지 않았습니다 (전체 {count}행).",
        "sheets": "시트 {count}개: {names}",
        "sheet": "시트 「{name}」",
        "sheet_chart": "차트 시트이므로 표가 없습니다.",
        "sheet_empty": "빈 시트입니다.",
        "sheet_skipped": "시트가 많아 이 시트는 읽지 않았습니다.",
        "columns_hidden": "오른쪽 {count}개 열은 인쇄하지 않았습니다.",
        "column_group": "열 {first}–{last}",
        "row_no": "행",
        "total": "합계 (전체 {count}행)",
        "total_short": "합계",
        "totals_note": "합계는 금액 열의 전체 {count}행 합계입니다.",
        "no_totals": "금액으로 읽히는 열이 없어 합계를 내지 않았습니다.",
        "text_cut": (
            "내용이 길어 처음 부분(전체 {lines}행 중 앞부분)만 인쇄했습니다. "
            "나머지는 첨부된 원본 파일에 있습니다."
        ),
        "fallback": "표로 읽을 수 없어 글자 그대로 인쇄했습니다: {reason}",
        "from": "보낸 사람",
        "to": "받는 사람",
        "cc": "참조",
        "date": "보낸 날짜",
        "subject": "제목",
        "attachments": "첨부 파일",
        "no_body": "본문(텍스트)이 없습니다.",
        "body": "본문",
    },
    "en": {
        "format": "Format",
        "filename": "File name",
        "encoding": "Character encoding",
        "encoding_guessed": "{codec} (judged from the content)",
        "attached": "The whole original file is attached to this PDF as “{attachment}”.",
        "rows": "{count} rows in all",
        "rows_shown": "The first {shown} of {count} rows are printed.",
        "rows_none": "No data rows.",
        "rows_all": "All {count} rows are printed.",
        "rows_budget": "Rows of this table are not printed, to keep the bundle short "
        "({count} rows in all).",
        "sheets": "{count} sheet(s): {names}",
        "sheet": "Sheet “{name}”",
        "sheet_chart": "A chart sheet: it holds no table.",
        "sheet_empty": "An empty sheet.",
        "sheet_skipped": "Not read: the workbook has too many sheets.",
        "columns_hidden": "{count} columns on the right are not printed.",
        "column_group": "Columns {first}–{last}",
        "row_no": "Row",
        "total": "Total ({count} rows)",
        "total_short": "Total",
        "totals_note": "Totals are over all {count} rows of each amount column.",
        "no_totals": "No column reads as amounts, so no totals are given.",
        "text_cut": (
            "The text is long: only its beginning is printed (of {lines} lines). "
            "The rest is in the attached original file."
        ),
        "fallback": "Printed as plain text, since it cannot be read as a table: {reason}",
        "from": "From",
        "to": "To",
        "cc": "Cc",
        "date": "Date",
        "subject": "Subject",
        "attachments": "Attachments",
        "no_body": "The message has no text body.",
        "body": "Body",
    },
}


def _groups(table: Table) -> list[dict[str, Any]]:
    """The table's columns cut into groups that fit across a page, each a printed table."""
    width = len(table.columns)
    groups = []
    for first in range(0, max(width, 1), GROUP_COLUMNS):
        last = min(first + GROUP_COLUMNS, width)
        index = list(range(first, last))
        groups.append(
            {
                "first": first + 1,
                "last": last,
                "columns": [(table.columns[i], table.amount[i]) for i in index],
                "rows": [(number, [cells[i] for i in index]) for number, cells in table.rows],
                "totals": [table.totals[i] for i in index],
                # the columns before the first amount: the totals' label spans them
                "lead": next((n for n, i in enumerate(index) if table.amount[i]), len(index)),
            }
        )
    return groups


def render_html(printed: Printed, exhibit: Mapping[str, Any], lang: str) -> str:
    """The HTML of the exhibit's printed pages (``templates/dossier/printed.html``)."""
    from .html import environment

    words = WORDS[lang]

    def say(key: str, **values: Any) -> str:
        return words[key].format(**values) if values else words[key]

    tables = [{"table": table, "groups": _groups(table)} for table in printed.tables]
    return (
        environment()
        .get_template("printed.html")
        .render(
            lang=lang,
            mode="parted",
            purpose="",
            prepared_by="",
            document_title=exhibit.get("title") or "",
            e=exhibit,
            p=printed,
            tables=tables,
            w=say,
            count=_count,
        )
    )


def _count(value: int) -> str:
    return f"{value:,}"


#: Name prefix of the part holding one exhibit's printed pages (``print:ex-3``).
PRINTED_PART = "print:"


def printed_parts(
    lang: str, exhibits: Iterable[Mapping[str, Any]], files: Mapping[str, Any]
) -> list[Any]:
    """One part per printed exhibit, in label order. ``files`` maps each exhibit's anchor to
    its ``ExhibitFile``. The part's name says which exhibit's pages it holds; its HTML (and so
    its cache key) depends only on the file and the exhibit's record."""
    from .html import Part

    parts = []
    for exhibit in exhibits:
        item = files[exhibit["anchor"]]
        if item.printed is not None:
            html = render_html(item.printed, exhibit, lang)
            parts.append(Part(f"{PRINTED_PART}{exhibit['anchor']}", None, True, html))
    return parts
