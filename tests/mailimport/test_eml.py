"""parse_eml on real .eml files (see samples.py), including damaged ones."""

from __future__ import annotations

import base64
import hashlib
import io
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from tracker.errors import TooLarge, ValidationFailed
from tracker.mailimport import (
    ParsedMessage,
    message_fingerprint,
    parse_email_file,
    parse_eml,
)

from . import samples
from .samples import crlf, ew

KST = timezone(timedelta(hours=9))


# --- 1. EUC-KR -------------------------------------------------------------------------------


def test_euckr_headers_are_decoded_exactly():
    parsed = parse_eml(samples.euckr_message())
    assert parsed.source_format == "eml"
    assert parsed.message_id == "20240305093000.1234@mail.example.kr"
    assert parsed.subject == "[정산] 2024년 2월 정산내역 송부"
    assert parsed.sender == "홍길동 <hong@example.kr>"
    assert parsed.to == ["김철수 <kim@city.go.kr>", "lee@city.go.kr"]
    assert parsed.cc == ["박 과장 <park@example.kr>"]
    assert parsed.bcc == []
    assert parsed.date == datetime(2024, 3, 5, 9, 30, tzinfo=KST)
    assert parsed.date.utcoffset() == timedelta(hours=9)
    assert parsed.date_raw == "Tue, 5 Mar 2024 09:30:00 +0900"
    assert parsed.problems == []


def test_euckr_body_is_decoded_and_newlines_normalized():
    parsed = parse_eml(samples.euckr_message())
    assert parsed.text_body == samples.EUCKR_BODY
    assert parsed.html_body_safe == ""
    assert parsed.text_body_from_html is False


def test_euckr_attachments_rfc2047_and_rfc2231_nfd_names():
    parsed = parse_eml(samples.euckr_message())
    xlsx, csv = parsed.attachments
    assert xlsx.filename == "정산내역.xlsx"
    assert xlsx.original_filename == "정산내역.xlsx"
    assert xlsx.media_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx.content == samples.XLSX_BYTES
    assert xlsx.size == len(samples.XLSX_BYTES) == 704
    assert (xlsx.inline, xlsx.content_id, xlsx.complete) == (False, None, True)
    assert xlsx.open().read() == samples.XLSX_BYTES

    # macOS sends NFD (decomposed jamo); the display name is NFC, the original is kept.
    assert csv.filename == "가맹점 목록.csv"
    assert unicodedata.is_normalized("NFC", csv.filename)
    assert csv.original_filename == samples.CSV_NAME_NFD
    assert csv.original_filename != csv.filename
    assert len(csv.original_filename) > len(csv.filename)
    assert csv.media_type == "text/csv"
    assert csv.content == samples.CSV_BYTES  # bytes untouched: the caller sniffs/decodes


# --- 2. UTF-8 quoted-printable + HTML alternative ------------------------------------------


def test_utf8_quoted_printable_with_html_alternative():
    raw = samples.utf8_message()
    assert b"Content-Transfer-Encoding: quoted-printable" in raw
    assert b"=EC=9A=94" in raw  # really QP-encoded UTF-8 on the wire
    parsed = parse_eml(raw)
    assert parsed.subject == "회신: 자료 이관 요구에 대한 답변"
    assert parsed.sender == "이영희 <lee@partner.example.com>"
    assert parsed.to == ["김철수 <kim@city.go.kr>"]
    assert parsed.message_id == "CAF=abc123+x@mail.partner.example.com"
    assert parsed.in_reply_to == "demand-42@city.go.kr"
    assert parsed.references == ["demand-41@city.go.kr", "demand-42@city.go.kr"]
    assert parsed.date == datetime(2024, 3, 6, 5, 5, 9, tzinfo=UTC)
    assert parsed.text_body == samples.UTF8_TEXT
    assert parsed.html_body_safe == (
        '<p style="color: #333333; font-family: 맑은 고딕">김철수 주무관님께,</p>'
        "<p>요청하신 자료는 <b>3월 15일</b>까지 제출하겠습니다.</p>"
        '<img height="1" width="1">'
    )
    assert parsed.remote_images_blocked == 1
    assert parsed.attachments == []
    assert parsed.problems == []


