"""Ledgers as they arrive in real use: vault objects without a suffix, streams, workbooks that
understate their size, NFD sheet names, formula-like keys, and the real corpus files."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import struct
import unicodedata
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.reconcile.builders import write_csv, write_xlsx
from tracker.errors import ValidationFailed
from tracker.reconcile import cells, open_ledger, reconcile
from tracker.reconcile.audit import audit

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "sheet"
ROWS = [["회원ID", "잔액", "비고"]] + [[f"U{i:03d}", i * 100, f"row {i}"] for i in range(1, 9)]


def as_vault_object(src: Path, tmp_path: Path) -> Path:
    """The file as the vault keeps it: named by its SHA-256, no suffix."""
    dest = tmp_path / "objects" / hashlib.sha256(src.read_bytes()).hexdigest()
    dest.parent.mkdir(exist_ok=True)
    shutil.copy(src, dest)
    return dest


def rewrite_member(src: Path, member: str, change) -> None:
    """Rewrite one member of a zip with ``change(bytes) -> bytes``, sizes kept truthful."""
    with zipfile.ZipFile(src) as zf:
        items = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(src, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, change(data) if info.filename == member else data)


def declare_size(src: Path, member: str, size: int, *, crc_of_prefix: bool) -> None:
    """Make the zip headers (local and central) declare ``size`` bytes for ``member``;
    with ``crc_of_prefix`` the CRC is that of the first ``size`` bytes, so Python's zipfile
    would stop there without noticing anything."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        real = zf.read(member)
    crc = zlib.crc32(real[:size]) if crc_of_prefix else zlib.crc32(real)
    name = member.encode()
    # (signature, offset of CRC, of the uncompressed size, of the name length, of the name)
    headers = ((b"PK\x03\x04", 14, 22, 26, 30), (b"PK\x01\x02", 16, 24, 28, 46))
    for signature, crc_at, size_at, name_len_at, name_at in headers:
        start = 0
        while (start := data.find(signature, start)) != -1:
            (name_len,) = struct.unpack_from("<H", data, start + name_len_at)
            if data[start + name_at : start + name_at + name_len] == name:
                struct.pack_into("<I", data, start + crc_at, crc)
                struct.pack_into("<I", data, start + size_at, size)
            start += 4
    src.write_bytes(bytes(data))


# --- the reader follows the content, not the name ---------------------------------------------


def test_a_workbook_without_a_suffix_is_read_as_a_workbook(tmp_path):
    book = write_xlsx(tmp_path / "정산.xlsx", {"정산": ROWS})
    obj = as_vault_object(book, tmp_path)
    with open_ledger(obj, name="정산.xlsx") as ledger:
        assert ledger.format == "xlsx" and ledger.sheet == "정산"
        assert ledger.describe()["name"] == "정산.xlsx"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_a_stream_is_read_like_a_file_and_its_copy_removed(tmp_path, encoding):
    src = write_csv(tmp_path / "l.csv", [[str(c) for c in r] for r in ROWS], encoding=encoding)
    work = tmp_path / "work"
    work.mkdir()
    with src.open("rb") as stream:
        ledger = open_ledger(stream, name="원장.csv", workdir=work)
    with ledger:
        assert ledger.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
        assert ledger.name == "원장.csv" and ledger.encoding == encoding
        report = audit(ledger, "users")
        assert report.rows == 8 and report.usable_rows == 8
    assert list(work.iterdir()) == []


def test_a_workbook_stream_is_read(tmp_path):
    book = write_xlsx(tmp_path / "b.xlsx", {"s": ROWS})
    with open_ledger(io.BytesIO(book.read_bytes()), name="b.xlsx") as ledger:
        assert ledger.format == "xlsx" and len(ledger.headers) == 3


def test_a_pdf_or_word_file_is_refused_by_its_content(tmp_path):
    pdf = tmp_path / "ledger.csv"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + b"\0" * 64)
    assert "not a CSV or XLSX ledger (content: PDF document)" in _refusal(pdf)
    word = CORPUS.parent / "doc" / "poi-sample.docx"
    assert "not a workbook (content: Word document (DOCX))" in _refusal(word)


def _refusal(path, **kwargs) -> str:
    with pytest.raises(ValidationFailed) as info:
        open_ledger(path, **kwargs)
    return str(info.value)


