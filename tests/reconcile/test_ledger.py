"""Opening ledgers: encodings, workbooks, and every refusal with a message naming the problem."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from tests.reconcile.builders import LEFT_ROWS, write_csv, write_xlsx
from tracker.errors import NotFound, TooLarge, ValidationFailed
from tracker.reconcile import ledger as ledger_module
from tracker.reconcile.ledger import LedgerTooLarge, open_ledger, suggest_columns

KOREAN_ROWS = [
    ["가맹점ID", "가맹점명", "정산금액"],
    ["가-0001", "행복한 떡볶이", "1,234,500원"],
    ["가-0002", "서울사랑 분식", "￦99,000"],  # CP949 has no ₩ (U+20A9),
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refusal(path: Path, **kwargs) -> str:
    with pytest.raises(ValidationFailed) as info:
        open_ledger(path, **kwargs)
    return str(info.value)


# --- encodings -------------------------------------------------------------------------------


def test_utf8_is_read_in_place(tmp_path):
    src = write_csv(tmp_path / "left.csv", LEFT_ROWS)
    with open_ledger(src) as led:
        assert led.path == src
        assert led.headers == ("회원ID", "성명", "잔액")
        assert (led.encoding, led.format, led.delimiter) == ("utf-8", "csv", ",")
        assert led.sha256 == sha256(src)
        assert led.size == src.stat().st_size
        assert led.name == "left.csv"
        assert led.row_column is None and led.sheet is None


def test_utf8_with_bom_keeps_the_first_header_clean(tmp_path):
    src = write_csv(tmp_path / "bom.csv", KOREAN_ROWS, encoding="utf-8-sig")
    with open_ledger(src) as led:
        assert led.encoding == "utf-8-sig"
        assert led.headers[0] == "가맹점ID"


def test_cp949_is_transcoded_to_utf8(tmp_path):
    src = write_csv(tmp_path / "cp949.csv", KOREAN_ROWS, encoding="cp949", newline="\r\n")
    with open_ledger(src) as led:
        assert led.encoding == "cp949"
        assert led.headers == ("가맹점ID", "가맹점명", "정산금액")
        assert led.path != src
        text = led.path.read_bytes().decode("utf-8")
        assert "행복한 떡볶이" in text and "1,234,500원" in text
        assert led.sha256 == sha256(src)  # the hash is of the original bytes
        temp = led.path
    assert not temp.exists()  # closing removed the transcoded copy


@pytest.mark.parametrize("chunk", [1, 2, 3, 7])
def test_cp949_characters_split_across_chunks_survive(tmp_path, monkeypatch, chunk):
    # Every Hangul syllable is two bytes in CP949; tiny chunks split many of them in half.
    monkeypatch.setattr(ledger_module, "CHUNK_BYTES", chunk)
    src = write_csv(tmp_path / "split.csv", KOREAN_ROWS, encoding="cp949")
    with open_ledger(src) as led:
        expected = src.read_bytes().decode("cp949").encode("utf-8")
        assert led.path.read_bytes() == expected


def test_cp949_with_rare_syllables_is_still_korean(tmp_path):
    src = write_csv(
        tmp_path / "rare.csv", [["회원ID", "잔액"], ["똠방각하", "1"]], encoding="cp949"
    )
    with open_ledger(src) as led:
        assert led.encoding == "cp949"


@pytest.mark.parametrize(
    ("delimiter", "name"), [("\t", "tab.tsv"), (";", "semi.csv"), ("|", "pipe.txt")]
)
def test_other_delimiters_are_detected(tmp_path, delimiter, name):
    src = write_csv(tmp_path / name, LEFT_ROWS, delimiter=delimiter)
    with open_ledger(src) as led:
        assert led.delimiter == delimiter
        assert led.headers == ("회원ID", "성명", "잔액")


def test_repeated_and_blank_headers_get_unique_names(tmp_path):
    src = write_csv(tmp_path / "h.csv", [["id", "", "ID", " 금액 "], ["1", "x", "2", "3"]])
    with open_ledger(src) as led:
        assert led.headers == ("id", "column_2", "ID_2", "금액")


def test_rows_ending_with_a_delimiter_keep_their_width(tmp_path):
    src = tmp_path / "trailing.csv"
    src.write_text("id,amount,\na,1,\n", encoding="utf-8")
    with open_ledger(src) as led:
        assert led.headers == ("id", "amount", "column_3")


def test_nfd_headers_from_macos_are_normalised(tmp_path):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "잔액")
    src = write_csv(tmp_path / "nfd.csv", [["회원ID", nfd], ["1", "2"]])
    with open_ledger(src) as led:
        assert led.headers[1] == "잔액"
        assert led.column(nfd) == "잔액"


def test_glob_characters_in_the_file_name_are_harmless(tmp_path):
    src = write_csv(tmp_path / "정산[최종]*.csv", LEFT_ROWS)
    write_csv(tmp_path / "정산1.csv", [["x"], ["y"]])  # would match the glob
    with open_ledger(src) as led:
        assert led.path.resolve() == src.resolve()
        assert led.path.name != src.name


# --- row numbers -----------------------------------------------------------------------------


def test_interior_blank_lines_keep_the_original_row_numbers(tmp_path):
    src = tmp_path / "gaps.csv"
    src.write_text("key,amount\na,1\n\n   \nb,2\n\n", encoding="utf-8")
    with open_ledger(src) as led:
        assert led.row_column == "__row__"
        assert led.blank_rows == 2
        assert led.path.read_text(encoding="utf-8") == "key,amount,__row__\na,1,2\nb,2,5\n"


def test_trailing_blank_lines_need_no_rewrite(tmp_path):
    src = tmp_path / "tail.csv"
    src.write_text("key,amount\na,1\nb,2\n\n\n  \n", encoding="utf-8")
    with open_ledger(src) as led:
        assert led.row_column is None
        assert led.path == src


def test_blank_line_found_across_a_chunk_boundary(tmp_path, monkeypatch):
    monkeypatch.setattr(ledger_module, "CHUNK_BYTES", 4)
    src = tmp_path / "gaps.csv"
    src.write_text("key,amount\na,1\n\nb,2\n", encoding="utf-8")
    with open_ledger(src) as led:
        assert led.row_column is not None


# --- workbooks -------------------------------------------------------------------------------


def test_xlsx_single_sheet_streams_to_csv_with_row_numbers(tmp_path):
    src = write_xlsx(
        tmp_path / "book.xlsx",
        {
            "정산": [
                ["가맹점ID", "정산금액", "기준일"],
                ["0000007", 1234500, None],
                [None, None, None],
                [7, 1.0, "2021-11-30"],
                ["x", 12.5, True],
            ]
        },
    )
    with open_ledger(src) as led:
        assert (led.format, led.encoding, led.sheet) == ("xlsx", None, "정산")
        assert led.headers == ("가맹점ID", "정산금액", "기준일")
        assert led.sha256 == sha256(src)
        assert led.blank_rows == 1
        assert led.path.read_text(encoding="utf-8") == (
            "가맹점ID,정산금액,기준일,__row__\n"
            "0000007,1234500,,2\n"
            "7,1,2021-11-30,4\n"
            "x,12.5,TRUE,5\n"
        )


def test_xlsx_with_several_sheets_asks_which_one(tmp_path):
    src = write_xlsx(
        tmp_path / "two.xlsx",
        {"한결원": [["id", "amount"], ["a", 1]], "비즈플레이": [["id", "amount"], ["b", 2]]},
    )
    with pytest.raises(ValidationFailed) as info:
        open_ledger(src)
    assert info.value.for_field("sheet") == [
        "two.xlsx has 2 sheets; choose one: 한결원, 비즈플레이"
    ]
    with open_ledger(src, sheet="비즈플레이") as led:
        assert led.sheet == "비즈플레이"
        assert "b,2,2" in led.path.read_text(encoding="utf-8")
    message = refusal(src, sheet="없는시트")
    assert "no sheet '없는시트'" in message and "한결원, 비즈플레이" in message


def test_xlsx_header_only_is_refused(tmp_path):
    src = write_xlsx(tmp_path / "empty.xlsx", {"s": [["id", "amount"]]})
    assert "has a header but no data rows" in refusal(src)


def test_xlsx_values_right_of_the_header_are_refused(tmp_path):
    src = write_xlsx(tmp_path / "wide.xlsx", {"s": [["id", "amount"], ["a", 1, "stray"]]})
    assert "row 2" in refusal(src) and "right of the last header" in refusal(src)


def test_xlsx_that_is_not_a_zip_is_refused(tmp_path):
    src = tmp_path / "fake.xlsx"
    src.write_text("id,amount\na,1\n", encoding="utf-8")
    assert "not a valid XLSX workbook (it is not a zip archive)" in refusal(src)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    src = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(src, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert "a zip archive but not an XLSX workbook" in refusal(src)


def test_zip_bomb_disguised_as_xlsx_is_refused_before_inflating(tmp_path):
    src = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(src, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (4 << 20))  # ~1000:1
    message = refusal(src)
    assert "xl/worksheets/sheet1.xml inflates" in message and "zip bomb" in message


def test_workbook_inflating_past_the_limit_is_too_large(tmp_path, monkeypatch):
    src = write_xlsx(tmp_path / "book.xlsx", {"s": [["id", "amount"], ["a", 1]]})
    monkeypatch.setattr(ledger_module, "MAX_XLSX_UNCOMPRESSED", 1000)
    with pytest.raises(LedgerTooLarge) as info:
        open_ledger(src)
    assert isinstance(info.value, TooLarge) and isinstance(info.value, ValidationFailed)
    assert "would inflate to" in str(info.value)


def test_workbook_with_a_huge_shared_strings_table_is_too_large(tmp_path, monkeypatch):
    src = write_xlsx(tmp_path / "book.xlsx", {"s": [["id", "amount"], ["a", 1]]})
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>x</t></si>" * 10 + "</sst>")
    monkeypatch.setattr(ledger_module, "MAX_XLSX_SHARED_STRINGS", 100)
    with pytest.raises(LedgerTooLarge, match="shared-strings table inflates to"):
        open_ledger(src)


def test_xlsx_over_the_size_limit_is_too_large(tmp_path):
    src = write_xlsx(tmp_path / "book.xlsx", {"s": [["id", "amount"], ["a", 1]]})
    with pytest.raises(LedgerTooLarge) as info:
        open_ledger(src, max_xlsx_bytes=100)
    assert "the limit for XLSX is 100" in str(info.value)
    assert info.value.status_code == 413


def test_csv_over_the_size_limit_is_too_large(tmp_path):
    src = write_csv(tmp_path / "big.csv", LEFT_ROWS)
    with pytest.raises(LedgerTooLarge, match="the limit for CSV is 10"):
        open_ledger(src, max_csv_bytes=10)


def test_legacy_xls_is_refused(tmp_path):
    src = tmp_path / "old.xls"
    src.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    assert "legacy .xls" in refusal(src)


# --- refusals of text files ------------------------------------------------------------------


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(NotFound):
        open_ledger(tmp_path / "nope.csv")


def test_empty_file_is_refused(tmp_path):
    src = tmp_path / "empty.csv"
    src.write_bytes(b"")
    assert refusal(src) == "empty.csv is empty"


@pytest.mark.parametrize("body", ["id,amount\n", "id,amount", "id,amount\n\n,\n  \n"])
def test_header_only_is_refused(tmp_path, body):
    src = tmp_path / "header.csv"
    src.write_text(body, encoding="utf-8")
    assert refusal(src) == "header.csv has a header but no data rows"


def test_blank_first_line_is_refused(tmp_path):
    src = tmp_path / "blank.csv"
    src.write_text("\nid,amount\na,1\n", encoding="utf-8")
    assert "first line of blank.csv is blank" in refusal(src)


def test_binary_garbage_is_refused(tmp_path):
    src = tmp_path / "garbage.csv"
    src.write_bytes(bytes(range(256)) * 4)
    assert "contains NUL bytes" in refusal(src)


def test_utf16_without_bom_is_refused(tmp_path):
    src = tmp_path / "u16.csv"
    src.write_bytes("회원ID,잔액\n1,2\n".encode("utf-16-le"))
    assert "NUL bytes" in refusal(src) and "UTF-16" in refusal(src)


def test_utf16_with_bom_is_refused(tmp_path):
    src = tmp_path / "u16.csv"
    src.write_bytes("회원ID,잔액\n1,2\n".encode("utf-16"))
    assert refusal(src) == "u16.csv is UTF-16 text; save it as CSV UTF-8 or CP949"


@pytest.mark.parametrize(
    "text",
    [
        "会員ID,残高\n1,1000\n2,2000\n",  # decodes as CP949, but as rare syllables
        "ユーザー名,金額\n山田太郎,1000\n",  # not even valid CP949
    ],
)
def test_shift_jis_is_refused(tmp_path, text):
    src = tmp_path / "sjis.csv"
    src.write_bytes(text.encode("shift_jis"))
    message = refusal(src)
    assert "not UTF-8" in message or "neither UTF-8 nor CP949" in message
    assert "save it as CSV UTF-8" in message


def test_latin1_is_refused(tmp_path):
    src = tmp_path / "latin1.csv"
    src.write_bytes("name,amount\nCafé crème,1\n".encode("latin-1"))
    assert "neither UTF-8 nor CP949" in refusal(src)


# --- columns ---------------------------------------------------------------------------------


def test_unknown_column_lists_the_columns_that_exist(tmp_path):
    src = write_csv(tmp_path / "left.csv", LEFT_ROWS)
    with open_ledger(src) as led, pytest.raises(ValidationFailed) as info:
        led.column("가맹점ID", field="key_left")
    assert info.value.for_field("key_left") == [
        "no column '가맹점ID' in left.csv; columns are: 회원ID, 성명, 잔액"
    ]


def test_column_lookup_forgives_spaces_and_case(tmp_path):
    src = write_csv(tmp_path / "e.csv", [["User_ID", "Amount"], ["1", "2"]])
    with open_ledger(src) as led:
        assert led.column(" user_id ") == "User_ID"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["회원ID", "성명", "잔액"], ("회원ID", "잔액")),
        (["가맹점번호", "가맹점명", "발행수수료"], ("가맹점번호", "발행수수료")),
        (["사용자ID", "정산금액", "잔액"], ("사용자ID", "정산금액")),
        (["가맹점 ID", "금액(원)"], ("가맹점 ID", "금액(원)")),
        (["user_id", "name", "balance"], ("user_id", "balance")),
        (["ID", "Amount"], ("ID", "Amount")),
        (["key", "value"], ("key", None)),
        (["거래처코드", "미수 잔액"], ("거래처코드", "미수 잔액")),
        (["이름", "메모"], (None, None)),
    ],
)
def test_suggest_columns(headers, expected):
    assert suggest_columns(headers) == {"key": expected[0], "amount": expected[1]}


def test_utf8_character_split_before_an_ascii_chunk_is_still_checked(tmp_path, monkeypatch):
    # Pure-ASCII chunks skip the UTF-8 decoder, but not while a multi-byte character is
    # pending: here a lone lead byte ends chunk 1, ASCII fills chunk 2, continuation bytes
    # start chunk 3. Skipping chunk 2 would glue them into a valid "가".
    monkeypatch.setattr(ledger_module, "CHUNK_BYTES", 4)
    good = tmp_path / "good.csv"
    good.write_bytes("id,가\n1,2\n".encode())
    with open_ledger(good) as led:
        assert led.encoding == "utf-8"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id,\xea" + b"x,1\n" + b"\xb0\x80,2" + b"\n")
    assert "neither UTF-8 nor CP949" in refusal(bad)