def test_html_only_message_gets_a_text_body_from_the_html():
    message = EmailMessage()
    message["From"] = "a@example.kr"
    message["Subject"] = "html only"
    message["Date"] = "Wed, 06 Mar 2024 14:05:09 +0900"
    message["Message-ID"] = "<h@example.kr>"
    message.set_content(
        "<p>첫 줄<br>둘째 줄</p><ul><li>가</li><li>나</li></ul><script>x()</script>",
        subtype="html",
    )
    parsed = parse_eml(message.as_bytes(policy=SMTP))
    assert parsed.text_body == "첫 줄\n둘째 줄\n\n- 가\n- 나"
    assert parsed.text_body_from_html is True
    assert parsed.html_body_safe == "<p>첫 줄<br>둘째 줄</p><ul><li>가</li><li>나</li></ul>"


# --- 3. ISO-2022-KR ----------------------------------------------------------------------


def test_iso2022kr_headers_and_body():
    raw = samples.iso2022kr_message()
    assert raw.isascii() and b"\x1b$)C" in raw  # 7-bit, with the KS C 5601 designator
    parsed = parse_eml(raw)
    assert parsed.subject == "가맹점 해지 통보"
    assert parsed.sender == "최민수 <choi@old.example.kr>"
    assert parsed.text_body == samples.ISO_BODY
    assert parsed.problems == []


# --- 4. Outlook ks_c_5601-1987 ----------------------------------------------------------------


def test_outlook_ks_c_5601_1987_is_read_as_cp949():
    parsed = parse_eml(samples.outlook_message())
    # 똠, 햏, 뷁 exist only in CP949: a strict EUC-KR decoder would lose or reject them.
    assert parsed.subject == "똠방각하 햏정처리 결과 보고 (뷁)"
    assert parsed.sender == "정산팀 담당자 <settle@vendor.example.co.kr>"
    assert parsed.to == ["김철수 <kim@city.go.kr>"]
    assert parsed.message_id == "000001da7078$5e3c2a10$1ab47e30$@vendor.example.co.kr"
    assert parsed.text_body == samples.OUTLOOK_TEXT
    assert parsed.html_body_safe == (
        "<div><p>안녕하십니까.</p><p>똠방각하 건 햏정처리 결과를 보고드립니다.</p></div>"
    )
    [pdf] = parsed.attachments
    assert pdf.filename == "햏정처리 결과.pdf"
    assert pdf.media_type == "application/pdf"
    assert pdf.content == samples.OUTLOOK_PDF
    assert parsed.problems == []


# --- 5. Truncated ------------------------------------------------------------------------------


def _cut_inside_pdf(extra_chars: int) -> bytes:
    raw = samples.report_message()
    start = raw.index(b"JVBERi0xLjcK")  # base64 of "%PDF-1.7\n"
    return raw[: start + extra_chars]