# --- quoted line breaks ------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_quoted_line_breaks_are_part_of_the_cell(tmp_path, encoding, newline):
    rows = [
        ["회원ID", "메모\n(비고)", "잔액"],
        ["U1", "첫 줄\n둘째 줄", "100"],
        ["U2", "빈 줄\n\n다음", "-200"],
        ["U3", "", ""],  # short values: DuckDB pads them, which its parallel reader refuses
        ["U4", 'say "hi"\r\nbye', "300"],
    ]
    src = write_csv(tmp_path / "m.csv", rows, encoding=encoding, newline=newline)
    right = write_csv(tmp_path / "r.csv", [["회원ID", "잔액"], ["U1", "100"], ["U2", "-200"]])
    with open_ledger(src) as left, open_ledger(right) as rgt:
        assert left.headers[1] == "메모\n(비고)"
        result = reconcile(
            left, rgt, key_left="회원ID", amount_left="잔액", key_right="회원ID",
            amount_right="잔액", out_dir=tmp_path / "out",
        )  # fmt: skip
        report = audit(left, "users")
    assert result.left.rows == 4 and result.matched == 2 and result.left.invalid_rows == 1
    assert (tmp_path / "out" / "invalid_left.csv").read_text() == (
        "row,key,amount,reason\n4,U3,,missing amount\n"
    )
    assert report.rows == 4 and report.usable_rows == 3


# --- workbooks that lie about their size ------------------------------------------------------


def test_a_dimension_smaller_than_the_data_does_not_truncate(tmp_path):
    book = write_xlsx(tmp_path / "dim.xlsx", {"s": ROWS})
    rewrite_member(
        book,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b'<dimension ref="A1:C9"/>', b'<dimension ref="A1:B2"/>'),
    )
    with zipfile.ZipFile(book) as zf:
        assert b'<dimension ref="A1:B2"/>' in zf.read("xl/worksheets/sheet1.xml")
    with open_ledger(as_vault_object(book, tmp_path), name="dim.xlsx") as ledger:
        assert ledger.headers == ("회원ID", "잔액", "비고")
        report = audit(ledger, "users")
    assert report.rows == 8 and report.usable_rows == 8


