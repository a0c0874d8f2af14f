"""Charsets, RFC 2047 encoded-words, RFC 2231 parameters, lenient base64."""

from __future__ import annotations

import base64
import unicodedata
from email import policy
from email.parser import BytesParser

import pytest

from tracker.mailimport import parse_eml
from tracker.mailimport.decoding import (
    b64decode_lenient,
    codec_for,
    decode_bytes,
    decode_header_text,
    parse_param_header,
)

from .samples import ew


def test_stdlib_default_policy_loses_cp949_syllables():
    """The measurement behind decoding.py: why headers are not decoded by policy.default."""
    raw = f"Subject: {ew('똠방각하 뷁', 'ks_c_5601-1987', 'cp949')}\r\n\r\nx".encode("ascii")
    stdlib = str(BytesParser(policy=policy.default).parsebytes(raw)["subject"])
    assert "\ufffd" in stdlib  # silently mangled, no defect recorded
    assert parse_eml(raw).subject == "똠방각하 뷁"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("ks_c_5601-1987", "cp949"),
        ("KS_C_5601-1987", "cp949"),
        ("euc-kr", "cp949"),
        ('"EUC-KR"', "cp949"),
        ("x-windows-949", "cp949"),
        ("ksc5601", "cp949"),
        ("cp949", "cp949"),
        ("ISO-2022-KR", "iso2022_kr"),
        ("UTF8", "utf-8"),
        ("us-ascii", "ascii"),
        ("iso-8859-1", "iso8859-1"),
        ("x-unknown-charset", None),
        ("base64", None),  # a bytes codec, not a charset
        ("", None),
        (None, None),
    ],
)
def test_codec_for(label, codec):
    assert codec_for(label) == codec


def test_decode_bytes_never_guesses_silently():
    assert decode_bytes("한글".encode("cp949"), "euc-kr", "x") == ("한글", [])
    assert decode_bytes(b"plain", None, "x") == ("plain", [])
    assert decode_bytes("한글".encode("cp949"), None, "x") == (
        "한글",
        ["x declares no charset; decoded as CP949"],
    )
    assert decode_bytes("한글".encode(), None, "x") == (
        "한글",
        ["x declares no charset; decoded as UTF-8"],
    )
    assert decode_bytes("한글".encode("cp949"), "x-mac-korean-ish", "x") == (
        "한글",
        ["x declares an unknown charset 'x-mac-korean-ish'; decoded as CP949"],
    )


def test_encoded_words_split_inside_a_character_are_joined_as_bytes():
    data = "정산내역".encode()
    first, second = data[:4], data[4:]  # splits the second syllable's UTF-8 bytes
    raw = (
        f"=?UTF-8?B?{base64.b64encode(first).decode()}?=\r\n"
        f" =?utf-8?B?{base64.b64encode(second).decode()}?="
    )
    assert decode_header_text(raw, "Subject") == ("정산내역", [])


def test_encoded_words_q_and_mixed_text():
    raw = "Re: =?EUC-KR?Q?=C1=A4=BB=EA_?= =?EUC-KR?B?s7u/qg==?= (2024)"
    assert decode_header_text(raw, "Subject") == ("Re: 정산 내역 (2024)", [])


def test_encoded_word_with_bad_base64_is_reported():
    value, problems = decode_header_text("=?UTF-8?B?7KCV7IK?=", "Subject")
    assert value == "정\ufffd"
    assert problems == [
        "Subject: an RFC 2047 encoded-word is truncated (ends without base64 padding)",
        "Subject is declared as UTF-8 but is not valid UTF-8;"
        " 1 undecodable byte sequence(s) replaced with U+FFFD (UTF-8)",
    ]


def test_rfc2231_continuations_and_charsets():
    name = "가맹점 목록(2024년 2월).csv"
    pct = "".join(f"%{b:02X}" for b in name.encode("cp949"))
    raw = (
        f"attachment; filename*0*=ks_c_5601-1987''{pct[:30]};\r\n filename*1*={pct[30:]}; size=120"
    )
    assert parse_param_header(raw, "CD") == (
        "attachment",
        {"filename": name, "size": "120"},
        [],
    )


def test_rfc2231_wins_over_plain_and_keeps_nfd():
    nfd = unicodedata.normalize("NFD", "목록.csv")
    pct = "".join(f"%{b:02X}" for b in nfd.encode())
    raw = f"attachment; filename=\"fallback.csv\"; filename*=UTF-8'ko'{pct}"
    value, params, problems = parse_param_header(raw, "CD")
    assert params["filename"] == nfd  # not normalized here: parse keeps the original
    assert problems == []


def test_quoted_parameters_with_semicolons_and_escapes():
    raw = 'attachment; filename="a; b \\"c\\".txt"; creation-date="Tue, 5 Mar 2024"'
    assert parse_param_header(raw, "CD")[1] == {
        "filename": 'a; b "c".txt',
        "creation-date": "Tue, 5 Mar 2024",
    }


def test_rfc2047_inside_a_parameter_value():
    raw = f'application/pdf; name="{ew("정산내역.pdf", "EUC-KR")}"'
    assert parse_param_header(raw, "CT") == ("application/pdf", {"name": "정산내역.pdf"}, [])


@pytest.mark.parametrize(
    ("encoded", "decoded", "issues"),
    [
        (b"7KCV7IKw", "정산".encode(), []),
        (b"7KCV\r\n7IKw\r\n", "정산".encode(), []),
        (b"YQ==Yg==", b"ab", []),  # independently padded chunks
        (b"7KCV7I", "정".encode() + b"\xec", ["is truncated (ends without base64 padding)"]),
        (b"7KCV7", "정".encode(), ["is truncated (ends in the middle of a base64 quantum)"]),
        (
            b"7KCV*7IKw",
            "정산".encode(),
            ["contains 1 character(s) outside the base64 alphabet (ignored)"],
        ),
    ],
)
def test_b64decode_lenient(encoded, decoded, issues):
    assert b64decode_lenient(encoded) == (decoded, issues)