def test_truncated_mid_base64_and_before_closing_boundary():
    # 1002 bytes = 12 full lines (12 x 76 characters + CRLF = 936) + 66 characters:
    # 978 base64 characters, so the final quantum is incomplete (978 % 4 == 2).
    raw = _cut_inside_pdf(1002)
    body = raw[raw.index(b"JVBERi0xLjcK") :]
    assert len(body.replace(b"\r\n", b"")) % 4 == 2
    parsed = parse_eml(raw)

    assert parsed.subject == "보고서 송부"
    assert parsed.text_body == samples.TRUNCATED_TEXT
    [pdf] = parsed.attachments
    assert pdf.filename == "보고서.pdf"
    assert pdf.complete is False
    chars = len(body.replace(b"\r\n", b""))
    assert pdf.size == (chars // 4) * 3 + 1  # the 2 leftover characters still give 1 byte
    assert pdf.content == samples.REPORT_PDF[: pdf.size]
    assert parsed.problems == [
        "multipart/mixed section ends before its closing boundary:"
        " the message is truncated or malformed",
        "attachment '보고서.pdf' base64 is truncated (ends without base64 padding)",
    ]


def test_truncated_on_a_line_boundary_is_still_reported():
    raw = samples.report_message()
    start = raw.index(b"JVBERi0xLjcK")
    cut = raw[: start + 78 * 5]  # exactly five full lines incl. CRLF: valid base64 so far
    parsed = parse_eml(cut)
    [pdf] = parsed.attachments
    assert pdf.size == 5 * 57
    assert pdf.content == samples.REPORT_PDF[: 5 * 57]
    assert pdf.complete is False
    assert parsed.problems == [
        "multipart/mixed section ends before its closing boundary:"
        " the message is truncated or malformed",
        "attachment '보고서.pdf' may be incomplete: the message ends inside it,"
        " before the closing boundary",
    ]


def test_truncated_inside_the_text_body():
    raw = crlf(
        "From: a@example.kr\nDate: Fri, 8 Mar 2024 08:00:00 +0900\nMessage-ID: <t@x>\n"
        'Content-Type: multipart/alternative; boundary="alt"\n\n'
        "--alt\nContent-Type: text/plain; charset=utf-8\n\nhello\n"
        "--alt\nContent-Type: text/html; charset=utf-8\n\n<p>hel"
    )
    parsed = parse_eml(raw)
    assert parsed.text_body == "hello"
    assert parsed.html_body_safe == "<p>hel</p>"
    assert parsed.problems == [
        "multipart/alternative section ends before its closing boundary:"
        " the message is truncated or malformed",
        "HTML body (part 2) may be incomplete: the message ends inside it,"
        " before the closing boundary",
    ]


def test_complete_report_message_has_no_problems():
    parsed = parse_eml(samples.report_message())
    assert parsed.attachments[0].content == samples.REPORT_PDF
    assert parsed.attachments[0].complete is True
    assert parsed.problems == []


def test_multipart_without_any_boundary_is_reported():
    raw = crlf(
        "From: a@example.kr\nDate: Fri, 8 Mar 2024 08:00:00 +0900\nMessage-ID: <t@x>\n"
        'Content-Type: multipart/mixed; boundary="nope"\n\nplain words\n'
    )
    parsed = parse_eml(raw)
    assert parsed.problems == [
        "the message: its boundary never appears, so it has no parts",
    ]


# --- 6. Missing headers ---------------------------------------------------------------------


def test_no_message_id_and_no_date():
    raw = crlf("From: a@example.kr\nTo: b@example.kr\nSubject: hi\n\nbody\n")
    parsed = parse_eml(raw)
    assert parsed.message_id is None
    assert parsed.date is None
    assert parsed.date_raw is None
    assert parsed.text_body == "body\n"
    assert parsed.problems == [
        "no Date header",
        "no Message-ID header; duplicates can only be found by content hash",
    ]
    assert message_fingerprint(parsed, raw) == (None, hashlib.sha256(raw).hexdigest())


def test_unparseable_and_zoneless_dates():
    bad = parse_eml(crlf("From: a@x.kr\nMessage-ID: <a@x>\nDate: 2024. 3. 5. 오후 3:00\n\nx"))
    assert bad.date is None
    assert bad.problems == ["the Date header '2024. 3. 5. 오후 3:00' could not be parsed"]
    zoneless = parse_eml(crlf("From: a@x.kr\nMessage-ID: <a@x>\nDate: 5 Mar 2024 06:00 -0000\n\nx"))
    assert zoneless.date == datetime(2024, 3, 5, 6, 0, tzinfo=UTC)
    assert zoneless.problems == [
        "the Date header '5 Mar 2024 06:00 -0000' has no time zone (-0000); assumed UTC"
    ]


# --- fingerprint ---------------------------------------------------------------------------


def test_message_fingerprint_same_message_and_same_id_other_bytes():
    raw = samples.euckr_message()
    first = message_fingerprint(parse_eml(raw), raw)
    assert first == (
        "20240305093000.1234@mail.example.kr",
        hashlib.sha256(raw).hexdigest(),
    )
    assert message_fingerprint(parse_eml(raw), io.BytesIO(raw)) == first
    relayed = b"Received: from relay.example.kr by mx; Tue, 5 Mar 2024 09:31:00 +0900\r\n" + raw
    second = message_fingerprint(parse_eml(relayed), relayed)
    assert second[0] == first[0]
    assert second[1] != first[1]


# --- forwarded messages, winmail.dat, related images -----------------------------------------

INNER = (
    crlf(
        "From: =?UTF-8?B?67CV66+87IiY?= <park@example.kr>\n"
        "Subject: =?UTF-8?B?7JuQ67O4IOuplOydvA==?=\n"
        "Date: Fri, 1 Mar 2024 09:00:00 +0900\n"
        "Message-ID: <inner@example.kr>\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
    )
    + "원본 본문입니다.\r\n".encode()
)


def _forward(inner: bytes, disposition: str) -> bytes:
    return (
        crlf(
            "From: hong@example.kr\nTo: kim@city.go.kr\nSubject: FW\n"
            "Date: Fri, 1 Mar 2024 10:00:00 +0900\nMessage-ID: <fw@example.kr>\n"
            'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="fw"\n\n'
            "--fw\nContent-Type: text/plain; charset=utf-8\n\nsee below\n"
            f"--fw\nContent-Type: message/rfc822\n{disposition}\n\n"
        )
        + inner
        + crlf('\n--fw\nContent-Type: application/ms-tnef; name="winmail.dat"\n')
        + crlf("Content-Transfer-Encoding: base64\n")
        + crlf('Content-Disposition: attachment; filename="winmail.dat"\n\n')
        + base64.b64encode(b"\x78\x9f\x3e\x22tnef")
        + crlf("\n--fw--\n")
    )


def test_forwarded_eml_is_an_attachment_with_its_exact_bytes():
    parsed = parse_eml(_forward(INNER, "Content-Disposition: attachment"))
    assert parsed.text_body == "see below"
    forwarded, winmail = parsed.attachments
    assert forwarded.is_message is True
    assert forwarded.media_type == "message/rfc822"
    assert forwarded.filename == "원본 메일.eml"  # from its subject: no name was given
    assert forwarded.original_filename == ""
    assert forwarded.content == INNER
    inner = parse_eml(forwarded.content)
    assert (inner.subject, inner.sender) == ("원본 메일", "박민수 <park@example.kr>")
    assert inner.text_body == "원본 본문입니다.\n"

    assert winmail.filename == "winmail.dat"
    assert winmail.media_type == "application/ms-tnef"
    assert winmail.content == b"\x78\x9f\x3e\x22tnef"
    assert parsed.problems == []


def test_forwarded_eml_keeps_its_given_name():
    disposition = f'Content-Disposition: attachment; filename="{ew("원본.eml", "EUC-KR")}"'
    parsed = parse_eml(_forward(INNER, disposition))
    assert parsed.attachments[0].filename == "원본.eml"


def test_related_inline_image_and_fallback_names():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
    raw = (
        crlf(
            "From: a@example.kr\nDate: Fri, 8 Mar 2024 08:00:00 +0900\nMessage-ID: <r@x>\n"
            'Content-Type: multipart/related; boundary="rel"\n\n'
            "--rel\nContent-Type: text/html; charset=utf-8\n\n"
            '<p>로고</p><img src="cid:logo@x"><img src="https://evil.example/t.gif">\n'
            "--rel\nContent-Type: image/png\nContent-ID: <logo@x>\n"
            "Content-Transfer-Encoding: base64\n\n"
        )
        + base64.b64encode(png)
        + crlf("\n--rel\nContent-Type: application/octet-stream\n")
        + crlf("Content-Disposition: attachment\n\nraw\n--rel--\n")
    )
    parsed = parse_eml(raw)
    assert parsed.html_body_safe == '<p>로고</p><img src="cid:logo@x"><img>'
    assert parsed.remote_images_blocked == 1
    logo, blob = parsed.attachments
    assert (logo.filename, logo.original_filename) == ("attachment-1.png", "")
    assert (logo.content_id, logo.inline, logo.content) == ("logo@x", True, png)
    assert (blob.filename, blob.inline, blob.content) == ("attachment-2.bin", False, b"raw")


def test_filenames_lose_directory_parts():
    raw = crlf(
        "From: a@example.kr\nDate: Fri, 8 Mar 2024 08:00:00 +0900\nMessage-ID: <r@x>\n"
        'Content-Type: multipart/mixed; boundary="m"\n\n'
        '--m\nContent-Type: text/plain\nContent-Disposition: attachment; filename="'
        'C:\\\\Users\\\\hong\\\\정산.txt"\n\nx\n'
        "--m\nContent-Type: text/plain\n"
        'Content-Disposition: attachment; filename="../../etc/passwd"'
        "\n\ny\n--m--\n"
    )
    first, second = parse_eml(raw).attachments
    assert first.original_filename == "C:\\Users\\hong\\정산.txt"
    assert first.filename == "정산.txt"
    assert second.filename == "passwd"


def test_group_syntax_sender_fallback_and_several_headers():
    raw = crlf(
        "Sender: =?UTF-8?B?7ZmN6ri464+Z?= <hong@example.kr>\n"
        "To: undisclosed-recipients:;\n"
        "Cc: a@example.kr\nCc: b@example.kr, =?UTF-8?B?6rmA?= <c@example.kr>\n"
        "Message-ID: <g@x>\nDate: Fri, 8 Mar 2024 08:00:00 +0900\n\nx"
    )
    parsed = parse_eml(raw)
    assert parsed.sender == "홍길동 <hong@example.kr>"
    assert parsed.to == []
    assert parsed.cc == ["a@example.kr", "b@example.kr", "김 <c@example.kr>"]
    assert parsed.problems == ["no From header; used the Sender header"]


# --- header oddities ---------------------------------------------------------------------


def test_raw_cp949_bytes_in_headers_are_decoded_and_reported():
    raw = (
        b"From: "
        + "김철수".encode("cp949")
        + b" <kim@city.go.kr>\r\nSubject: "
        + "똠 보고".encode("cp949")
        + b"\r\nDate: Fri, 8 Mar 2024 08:00:00 +0900\r\nMessage-ID: <r@x>\r\n\r\n"
        + "본문".encode("cp949")
    )
    parsed = parse_eml(raw)
    assert parsed.subject == "똠 보고"
    assert parsed.sender == "김철수 <kim@city.go.kr>"
    assert parsed.text_body == "본문"
    assert parsed.problems == [
        "Subject header declares no charset; decoded as CP949",
        "From header declares no charset; decoded as CP949",
        "text body declares no charset; decoded as CP949",
    ]


def test_mislabelled_body_falls_back_and_reports():
    raw = (
        crlf(
            "From: a@x.kr\nMessage-ID: <a@x>\nDate: Fri, 8 Mar 2024 08:00:00 +0900\n"
            "Content-Type: text/plain; charset=euc-kr\nContent-Transfer-Encoding: 8bit\n\n"
        )
        + "UTF-8 본문".encode()
    )
    parsed = parse_eml(raw)
    assert parsed.text_body == "UTF-8 본문"
    assert parsed.problems == ["text body is declared as euc-kr but is UTF-8; decoded as UTF-8"]


def test_undecodable_body_is_replaced_and_counted():
    raw = crlf(
        "From: a@x.kr\nMessage-ID: <a@x>\nDate: Fri, 8 Mar 2024 08:00:00 +0900\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    ) + (b"ok \xff\xfe\x80 end")
    parsed = parse_eml(raw)
    assert parsed.text_body == "ok \ufffd\ufffd\ufffd end"
    assert parsed.problems == [
        "text body is declared as utf-8 but is not valid UTF-8; 3 undecodable byte sequence(s)"
        " replaced with U+FFFD (UTF-8)"
    ]


# --- not an email / limits / dispatch ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The email file is empty."),
        (b"\r\n  \r\n", "The email file is empty."),
        (
            b"%PDF-1.4\n%\xc7\xec\n1 0 obj\n",
            "The file is not an email message: it has no email headers"
            " (From, To, Subject, Date, ...).",
        ),
        (
            "가맹점명,사업자등록번호\n행복마트,124-81-00998\n".encode("cp949"),
            "The file is not an email message: it has no email headers"
            " (From, To, Subject, Date, ...).",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "This is an Outlook .msg file, not an .eml message; read it as .msg.",
        ),
    ],
)
def test_refuses_what_is_not_an_email(data, message):
    with pytest.raises(ValidationFailed) as caught:
        parse_eml(data)
    assert caught.value.errors == [("file", message)]


