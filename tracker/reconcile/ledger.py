"""Open a delivered ledger (CSV or XLSX) safely and hand DuckDB a clean UTF-8 CSV.

A :class:`Ledger` is what the reconciliation engine and the data audit read. Opening one
hashes the original bytes, finds out what the file is and refuses anything we cannot read
faithfully: empty files, header-only files, binary data, text that is neither UTF-8 nor
CP949, oversized or bomb-like workbooks and ``.xlsx`` files that are not zip archives.

The reader is chosen by the file's content (``tracker.vault.sniff``), never by its name: a
vault object has no suffix. ``open_ledger`` takes a path or an open binary stream (an S3 object
body); a stream is first copied, streamed, to a temporary file that :meth:`Ledger.close` removes.

Nothing here loads a whole file into memory. UTF-8 files are used in place. CP949 (EUC-KR)
files are transcoded chunk by chunk through an incremental decoder, so a Hangul character split
across two chunks is decoded correctly. XLSX sheets are streamed row by row with openpyxl's
read-only mode.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import shutil
import tempfile
import weakref
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from tracker.errors import NotFound, TooLarge, ValidationFailed
from tracker.reconcile import xlsx
from tracker.reconcile.headers import clean_headers, norm_header, row_column_name
from tracker.reconcile.headers import suggest_columns as suggest_columns
from tracker.reconcile.sql import sql_literal
from tracker.vault import sniff

CHUNK_BYTES = 1 << 20
SAMPLE_BYTES = 64 * 1024
MAX_CSV_BYTES = 4 << 30
MAX_XLSX_BYTES = 100 << 20
MAX_XLSX_UNCOMPRESSED = 1 << 30
MAX_XLSX_SHARED_STRINGS = 256 << 20
MAX_XLSX_RATIO = 200
MAX_XLSX_MEMBERS = 10_000

_DELIMITERS = (",", "\t", ";", "|")
_BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")
_NON_SPACE = re.compile(rb"\S")
_QUOTED = re.compile(r'"[^"]*"')
_GLOB = re.compile(r"[*?\[\]{}]")


class LedgerTooLarge(ValidationFailed, TooLarge):
    """A ledger over a size limit: a ValidationFailed (``errors`` name the problem) that is also
    a TooLarge, so the web layer may answer 413."""

    status_code = 413


@dataclass(frozen=True)
class Ledger:
    """A ledger ready for DuckDB.

    ``path`` is a UTF-8 CSV (with or without BOM) using ``delimiter``; its first record is a
    header whose cleaned names are ``headers``. When ``row_column`` is set, the CSV carries one
    more, last column with that name holding the row number of each record in the original
    file (the header is row 1, as in Excel); otherwise the n-th record is row n + 1.
    ``blank_rows`` counts rows dropped while converting because every cell was empty.
    ``sha256``, ``size``, ``encoding`` and ``format`` describe the original file.
    """

    path: Path
    headers: tuple[str, ...]
    sha256: str
    encoding: str | None
    format: str
    name: str
    size: int
    delimiter: str = ","
    sheet: str | None = None
    row_column: str | None = None
    blank_rows: int = 0
    _workdir: Path | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._workdir is not None:
            weakref.finalize(self, shutil.rmtree, self._workdir, True)

    def close(self) -> None:
        """Delete the temporary files made while opening (the original is never touched)."""
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> dict:
        """The original file's identity, for reports (no temporary paths, so it is stable)."""
        return {
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "format": self.format,
            "encoding": self.encoding,
            "sheet": self.sheet,
        }

    def column(self, name: str, *, field: str = "") -> str:
        """Return the header matching ``name``: trimmed and NFC-normalised, exact case first.

        Raises ValidationFailed (on ``field``) naming the columns that do exist when none does.
        Headers are unique regardless of case, so there is at most one match of each kind.
        """
        wanted = norm_header(name)
        for header in self.headers:
            if header == wanted:
                return header
        for header in self.headers:
            if header.casefold() == wanted.casefold():
                return header
        listed = ", ".join(self.headers)
        raise ValidationFailed(
            [(field, f"no column {name!r} in {self.name}; columns are: {listed}")]
        )

    def sql_source(self, *, parallel: bool = True) -> str:
        """A DuckDB ``read_csv(...)`` expression reading every column as VARCHAR.

        Rows shorter than the header are padded with NULLs; longer rows make DuckDB fail.
        The row-number column, when present, is read as BIGINT. DuckDB's parallel reader
        refuses quoted line breaks together with NULL padding; ``sql.execute_reading`` retries
        such a file with ``parallel=False`` (slower, so only for files that need it).
        """
        cols = [f"{sql_literal(h)}: 'VARCHAR'" for h in self.headers]
        if self.row_column:
            cols.append(f"{sql_literal(self.row_column)}: 'BIGINT'")
        return (
            f"read_csv({sql_literal(str(self.path))}, header = true, auto_detect = false, "
            f"delim = {sql_literal(self.delimiter)}, quote = '\"', escape = '\"', "
            f"null_padding = true, encoding = 'utf-8', parallel = {str(parallel).lower()}, "
            f"columns = {{{', '.join(cols)}}})"
        )


