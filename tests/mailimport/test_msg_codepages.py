"""Non-Unicode ("ANSI") Outlook .msg files: their 8-bit strings are read in the code page the
file names, and what cannot be read exactly is said, never silently garbled.

The real files are in tests/corpus/msg (see tests/corpus/SOURCES): Apache POI's test data and
HiraokaHyperTools/msgreader's. The expected texts are the ones those projects' own tests assert
(POI's TestBasics / Test7BitCodepage, msgreader's nonUnicodeCP932.json).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import extract_msg
import pytest

from tracker.mailimport import parse_msg
from tracker.mailimport.codepages import ansi_codepage_for_lcid, codec_for_codepage

from .msgbuilder import MsgAttachment, MsgRecipient, MsgSpec, build_msg

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "msg"
SENT = datetime(2024, 3, 5, 0, 30, tzinfo=UTC)


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


# --- real files ------------------------------------------------------------------------------


def test_real_traditional_chinese_msg_without_a_message_code_page():
    """No PR_MESSAGE_CODEPAGE; locale 1028 (zh-TW) → 950. extract_msg alone reads it as
    ISO-8859-15 and returns mojibake without any error."""
    raw = corpus("poi-chinese-traditional.msg")
    assert "Ž" in extract_msg.openMsg(raw).subject  # the garbling this fixes
    parsed = parse_msg(raw)
    assert parsed.subject == "Alfresco MSG format testing ( MSG 格式測試 )"
    assert parsed.sender.startswith("Tests Chang@FT (張毓倫)")
    assert parsed.to == ["Tests Chang@FT (張毓倫) <tests.chang@fengttt.com>"]
    assert "中文測試" in parsed.text_body
    assert not [p for p in parsed.problems if "code page" in p or "\ufffd" in p]


def test_real_japanese_shift_jis_msg_labelled_iso_2022_jp():
    """Internet code page 50220 (ISO-2022-JP) but Shift_JIS strings; locale 1041 names 932."""
    parsed = parse_msg(corpus("msgreader-nonunicode-cp932.msg"))
    assert parsed.subject == "日本語 Non Unicode タイトル"
    assert parsed.text_body == "日本語 Non Unicode 本文\n"
    assert parsed.to == ["xmailuser2@xmailserver.test"]
    assert "日本語" in parsed.html_body_safe
    assert not [p for p in parsed.problems if "8-bit" in p or "\ufffd" in p]


@pytest.mark.parametrize(
    ("name", "subject", "body"),
    [
        # Message code page 1251 (extract_msg read this one right already).
        (
            "poi-cyrillic.msg",
            'Автоматический ответ подсистемы обмена данными ФГУП "Почта России".',
            "Ваше сообщение с темой",
        ),
        # No message code page; locale 1049 (ru-RU) → 1251.
        ("poi-ascii-cp1251-lcid1049.msg", "Subject автоматически Subject", "Body автоматически"),
        # Internet code page 65001, but the strings are the German locale's 1252.
        ("poi-ascii-utf8-cp1252-lcid1031.msg", "Subject öäü Subject", "Body öäü Body"),
        # German strings, and a binary HTML body in the Internet code page 1251.
        ("poi-htmlbody-binary-cp1251.msg", "Subject öäü Subject", "HTML автоматически"),
    ],
)
def test_real_cyrillic_and_western_msgs(name, subject, body):
    parsed = parse_msg(corpus(name))
    assert parsed.subject == subject
    assert parsed.text_body.startswith(body)
    assert not [p for p in parsed.problems if "8-bit" in p or "\ufffd" in p or "HTML" in p]


# --- built files: code pages the real ones do not cover ----------------------------------------


def chinese_spec(**changes) -> MsgSpec:
    # 镕 and 堃 are GBK but not GB2312: extract_msg maps 936 to gb2312 and raises on them.
    spec = MsgSpec(
        subject="关于朱镕基和王堃的结算报告",
        body="您好，\r\n附件是二月份结算明细。\r\n",
        sender_name="王堃",
        sender_email="wang@example.cn",
        message_id="<936@example.cn>",
        sent=SENT,
        recipients=[MsgRecipient("李明", "li@example.cn")],
        attachments=[MsgAttachment("结算明细.csv", b"a,b\r\n1,2\r\n", "text/csv")],
        unicode=False,
        codepage=936,
        encoding="gbk",
    )
    for key, value in changes.items():
        setattr(spec, key, value)
    return spec


def test_built_cp936_msg():
    raw = build_msg(chinese_spec())
    with pytest.raises(UnicodeDecodeError):
        extract_msg.openMsg(raw).subject  # noqa: B018 - gb2312 is too narrow for 936
    parsed = parse_msg(raw)
    assert parsed.subject == "关于朱镕基和王堃的结算报告"
    assert parsed.sender == "王堃 <wang@example.cn>"
    assert parsed.to == ["李明 <li@example.cn>"]
    assert parsed.text_body == "您好，\n附件是二月份结算明细。\n"
    assert parsed.attachments[0].filename == "结算明细.csv"
    assert parsed.problems == []


def test_built_cp936_msg_named_only_by_its_locale():
    spec = chinese_spec(codepage=None, locale_id=2052, recipients=[])
    parsed = parse_msg(build_msg(spec))
    assert parsed.subject == "关于朱镕基和王堃的结算报告"
    assert parsed.problems == []


def test_built_cp932_msg_with_nec_and_ibm_extensions():
    # ① and ㈱ are NEC extensions, 髙 an IBM one: in CP932, not in Shift_JIS (extract_msg's 932).
    spec = MsgSpec(
        subject="①請求書のご送付（㈱髙橋商事）",
        body="いつもお世話になっております。\r\n",
        sender_name="髙橋一郎",
        sender_email="takahashi@example.jp",
        message_id="<932@example.jp>",
        sent=SENT,
        recipients=[MsgRecipient("鈴木花子", "suzuki@example.jp")],
        attachments=[MsgAttachment("請求書①.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")],
        unicode=False,
        codepage=932,
        encoding="cp932",
    )
    raw = build_msg(spec)
    with pytest.raises(UnicodeDecodeError):
        extract_msg.openMsg(raw).subject  # noqa: B018
    parsed = parse_msg(raw)
    assert parsed.subject == "①請求書のご送付（㈱髙橋商事）"
    assert parsed.sender == "髙橋一郎 <takahashi@example.jp>"
    assert parsed.to == ["鈴木花子 <suzuki@example.jp>"]
    assert parsed.text_body == "いつもお世話になっております。\n"
    assert parsed.attachments[0].filename == "請求書①.pdf"
    assert parsed.problems == []


def test_built_iso_2022_jp_msg():
    spec = MsgSpec(
        subject="請求書のご送付",
        body="よろしくお願いいたします。",
        sender_name="鈴木",
        sender_email="suzuki@example.jp",
        message_id="<50220@example.jp>",
        sent=SENT,
        unicode=False,
        codepage=50220,
        encoding="iso2022_jp",
    )
    parsed = parse_msg(build_msg(spec))
    assert (parsed.subject, parsed.sender) == ("請求書のご送付", "鈴木 <suzuki@example.jp>")
    assert parsed.text_body == "よろしくお願いいたします。"
    assert parsed.problems == []


def test_built_msg_whose_strings_do_not_fit_its_code_page_is_read_and_says_so():
    """Bytes that are not valid GBK: the message is still read, the valid text intact, the bad
    bytes as U+FFFD, and the problem names the field."""
    bad_subject = "结算报告 ".encode("gbk") + b"\x81\x20\xff" + " 二月".encode("gbk")
    spec = chinese_spec(raw_strings={0x0037: bad_subject})
    parsed = parse_msg(build_msg(spec))
    assert parsed.subject.startswith("结算报告 ") and parsed.subject.endswith(" 二月")
    assert "\ufffd" in parsed.subject
    assert parsed.sender == "王堃 <wang@example.cn>"
    assert parsed.text_body == "您好，\n附件是二月份结算明细。\n"
    assert parsed.problems == [
        "some text of the .msg is not valid in code page 936 (GB18030), from the message's"
        " code page (PR_MESSAGE_CODEPAGE) and cannot be read exactly; unreadable characters"
        " are shown as \ufffd in: the subject"
    ]


def test_wrong_message_code_page_gives_way_to_the_locale_and_says_so():
    # Says 1250 but holds Shift_JIS: bytes 0x83 and 0x81 are undefined in 1250.
    spec = MsgSpec(
        subject="データの件名",
        sender_name="鈴木",
        sender_email="s@example.jp",
        message_id="<x@example.jp>",
        sent=SENT,
        unicode=False,
        codepage=1250,
        locale_id=1041,
        encoding="cp932",
    )
    parsed = parse_msg(build_msg(spec))
    assert (parsed.subject, parsed.sender) == ("データの件名", "鈴木 <s@example.jp>")
    assert parsed.problems == [
        "the .msg's 8-bit strings are not valid in code page 1250 (CP1250), from the"
        " message's code page (PR_MESSAGE_CODEPAGE); read them as code page 932 (CP932)"
    ]


def test_internet_code_page_alone_is_used_and_reported():
    spec = chinese_spec(codepage=None, internet_codepage=936, recipients=[])
    parsed = parse_msg(build_msg(spec))
    assert parsed.subject == "关于朱镕基和王堃的结算报告"
    assert parsed.problems == [
        "the .msg does not name the code page of its 8-bit strings; read them in code page 936"
        " (GB18030), from the message's Internet code page (PR_INTERNET_CPID)"
    ]


@pytest.mark.parametrize(
    ("lcid", "codepage"),
    [(1042, 949), (2052, 936), (1028, 950), (3076, 950), (1041, 932), (1049, 1251), (1033, 1252)],
)
def test_locale_code_pages(lcid, codepage):
    assert ansi_codepage_for_lcid(lcid) == codepage


@pytest.mark.parametrize(
    ("codepage", "codec"),
    [(949, "cp949"), (936, "gb18030"), (950, "cp950"), (932, "cp932"), (50220, "iso2022_jp")],
)
def test_code_page_codecs(codepage, codec):
    assert codec_for_codepage(codepage) == codec