def test_accepts_a_binary_stream_and_enforces_max_bytes():
    raw = samples.iso2022kr_message()
    assert parse_eml(io.BytesIO(raw)).subject == "가맹점 해지 통보"
    with pytest.raises(TooLarge):
        parse_eml(io.BytesIO(raw), max_bytes=100)
    with pytest.raises(TooLarge):
        parse_eml(raw, max_bytes=len(raw) - 1)
    assert parse_eml(raw, max_bytes=len(raw)).subject == "가맹점 해지 통보"


def test_parse_email_file_dispatch_for_eml():
    raw = samples.euckr_message()
    parsed = parse_email_file(raw, "정산.eml")
    assert isinstance(parsed, ParsedMessage)
    assert parsed.source_format == "eml"
    assert parsed.problems == []
    misnamed = parse_email_file(raw, "정산.msg")
    assert misnamed.source_format == "eml"
    assert misnamed.problems == [
        "the file is named .msg but is a MIME (.eml) message; it was read as .eml"
    ]
    with pytest.raises(ValidationFailed):
        parse_email_file(b"just some words\n", "note.eml")


def test_raw_8bit_subject_is_read_in_the_body_charset():
    # An old Big5 mailer writes the Subject as raw bytes, with no RFC 2047 label: the body's
    # declared charset is the only evidence of what they are.
    raw = (
        b"From: a@example.tw\r\nTo: b@example.tw\r\nSubject: "
        + "大家說英語 第6期".encode("big5")
        + b"\r\nDate: Mon, 7 Jun 2004 10:00:00 +0800\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=big5\r\n\r\n" + "每日聽MP3".encode("big5") + b"\r\n"
    )
    parsed = parse_email_file(raw, "big5.eml")
    assert parsed.subject == "大家說英語 第6期"
    assert "每日聽MP3" in parsed.text_body
    assert any("body's charset big5" in p for p in parsed.problems)


