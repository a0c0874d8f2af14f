"""parse_msg on Outlook .msg files synthesized per [MS-OXMSG] (see msgbuilder.py)."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import extract_msg
import pytest
from extract_msg import OleWriter

from tracker.errors import TooLarge, ValidationFailed
from tracker.mailimport import message_fingerprint, parse_email_file, parse_eml, parse_msg

from .msgbuilder import MsgAttachment, MsgRecipient, MsgSpec, build_msg
from .samples import XLSX_BYTES, pseudo_bytes

SENT = datetime(2024, 3, 5, 0, 30, tzinfo=UTC)
LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(30))
HTML = (
    '<html><head><meta charset="utf-8"><style>p{}</style></head><body>'
    "<p>안녕하세요. <b>정산내역</b>을 첨부합니다.</p>"
    '<img src="cid:image001.png@01DA6E9A.1">'
    '<img src="http://tracker.example/pixel.gif">'
    "<script>alert(1)</script></body></html>"
).encode()


def korean_spec(**changes) -> MsgSpec:
    spec = MsgSpec(
        subject="[정산] 2024년 2월 정산내역 송부",
        body="안녕하세요.\r\n정산내역을 첨부합니다.\r\n",
        html=HTML,
        sender_name="홍길동",
        sender_email="hong@example.kr",
        message_id="<20240305093000.1234@mail.example.kr>",
        sent=SENT,
        recipients=[
            MsgRecipient("김철수", "kim@city.go.kr", 1),
            MsgRecipient("이영희", "lee@city.go.kr", 2),
            MsgRecipient("감사실", "audit@city.go.kr", 3),
        ],
        attachments=[
            MsgAttachment(
                "정산내역.xlsx",
                XLSX_BYTES,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            MsgAttachment(
                "image001.png", LOGO, "image/png", "image001.png@01DA6E9A.1", hidden=True
            ),
        ],
    )
    for key, value in changes.items():
        setattr(spec, key, value)
    return spec


def test_unicode_msg_is_read_exactly():
    raw = build_msg(korean_spec())
    assert raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    parsed = parse_msg(raw)
    assert parsed.source_format == "msg"
    assert parsed.message_id == "20240305093000.1234@mail.example.kr"
    assert parsed.subject == "[정산] 2024년 2월 정산내역 송부"
    assert parsed.sender == "홍길동 <hong@example.kr>"
    assert parsed.to == ["김철수 <kim@city.go.kr>"]
    assert parsed.cc == ["이영희 <lee@city.go.kr>"]
    assert parsed.bcc == ["감사실 <audit@city.go.kr>"]
    assert parsed.date == datetime(2024, 3, 5, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    assert parsed.date.tzinfo is not None
    assert parsed.text_body == "안녕하세요.\n정산내역을 첨부합니다.\n"
    assert parsed.html_body_safe == (
        "<p>안녕하세요. <b>정산내역</b>을 첨부합니다.</p>"
        '<img src="cid:image001.png@01DA6E9A.1"><img>'
    )
    assert parsed.remote_images_blocked == 1
    xlsx, logo = parsed.attachments
    assert (xlsx.filename, xlsx.original_filename) == ("정산내역.xlsx", "정산내역.xlsx")
    assert xlsx.media_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert (xlsx.content, xlsx.size, xlsx.inline, xlsx.complete) == (XLSX_BYTES, 704, False, True)
    assert (logo.filename, logo.content_id, logo.inline) == (
        "image001.png",
        "image001.png@01DA6E9A.1",
        True,
    )
    assert logo.content == LOGO
    assert parsed.problems == []


def test_msg_attachment_names_from_macos_are_shown_nfc():
    nfd = unicodedata.normalize("NFD", "가맹점 목록.csv")
    spec = korean_spec(attachments=[MsgAttachment(nfd, b"a,b\r\n", "text/csv")])
    [attachment] = parse_msg(build_msg(spec)).attachments
    assert attachment.filename == "가맹점 목록.csv"
    assert attachment.original_filename == nfd != attachment.filename


def test_ansi_korean_msg():
    """8-bit strings with code page 949 and CP949-only syllables (똠, 햏, 뷁)."""
    spec = korean_spec(unicode=False, codepage=949, subject="똠방각하 햏정처리 (뷁)")
    raw = build_msg(spec)
    # The measurement behind msg.py: extract_msg maps 949 to strict EUC-KR and raises.
    with pytest.raises(UnicodeDecodeError):
        extract_msg.openMsg(raw).subject  # noqa: B018
    parsed = parse_msg(raw)
    assert parsed.subject == "똠방각하 햏정처리 (뷁)"
    assert parsed.sender == "홍길동 <hong@example.kr>"
    assert parsed.to == ["김철수 <kim@city.go.kr>"]
    assert parsed.attachments[0].filename == "정산내역.xlsx"
    assert parsed.problems == []


def test_ansi_msg_without_code_page():
    korean = parse_msg(build_msg(korean_spec(unicode=False, codepage=None)))
    assert korean.subject == "[정산] 2024년 2월 정산내역 송부"
    assert korean.problems == [
        "the .msg stores 8-bit strings without a code page; read them as CP949"
    ]
    latin = korean_spec(unicode=False, codepage=None, encoding="latin-1", subject="Café crème")
    latin.sender_name, latin.recipients, latin.attachments = "Zoë", [], []
    latin.body = "voilà"
    parsed = parse_msg(build_msg(latin))
    assert (parsed.subject, parsed.sender) == ("Café crème", "Zoë <hong@example.kr>")
    assert parsed.problems == [
        "the .msg stores 8-bit strings without a code page and they are not CP949;"
        " read as ISO-8859-15"
    ]


def test_embedded_msg_is_an_attachment_that_parses_again():
    inner = MsgSpec(
        subject="원본 메일",
        body="원본 본문",
        sender_name="박민수",
        sender_email="park@example.kr",
        message_id="<inner@example.kr>",
        sent=datetime(2024, 3, 1, tzinfo=UTC),
    )
    outer = korean_spec(
        subject="FW: 원본 메일",
        attachments=[MsgAttachment("원본 메일", None, embedded=inner)],
    )
    parsed = parse_msg(build_msg(outer))
    [attachment] = parsed.attachments
    assert attachment.is_message is True
    assert attachment.filename == "원본 메일.msg"
    assert attachment.media_type == "application/vnd.ms-outlook"
    again = parse_msg(attachment.content)
    assert (again.subject, again.sender, again.text_body) == (
        "원본 메일",
        "박민수 <park@example.kr>",
        "원본 본문",
    )
    assert again.message_id == "inner@example.kr"


def test_transport_headers_fill_missing_properties():
    headers = (
        "Microsoft Mail Internet Headers Version 2.0\r\n"
        "From: =?ks_c_5601-1987?B?yKux5rW/?= <hong@example.kr>\r\n"
        "To: =?ks_c_5601-1987?B?sejDtrz2?= <kim@city.go.kr>\r\n"
        "Date: Tue, 5 Mar 2024 09:30:00 +0900\r\n"
        "Message-ID: <hdr@example.kr>\r\n"
        "In-Reply-To: <demand-42@city.go.kr>\r\n\r\n"
    )
    parsed = parse_msg(build_msg(MsgSpec(subject="회신", headers=headers)))
    assert parsed.sender == "홍길동 <hong@example.kr>"
    assert parsed.to == ["김철수 <kim@city.go.kr>"]
    assert parsed.message_id == "hdr@example.kr"
    assert parsed.in_reply_to == "demand-42@city.go.kr"
    assert parsed.date == datetime(2024, 3, 5, 0, 30, tzinfo=UTC)
    assert parsed.date_raw == "Tue, 5 Mar 2024 09:30:00 +0900"
    assert parsed.problems == []


def test_msg_with_nothing_but_a_subject():
    parsed = parse_msg(build_msg(MsgSpec(subject="초안")))
    assert (parsed.subject, parsed.sender, parsed.to, parsed.text_body) == ("초안", "", [], "")
    assert parsed.date is None
    assert parsed.problems == [
        "no Message-ID; duplicates can only be found by content hash",
        "no sender",
        "no sent date (PR_CLIENT_SUBMIT_TIME) in the .msg",
    ]


def test_html_only_msg_gets_text_from_html():
    parsed = parse_msg(build_msg(korean_spec(body=None, attachments=[])))
    assert parsed.text_body == "안녕하세요. 정산내역을 첨부합니다."
    assert parsed.text_body_from_html is True


def test_unreadable_attachment_is_listed_and_reported():
    spec = korean_spec(attachments=[MsgAttachment("cloud.docx", None, method=2)])
    parsed = parse_msg(build_msg(spec))
    [attachment] = parsed.attachments
    assert (attachment.filename, attachment.content, attachment.size) == ("cloud.docx", None, 0)
    assert attachment.complete is False
    assert attachment.open().read() == b""
    assert parsed.problems == [
        "attachment 'cloud.docx' could not be read: extract_msg reports it as UNSUPPORTED"
    ]


def test_same_message_as_eml_and_msg_shares_the_message_id():
    raw_msg = build_msg(korean_spec())
    raw_eml = (
        b"From: hong@example.kr\r\nMessage-ID: <20240305093000.1234@mail.example.kr>\r\n"
        b"Date: Tue, 5 Mar 2024 09:30:00 +0900\r\n\r\nx"
    )
    from_msg = message_fingerprint(parse_msg(raw_msg), raw_msg)
    from_eml = message_fingerprint(parse_eml(raw_eml), raw_eml)
    assert from_msg[0] == from_eml[0] == "20240305093000.1234@mail.example.kr"
    assert from_msg[1] == hashlib.sha256(raw_msg).hexdigest() != from_eml[1]


# --- dispatch and errors ---------------------------------------------------------------------


def test_parse_email_file_picks_msg_by_content():
    raw = build_msg(korean_spec())
    assert parse_email_file(raw, "정산.msg").source_format == "msg"
    assert parse_email_file(raw, "misnamed.eml").source_format == "msg"
    assert parse_email_file(io.BytesIO(raw), "no-extension").subject.startswith("[정산]")


def _ole_file(stream: str) -> bytes:
    writer = OleWriter()
    writer.addEntry(stream, b"x" * 5000)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The email file is empty."),
        (
            b"From: a@example.kr\r\n\r\nan .eml, not a .msg",
            "The file is not an Outlook .msg file (it does not start with the OLE2 signature).",
        ),
        (
            _ole_file("WordDocument"),
            "The file is an OLE2 compound file but not an Outlook message (it may be a Word,"
            " Excel or HWP document, or a damaged .msg): File was confirmed to be an olefile,"
            " but was not an MSG file.",
        ),
    ],
)
def test_parse_msg_refuses_what_is_not_a_msg(data, message):
    with pytest.raises(ValidationFailed) as caught:
        parse_msg(data)
    assert caught.value.errors == [("file", message)]


def test_too_short_or_damaged_ole_is_a_clear_validation_error():
    with pytest.raises(ValidationFailed) as caught:
        parse_email_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1garbage", "broken.msg")
    assert caught.value.errors == [
        (
            "file",
            "The Outlook .msg file is truncated: 15 bytes is too short for an OLE2 compound file.",
        )
    ]
    with pytest.raises(ValidationFailed) as caught:
        parse_msg(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))
    [(field, message)] = caught.value.errors
    assert field == "file"
    assert message.startswith("The Outlook .msg file is damaged and could not be opened: ")
    with pytest.raises(TooLarge):
        parse_msg(build_msg(MsgSpec(subject="x")), max_bytes=1000)


def test_truncated_msg_keeps_what_is_there_and_says_what_is_missing():
    first, second = pseudo_bytes(20_000, b"a"), pseudo_bytes(30_000, b"b")
    spec = korean_spec(
        attachments=[
            MsgAttachment("a.pdf", first, "application/pdf"),
            MsgAttachment("b.pdf", second, "application/pdf"),
        ]
    )
    raw = build_msg(spec)
    parsed = parse_msg(raw[:-512])  # the last sector (end of b.pdf) is gone
    assert parsed.subject == "[정산] 2024년 2월 정산내역 송부"
    a, b = parsed.attachments
    assert (a.content, a.complete) == (first, True)
    assert b.complete is False
    assert 0 < b.size < len(second)
    assert b.content == second[: b.size]
    assert parsed.problems == [
        "attachment 'b.pdf' is incomplete: the .msg file is truncated or damaged"
    ]


def test_truncated_msg_body_is_reported():
    raw = build_msg(
        MsgSpec(
            subject="긴 본문",
            body="가" * 9000,
            message_id="<l@x>",
            sent=SENT,
            sender_name="a",
            sender_email="a@example.kr",
        )
    )
    parsed = parse_msg(raw[:6000])
    assert parsed.subject == "긴 본문"
    assert 0 < len(parsed.text_body) < 9000
    assert set(parsed.text_body) == {"가"}
    assert parsed.problems == ["the .msg file is truncated or damaged: the text body is incomplete"]