class _Scratch:
    """The one temporary directory of a ledger being opened, made when first needed."""

    def __init__(self, workdir: str | Path | None) -> None:
        self.workdir = workdir
        self.path: Path | None = None

    def dir(self) -> Path:
        if self.path is None:
            self.path = Path(tempfile.mkdtemp(prefix="tracker-ledger-", dir=self.workdir))
        return self.path

    def discard(self) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None


def open_ledger(
    source: str | Path | BinaryIO,
    *,
    name: str | None = None,
    sheet: str | None = None,
    workdir: str | Path | None = None,
    max_csv_bytes: int = MAX_CSV_BYTES,
    max_xlsx_bytes: int = MAX_XLSX_BYTES,
) -> Ledger:
    """Open ``source`` as a ledger: hash it, detect its format and encoding, check its shape.

    ``source`` is a path or a readable binary stream (copied to a temporary file first);
    ``name`` is how messages and reports call it (default: the path's file name). The reader
    is chosen by content, so a path without a suffix (a vault object) reads like any other.

    Accepts CSV (UTF-8, UTF-8 with BOM, CP949/EUC-KR; comma, tab, semicolon or pipe delimited;
    quoted cells may hold line breaks) and XLSX. Refuses, with ValidationFailed saying why:
    empty files, a header with no data rows, NUL bytes (binary or UTF-16/32 text), text that
    is neither UTF-8 nor Korean CP949, other kinds of file (PDF, images, Word…), ``.xlsx``
    files that are not zip archives, zip archives that are not workbooks, workbooks whose
    members would inflate beyond the limits (zip bombs) or whose declared sizes lie, and a
    workbook with several sheets when ``sheet`` is not given (the message lists the sheet
    names). Size limits raise :class:`LedgerTooLarge`. Temporary files live under ``workdir``
    (or the system temp dir) until :meth:`Ledger.close`.
    """
    scratch = _Scratch(workdir)
    try:
        if isinstance(source, str | Path):
            src = Path(source)
            if not src.is_file():
                raise NotFound(f"file not found: {src}")
            name = name or src.name
        else:
            name = name or Path(str(getattr(source, "name", "") or "ledger")).name
            src = scratch.dir() / "original"
            _copy_stream(source, src, name, max(max_csv_bytes, max_xlsx_bytes))
        return _open(src, name, sheet, scratch, max_csv_bytes, max_xlsx_bytes)
    except BaseException:
        scratch.discard()
        raise


def _copy_stream(source: BinaryIO, dest: Path, name: str, limit: int) -> None:
    copied = 0
    with dest.open("wb") as out:
        while chunk := source.read(CHUNK_BYTES):
            copied += len(chunk)
            if copied > limit:
                raise LedgerTooLarge(
                    [("file", f"{name} is larger than {limit:,} bytes, the limit for a ledger")]
                )
            out.write(chunk)


_ZIP_TYPES = frozenset(
    {sniff.XLSX, sniff.ZIP, sniff.DOCX, sniff.PPTX, sniff.HWPX, sniff.JAR, sniff.APK}
)
_OLE_TYPES = frozenset(
    {sniff.OLE2, sniff.XLS, sniff.DOC, sniff.PPT, sniff.MSG, sniff.HWP, sniff.MSI}
)