def test_utf8_body_labelled_latin1_is_read_as_utf8():
    raw = (
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\n"
        b"Date: Mon, 7 Jun 2004 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=ISO-8859-1\r\n\r\n"
        + "Příbram – 서울 €".encode()
        + b"\r\n"
    )
    parsed = parse_email_file(raw, "mislabelled.eml")
    assert "Příbram – 서울 €" in parsed.text_body
    assert any("declared as ISO-8859-1 but is UTF-8" in p for p in parsed.problems)
    # Real Latin-1 stays Latin-1.
    latin = raw.replace("Příbram – 서울 €".encode(), "Café crème".encode("latin-1"))
    assert "Café crème" in parse_email_file(latin, "latin.eml").text_body


@pytest.mark.parametrize(
    "date", ["Fri, 31 Dec 9999 23:00:00 +0000", "Wed, 1 Jan 1000 00:00:00 +0900"]
)
def test_a_date_no_calendar_survives_is_ignored_with_a_note(date):
    raw = (
        f"From: a@example.com\r\nTo: b@example.com\r\nSubject: far\r\nDate: {date}\r\n"
        "Message-ID: <far@example.com>\r\n\r\nbody\r\n"
    ).encode()
    parsed = parse_email_file(raw, "far.eml")
    assert parsed.date is None
    assert any("Date header" in p for p in parsed.problems)


def test_a_message_dated_9999_imports_through_the_service(app, session):
    from tests.factories import make_matter, make_user
    from tracker.services import evidence

    owner = make_user(session)
    matter = make_matter(session, owner)
    raw = (
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: far future\r\n"
        b"Date: Fri, 31 Dec 9999 23:00:00 +0000\r\nMessage-ID: <y9999@example.com>\r\n\r\nhi\r\n"
    )
    [result] = evidence.add_files(
        session=session,
        vault=app.extensions["tracker.vault"],
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload("far.eml", io.BytesIO(raw))],
    )
    assert result.error is None or result.error == ""
    assert result.correspondence is not None and result.correspondence.sent_at is None