@pytest.mark.parametrize("crc_of_prefix", [True, False])
def test_a_sheet_declaring_fewer_bytes_than_it_holds_is_refused(tmp_path, crc_of_prefix):
    book = write_xlsx(tmp_path / "short.xlsx", {"s": ROWS})
    with zipfile.ZipFile(book) as zf:
        real = zf.getinfo("xl/worksheets/sheet1.xml").file_size
    declare_size(book, "xl/worksheets/sheet1.xml", real // 2, crc_of_prefix=crc_of_prefix)
    message = _refusal(book)
    assert "xl/worksheets/sheet1.xml: its declared sizes are false" in message


def test_a_sheet_declaring_more_bytes_than_it_holds_is_refused(tmp_path):
    book = write_xlsx(tmp_path / "long.xlsx", {"s": ROWS})
    with zipfile.ZipFile(book) as zf:
        real = zf.getinfo("xl/worksheets/sheet1.xml").file_size
    declare_size(book, "xl/worksheets/sheet1.xml", real + 10, crc_of_prefix=False)
    assert "its declared sizes are false" in _refusal(book)


def test_the_real_xml_bomb_is_refused(tmp_path):
    message = _refusal(as_vault_object(CORPUS / "poi-xmlbomb.xlsx", tmp_path), name="b.xlsx")
    assert "b.xlsx" in message


# --- sheet names ------------------------------------------------------------------------------


def test_an_nfd_sheet_name_is_found_by_its_nfc_spelling(tmp_path):
    nfd = unicodedata.normalize("NFD", "정산")
    assert nfd != "정산"
    book = write_xlsx(tmp_path / "mac.xlsx", {"기타": [["a"], ["b"]], nfd: ROWS})
    with open_ledger(as_vault_object(book, tmp_path), sheet="정산", name="mac.xlsx") as ledger:
        assert ledger.sheet == nfd  # the sheet's own name, as the workbook spells it
        assert audit(ledger, "users").rows == 8
    assert "sheets: 기타, 정산" in _refusal(book, sheet="없음")


# --- formula-like keys ------------------------------------------------------------------------


FORMULA_KEYS = ['=HYPERLINK("http://evil.example","정산")', "+1+cmd", "-2+3", "@SUM(A1)", "'=x"]


def test_formula_like_keys_are_escaped_in_every_csv_and_numbers_stay_numbers(tmp_path):
    left = write_csv(
        tmp_path / "l.csv",
        [["key", "amount"]]
        + [[k, "-500"] for k in FORMULA_KEYS]
        + [["\t=1+1", "10"], ["dup", "1"], ["dup", "2"], ["bad", "=1+1"], ["", "-7"]],
    )
    right = write_csv(
        tmp_path / "r.csv", [["key", "amount"], [FORMULA_KEYS[0], "-400"], ["@r", "5"]]
    )
    out = tmp_path / "out"
    with open_ledger(left) as lft, open_ledger(right) as rgt:
        result = reconcile(
            lft, rgt, key_left="key", amount_left="amount", key_right="key",
            amount_right="amount", out_dir=out,
        )  # fmt: skip
    text = {p.name: p.read_text() for p in out.glob("*.csv")}
    assert text["differences.csv"] == (
        'key,left,right,difference\n"\'=HYPERLINK(""http://evil.example"",""정산"")",-500,-400,-100\n'
    )
    assert text["only_left.csv"] == (
        "key,amount,rows\n''=x,-500,1\n'+1+cmd,-500,1\n'-2+3,-500,1\n'=1+1,10,1\n'@SUM(A1),-500,1\ndup,3,2\n"
    )
    assert text["only_right.csv"] == "key,amount,rows\n'@r,5,1\n"
    assert text["invalid_left.csv"] == (
        'row,key,amount,reason\n10,bad,\'=1+1,unreadable amount\n11,"",-7,missing key\n'
    )
    # No cell of any CSV starts with a formula character any more.
    for name, body in text.items():
        for line in body.splitlines()[1:]:
            for cell in line.split(","):
                assert not cell.lstrip('"').startswith(("=", "+", "@", "\t")), (name, line)
    assert result.left.total == -2_500 + 10 + 3

    summary = json.loads((out / "summary.json").read_text())
    assert summary["csv_cells"] == cells.NOTE
    assert summary["inputs"]["left"]["sha256"] == hashlib.sha256(left.read_bytes()).hexdigest()


@pytest.mark.parametrize("value", [*FORMULA_KEYS, "''+1", "'abc", "abc", "-100", "", "\r@x"])
def test_escaping_is_undone_exactly(value):
    assert cells.unescape(cells.escape(value)) == value


# --- the real corpus --------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*")), ids=lambda p: p.name)
def test_every_corpus_sheet_opens_or_is_refused_with_a_reason(tmp_path, path):
    obj = as_vault_object(path, tmp_path)
    try:
        with open_ledger(obj, name=path.name) as ledger:
            assert ledger.headers
    except ValidationFailed as exc:
        assert path.name in str(exc)


def test_an_encrypted_workbook_is_refused_as_such():
    message = _refusal(CORPUS / "poi-protected-passtika.xlsx")
    assert "password" in message


def test_a_strict_open_xml_workbook_is_refused_as_such():
    message = _refusal(CORPUS / "poi-SampleSS.strict.xlsx")
    assert "Strict Open XML" in message


# --- the same through the CLI -----------------------------------------------------------------


def test_cli_reads_a_truncating_dimension_and_a_multiline_csv(tmp_path):
    from click.testing import CliRunner

    from tracker.reconcile.commands import audit_data_command, reconcile_command

    book = write_xlsx(tmp_path / "left.xlsx", {"s": ROWS})
    rewrite_member(
        book,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b'<dimension ref="A1:C9"/>', b'<dimension ref="A1:B2"/>'),
    )
    right = write_csv(
        tmp_path / "right.csv",
        [["회원ID", "메모", "잔액"]]
        + [[f"U{i:03d}", "줄\n바꿈", str(i * 100)] for i in range(1, 9)],
        encoding="cp949",
    )
    args = [book, right, "--key", "회원ID", "--amount", "잔액", "--out", tmp_path / "o", "--json"]
    result = CliRunner().invoke(reconcile_command, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["matched"] == 8 and figures["left"]["rows"] == 8
    users = write_csv(
        tmp_path / "users.csv", [["회원ID", "잔액"], ["=1+1", "-5"], ["U2", "7"]], encoding="cp949"
    )
    result = CliRunner().invoke(audit_data_command, [str(users), "--profile", "users"])
    assert result.exit_code == 0 and "rows: 2" in result.stdout