def _encrypted_ooxml(src: Path) -> bool:
    """Whether an OLE2 file is an encrypted Office Open XML package (Excel's "Encrypt with
    Password"): such files hold a stream named EncryptedPackage, near the start or the end."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with src.open("rb") as f:
        head = f.read(sniff.TAIL_BYTES)
        end = f.seek(0, 2)
        f.seek(max(0, end - sniff.TAIL_BYTES))
        return marker in head or marker in f.read()


def _open(
    src: Path,
    name: str,
    sheet: str | None,
    scratch: _Scratch,
    max_csv_bytes: int,
    max_xlsx_bytes: int,
) -> Ledger:
    size = src.stat().st_size
    if size == 0:
        raise ValidationFailed([("file", f"{name} is empty")])
    with src.open("rb") as f:
        found = sniff.sniff_file(f, name)
    kind = found.media_type
    if kind in _OLE_TYPES and _encrypted_ooxml(src):
        raise ValidationFailed(
            [
                (
                    "file",
                    f"{name} is a password-protected (encrypted) workbook; remove the password "
                    "in Excel and save it again, or save the sheet as CSV",
                )
            ]
        )
    if kind in _ZIP_TYPES and kind not in (sniff.XLSX, sniff.ZIP):
        raise ValidationFailed(
            [("file", f"{name} is not a workbook (content: {found.label}); save it as XLSX or CSV")]
        )
    if kind in _ZIP_TYPES:
        # A plain "ZIP" may still be a workbook whose parts the sniffer did not see;
        # zip_facts reads the central directory and tells.
        return _open_xlsx(src, name, size, sheet=sheet, scratch=scratch, max_bytes=max_xlsx_bytes)
    if sniff.file_extension(name) in ("xlsx", "xlsm"):
        # The name is only a hint, but it tells what the sender meant to send.
        raise ValidationFailed(
            [("file", f"{name} is not a valid XLSX workbook (it is not a zip archive)")]
        )
    if kind == sniff.XLS or (kind in _OLE_TYPES and sniff.file_extension(name) == "xls"):
        raise ValidationFailed(
            [("file", f"{name} is a legacy .xls (OLE) file; save it as .xlsx or CSV")]
        )
    if found.charset == "utf-16":
        raise ValidationFailed([("file", f"{name} is UTF-16 text; save it as CSV UTF-8 or CP949")])
    if found.charset is None and kind != sniff.UNKNOWN:
        raise ValidationFailed(
            [("file", f"{name} is not a CSV or XLSX ledger (content: {found.label})")]
        )
    if size > max_csv_bytes:
        raise LedgerTooLarge(
            [("file", f"{name} is {size:,} bytes; the limit for CSV is {max_csv_bytes:,}")]
        )
    return _open_csv(src, name, size, scratch=scratch)


# --- CSV -------------------------------------------------------------------------------------


@dataclass
class _Scan:
    sha256: str
    utf8: bool
    interior_blank_line: bool


def _scan(src: Path, name: str) -> _Scan:
    """One pass: hash, refuse NUL bytes, check UTF-8, look for blank lines inside the data."""
    digest = hashlib.sha256()
    decoder: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")("strict")
    blank_pending = False
    interior = False
    carry = b""
    with src.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
            if b"\x00" in chunk:
                raise ValidationFailed(
                    [
                        (
                            "file",
                            f"{name} contains NUL bytes: it is binary data or UTF-16/UTF-32 "
                            "text, not a CSV in UTF-8 or CP949",
                        )
                    ]
                )
            # Pure-ASCII chunks are valid UTF-8 when no multi-byte character is pending.
            if decoder is not None and not (chunk.isascii() and not decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    decoder = None
            if not interior:
                # A blank line only matters if data follows it: trailing ones are harmless.
                if blank_pending:
                    interior = bool(_NON_SPACE.search(chunk))
                else:
                    window = carry + chunk
                    m = _BLANK_LINE.search(window)
                    if m:
                        interior = bool(_NON_SPACE.search(window, m.end()))
                        blank_pending = not interior
                    carry = window[-256:]
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            decoder = None
    return _Scan(digest.hexdigest(), decoder is not None, interior)


def _open_csv(src: Path, name: str, size: int, *, scratch: _Scratch) -> Ledger:
    scan = _scan(src, name)
    path = src
    if scan.utf8:
        with src.open("rb") as f:
            encoding = "utf-8-sig" if f.read(3) == codecs.BOM_UTF8 else "utf-8"
        if _GLOB.search(str(src.resolve())):
            # DuckDB expands glob characters in paths; read through a plain-named link.
            path = scratch.dir() / "source.csv"
            path.symlink_to(src.resolve())
    else:
        encoding = "cp949"
        path = scratch.dir() / "transcoded.csv"
        _transcode_cp949(src, path, name)
    headers, delimiter, has_data = _read_header(path, name)
    if not has_data:
        raise ValidationFailed([("file", f"{name} has a header but no data rows")])
    row_column = None
    blank_rows = 0
    if scan.interior_blank_line:
        # DuckDB skips blank lines, which would shift every later row number. Rewrite the
        # file with the original row numbers in an extra column instead.
        out = scratch.dir() / "numbered.csv"
        row_column = row_column_name(headers)
        blank_rows, data_rows = _renumber(path, out, name, delimiter, headers, row_column)
        if data_rows == 0:
            raise ValidationFailed([("file", f"{name} has a header but no data rows")])
        path, delimiter = out, ","
    return Ledger(
        path=path,
        headers=headers,
        sha256=scan.sha256,
        encoding=encoding,
        format="csv",
        name=name,
        size=size,
        delimiter=delimiter,
        row_column=row_column,
        blank_rows=blank_rows,
        _workdir=scratch.path,
    )


def _transcode_cp949(src: Path, dest: Path, name: str) -> None:
    """Stream CP949 → UTF-8; refuse undecodable bytes and text that is not plausibly Korean."""
    decoder = codecs.getincrementaldecoder("cp949")("strict")
    sample: str | None = ""  # None once judged
    offset = 0
    with src.open("rb") as f, dest.open("wb") as out:
        while True:
            chunk = f.read(CHUNK_BYTES)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                raise ValidationFailed(
                    [
                        (
                            "file",
                            f"{name} is neither UTF-8 nor CP949 (EUC-KR) text "
                            f"(undecodable bytes near byte {offset + exc.start:,}); "
                            "save it as CSV UTF-8",
                        )
                    ]
                ) from None
            if sample is not None:
                sample += text[: SAMPLE_BYTES - len(sample)]
                if len(sample) >= SAMPLE_BYTES or final:
                    if not _looks_korean(sample):
                        raise ValidationFailed(
                            [
                                (
                                    "file",
                                    f"{name} is not UTF-8 and does not read as Korean CP949 "
                                    "(EUC-KR) text either (Shift-JIS or another encoding?); "
                                    "save it as CSV UTF-8",
                                )
                            ]
                        )
                    sample = None
            out.write(text.encode("utf-8"))
            offset += len(chunk)
            if final:
                break


def _looks_korean(text: str) -> bool:
    """Whether non-ASCII text decoded as CP949 is mostly the common Korean repertoire.

    Real Korean data uses KS X 1001 characters (the 2,350 common syllables, jamo, symbols,
    full-width forms). Bytes of another legacy encoding (Shift-JIS, GBK…) decoded as CP949 land
    mostly on the rare UHC extension syllables or on Hanja. A quarter of those is tolerated:
    names like 똠 are extension syllables too.
    """
    counts = Counter(ch for ch in text if ord(ch) > 0x7F)
    total = sum(counts.values())
    good = 0
    for ch, n in counts.items():
        if 0x4E00 <= ord(ch) <= 0x9FFF or 0xF900 <= ord(ch) <= 0xFAFF:
            continue
        try:
            # Python's euc_kr spells other syllables as 8-byte jamo sequences: not KS X 1001.
            if len(ch.encode("euc_kr")) == 2:
                good += n
        except UnicodeEncodeError:
            continue
    return good >= 0.75 * total


def _read_header(path: Path, name: str) -> tuple[tuple[str, ...], str, bool]:
    """Parse the header record; tell whether anything but blanks follows it in the sample."""
    with path.open("rb") as f:
        raw = f.read(SAMPLE_BYTES)
        more = bool(f.read(1))
    text = codecs.getincrementaldecoder("utf-8-sig")("strict").decode(raw, final=not more)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise ValidationFailed(
            [("file", f"the first line of {name} is blank; it must be the header row")]
        )
    unquoted = _QUOTED.sub("", first_line)
    delimiter = max(_DELIMITERS, key=lambda d: (unquoted.count(d), -_DELIMITERS.index(d)))
    buf = io.StringIO(text, newline="")
    try:
        record = next(csv.reader(buf, delimiter=delimiter))
    except csv.Error as exc:
        raise ValidationFailed([("file", f"cannot read the header of {name}: {exc}")]) from None
    end = buf.tell()
    if more and end >= len(text):
        raise ValidationFailed([("file", f"the header of {name} is longer than 64 KiB")])
    rest = text[end:]
    has_data = more or bool(re.sub(r'[\s"' + re.escape(delimiter) + "]", "", rest))
    return clean_headers(record, name, keep_blank_tail=True), delimiter, has_data


def _renumber(
    src: Path, dest: Path, name: str, delimiter: str, headers: tuple[str, ...], row_column: str
) -> tuple[int, int]:
    """Copy a UTF-8 CSV as comma-separated, skipping blank records, adding each row number."""
    blank = data = 0
    width = len(headers)
    with (
        src.open("r", encoding="utf-8-sig", newline="") as f,
        dest.open("w", encoding="utf-8", newline="") as out,
    ):
        reader = csv.reader(f, delimiter=delimiter)
        writer = csv.writer(out, lineterminator="\n")
        next(reader)
        writer.writerow([*headers, row_column])
        pending = 0  # blank records count once data follows them; trailing ones do not
        try:
            for row_no, record in enumerate(reader, start=2):
                if not any(v.strip() for v in record):
                    pending += 1
                    continue
                if len(record) > width:
                    raise ValidationFailed(
                        [("file", f"row {row_no} of {name} has more fields than the header")]
                    )
                writer.writerow([*record, *([""] * (width - len(record))), row_no])
                blank, pending = blank + pending, 0
                data += 1
        except csv.Error as exc:
            raise ValidationFailed(
                [("file", f"cannot read {name} as CSV near line {reader.line_num}: {exc}")]
            ) from None
    return blank, data


# --- XLSX ------------------------------------------------------------------------------------


def _open_xlsx(
    src: Path, name: str, size: int, *, sheet: str | None, scratch: _Scratch, max_bytes: int
) -> Ledger:
    if size > max_bytes:
        raise LedgerTooLarge(
            [("file", f"{name} is {size:,} bytes; the limit for XLSX is {max_bytes:,}")]
        )
    facts = xlsx.zip_facts(src, name)
    bomb = "refusing it as a possible zip bomb"
    if facts.members > MAX_XLSX_MEMBERS:
        raise ValidationFailed([("file", f"{name} holds {facts.members:,} files; {bomb}")])
    if facts.uncompressed > MAX_XLSX_UNCOMPRESSED:
        raise LedgerTooLarge(
            [
                (
                    "file",
                    f"{name} would inflate to {facts.uncompressed:,} bytes "
                    f"(limit {MAX_XLSX_UNCOMPRESSED:,}); {bomb}",
                )
            ]
        )
    if facts.shared_strings > MAX_XLSX_SHARED_STRINGS:
        raise LedgerTooLarge(
            [
                (
                    "file",
                    f"{name}: its shared-strings table inflates to {facts.shared_strings:,} "
                    f"bytes (limit {MAX_XLSX_SHARED_STRINGS:,}); save the sheet as CSV instead",
                )
            ]
        )
    if facts.big_worst_ratio > MAX_XLSX_RATIO:
        raise ValidationFailed(
            [
                (
                    "file",
                    f"{name}: {facts.worst_member} inflates {facts.worst_ratio:,.0f}× "
                    f"(limit {MAX_XLSX_RATIO}×); {bomb}",
                )
            ]
        )
    digest = hashlib.sha256()
    with src.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
    # The limits above trust the sizes the zip declares; make sure they are true before
    # openpyxl inflates anything (a member that inflates past its declared size is refused).
    xlsx.verify_members(src, name)
    dest = scratch.dir() / "sheet.csv"
    found = xlsx.sheet_to_csv(src, dest, sheet, name=name)
    return Ledger(
        path=dest,
        headers=found.headers,
        sha256=digest.hexdigest(),
        encoding=None,
        format="xlsx",
        name=name,
        size=size,
        delimiter=",",
        sheet=found.name,
        row_column=found.row_column,
        blank_rows=found.blank_rows,
        _workdir=scratch.path,
    )
