"""File names: kept as received elsewhere, shown and sent back safely here."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

import pytest
from werkzeug.http import parse_options_header

from tracker.vault import names
from tracker.vault.names import check_name, content_disposition, display_name, safe_download_name

NFD_KOREAN = unicodedata.normalize("NFD", "한글.pdf")
LONG_KOREAN = "가" * 300 + ".pdf"  # 904 UTF-8 bytes
LONG_LATIN = "a" * 300 + ".pdf"
RTL_SPOOF = "invoice\u202efdp.exe"  # shows as "invoiceexe.pdf"

TRICKY = [
    "../../etc/passwd",
    "a\x00b.pdf",
    LONG_KOREAN,
    LONG_LATIN,
    NFD_KOREAN,
    RTL_SPOOF,
    "C:\\Users\\kim\\Desktop\\계약서 (최종).pdf",
    "line\r\nContent-Type: text/html\r\n\r\n<script>.txt",
    'quote"semi;percent%.txt',
    "a\udcff.pdf",  # a lone surrogate, as surrogateescape decoding produces
    "..",
    "",
    "   ",
    ".hidden",
    "👩\u200d⚖️ 판결문.pdf",
]


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("a\x00b.pdf", "ab.pdf"),
        (NFD_KOREAN, "한글.pdf"),
        (RTL_SPOOF, "invoicefdp.exe"),
        ("C:\\Users\\kim\\Desktop\\계약서 (최종).pdf", "계약서 (최종).pdf"),
        ("tab\there\nnewline.txt", "tab here newline.txt"),
        ("a\udcff.pdf", "a.pdf"),
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("👩\u200d⚖️ 판결문.pdf", "👩\u200d⚖️ 판결문.pdf"),
        ("..", "file"),
        ("", "file"),
        ("dir/", "dir"),
        ("보통 이름.hwp", "보통 이름.hwp"),
    ],
)
def test_display_name(original, expected):
    assert display_name(original) == expected


def test_nfd_korean_becomes_nfc():
    assert NFD_KOREAN != "한글.pdf"  # the test input really is decomposed
    assert len(NFD_KOREAN) == 10  # six jamo + ".pdf"
    assert display_name(NFD_KOREAN) == unicodedata.normalize("NFC", NFD_KOREAN)
    assert len(display_name(NFD_KOREAN)) == 6


@pytest.mark.parametrize("original", [LONG_KOREAN, LONG_LATIN, "가" * 300])
def test_long_names_are_shortened_within_255_bytes(original):
    shown = display_name(original)

    assert len(shown.encode("utf-8")) <= names.MAX_NAME_BYTES
    assert shown.startswith(original[:50])
    assert shown.endswith("….pdf" if original.endswith(".pdf") else "…")


@pytest.mark.parametrize("original", TRICKY)
def test_display_name_is_always_safe(original):
    shown = display_name(original)

    assert shown and shown not in (".", "..")
    assert "/" not in shown and "\\" not in shown
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in shown)
    assert "\u202e" not in shown
    assert len(shown.encode("utf-8")) <= names.MAX_NAME_BYTES
    assert unicodedata.is_normalized("NFC", shown)


@pytest.mark.parametrize(
    ("original", "problems"),
    [
        ("보통 이름.pdf", []),
        (NFD_KOREAN, []),
        ("../../etc/passwd", [names.PATH, names.PARENT]),
        ("..", [names.PARENT]),
        ("dir\\file.pdf", [names.PATH]),
        ("a\x00b.pdf", [names.CONTROL]),
        (RTL_SPOOF, [names.INVISIBLE]),
        ("a\udcff.pdf", [names.INVALID]),
        (LONG_KOREAN, [names.TOO_LONG]),
        ("", [names.EMPTY]),
        ("  ", [names.EMPTY]),
    ],
)
def test_check_name(original, problems):
    assert check_name(original) == problems


def test_check_name_limit_is_255_utf8_bytes():
    assert check_name("가" * 83 + "a.pdf") == []  # 249 + 5 = 254 bytes
    assert check_name("가" * 83 + "ab.pdf") == []  # 255 bytes
    assert check_name("가" * 84 + ".pdf") == [names.TOO_LONG]  # 252 + 4 = 256 bytes
    assert check_name("a" * 255) == []
    assert check_name("a" * 256) == [names.TOO_LONG]


@pytest.mark.parametrize(
    ("original", "ascii_name", "utf8_name"),
    [
        ("한글.pdf", "file.pdf", "한글.pdf"),
        (NFD_KOREAN, "file.pdf", "한글.pdf"),
        ("résumé final.pdf", "resume final.pdf", "résumé final.pdf"),
        ("계약서_v2.hwp", "_v2.hwp", "계약서_v2.hwp"),
        ('quote"semi;percent%.txt', "quote_semi_percent_.txt", 'quote"semi;percent%.txt'),
        (".htaccess", "htaccess", "htaccess"),
        ("../../etc/passwd", "passwd", "passwd"),
        ("사진", "file", "사진"),
    ],
)
def test_safe_download_name(original, ascii_name, utf8_name):
    assert safe_download_name(original) == (ascii_name, utf8_name)


def test_content_disposition_for_a_korean_name():
    assert content_disposition("한글.pdf") == (
        "attachment; filename=\"file.pdf\"; filename*=UTF-8''%ED%95%9C%EA%B8%80.pdf"
    )
    assert content_disposition("scan.pdf", inline=True) == 'inline; filename="scan.pdf"'


@pytest.mark.parametrize("original", TRICKY)
def test_content_disposition_is_a_safe_header_that_round_trips(original):
    value = content_disposition(original)

    assert value.isascii() and value.isprintable()  # no CR/LF: no header injection
    assert value.startswith('attachment; filename="')
    # Werkzeug parses as browsers do (RFC 6266): filename* wins over the ASCII fallback.
    disposition, params = parse_options_header(value)
    assert (disposition, params["filename"]) == ("attachment", safe_download_name(original)[1])
    if "filename*=" in value:
        assert unquote(value.split("''", 1)[1]) == safe_download_name(original)[1]
