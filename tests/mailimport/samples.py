"""Real .eml files for the tests, built from raw byte templates and the stdlib ``email`` package.

The raw templates reproduce what Korean mailers actually send (Outlook with
``ks_c_5601-1987``, webmail with EUC-KR and RFC 2047 file names, macOS Mail with NFD
RFC 2231 file names); they are written byte for byte so nothing in the stdlib "fixes" them on
the way in.
"""

from __future__ import annotations

import base64
import hashlib
import quopri
import unicodedata
from email.message import EmailMessage
from email.policy import SMTP
from urllib.parse import quote_from_bytes


def ew(text: str, charset: str, codec: str | None = None) -> str:
    """An RFC 2047 B encoded-word."""
    data = text.encode(codec or charset)
    return f"=?{charset}?B?{base64.b64encode(data).decode('ascii')}?="


def b64_lines(data: bytes, width: int = 76) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return "\r\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))


def pseudo_bytes(n: int, seed: bytes = b"tracker") -> bytes:
    """Deterministic binary content (stands in for an .xlsx/.pdf)."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:n])


def crlf(text: str) -> bytes:
    """CRLF line endings; non-ASCII characters become raw UTF-8 bytes."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


# --- 1. EUC-KR webmail message with RFC 2047 and RFC 2231 (NFD) attachment names -------------

EUCKR_SUBJECT = "[정산] 2024년 2월 정산내역 송부"
EUCKR_SENDER_NAME = "홍길동"
EUCKR_BODY = (
    "안녕하세요, 홍길동입니다.\n"
    "2024년 2월분 정산내역과 가맹점 목록을 첨부합니다.\n"
    "발행수수료 잔액은 1,234,500원입니다.\n"
)
XLSX_NAME = "정산내역.xlsx"
XLSX_BYTES = b"PK\x03\x04" + pseudo_bytes(700, b"xlsx")
CSV_NAME_NFC = "가맹점 목록.csv"
CSV_NAME_NFD = unicodedata.normalize("NFD", CSV_NAME_NFC)
CSV_BYTES = "가맹점명,사업자등록번호\r\n행복마트,124-81-00998\r\n".encode("cp949")


def euckr_message() -> bytes:
    body_b64 = b64_lines(EUCKR_BODY.replace("\n", "\r\n").encode("euc-kr"))
    csv_pct = quote_from_bytes(CSV_NAME_NFD.encode("utf-8"), safe="")
    head = "\r\n".join(
        [
            "Return-Path: <hong@example.kr>",
            "Received: from mail.example.kr (mail.example.kr [192.0.2.10])",
            "\tby mx.city.go.kr with ESMTP id 4Tq1; Tue, 5 Mar 2024 09:30:02 +0900",
            "Message-ID: <20240305093000.1234@mail.example.kr>",
            "Date: Tue, 5 Mar 2024 09:30:00 +0900",
            f"From: {ew(EUCKR_SENDER_NAME, 'EUC-KR')} <hong@example.kr>",
            f"To: {ew('김철수', 'EUC-KR')} <kim@city.go.kr>, lee@city.go.kr",
            f'Cc: "{ew("박 과장", "EUC-KR")}" <park@example.kr>',
            f"Subject: {ew(EUCKR_SUBJECT, 'EUC-KR')}",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="----=_NextPart_000_0001"',
            "",
            "This is a multi-part message in MIME format.",
            "",
            "------=_NextPart_000_0001",
            'Content-Type: text/plain; charset="euc-kr"',
            "Content-Transfer-Encoding: base64",
            "",
            body_b64,
            "------=_NextPart_000_0001",
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;",
            f'\tname="{ew(XLSX_NAME, "EUC-KR")}"',
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: attachment; filename="{ew(XLSX_NAME, "EUC-KR")}"',
            "",
            b64_lines(XLSX_BYTES),
            "------=_NextPart_000_0001",
            "Content-Type: text/csv; charset=cp949",
            "Content-Transfer-Encoding: base64",
            f"Content-Disposition: attachment;\r\n filename*=UTF-8''{csv_pct}",
            "",
            b64_lines(CSV_BYTES),
            "------=_NextPart_000_0001--",
            "",
        ]
    )
    return head.encode("ascii")


# --- 2. UTF-8 message, quoted-printable text with an HTML alternative (stdlib-built) ---------

UTF8_SUBJECT = "회신: 자료 이관 요구에 대한 답변"
UTF8_TEXT = "김철수 주무관님께,\n\n요청하신 자료는 3월 15일까지 제출하겠습니다.\n감사합니다.\n"
UTF8_HTML = (
    "<html><head><style>p{color:red}</style></head><body>"
    '<p style="color: #333333; font-family: 맑은 고딕">김철수 주무관님께,</p>'
    "<p>요청하신 자료는 <b>3월 15일</b>까지 제출하겠습니다.</p>"
    '<img src="http://tracker.example/pixel.gif" width="1" height="1">'
    "</body></html>"
)


def utf8_message() -> bytes:
    message = EmailMessage()
    message["From"] = "이영희 <lee@partner.example.com>"
    message["To"] = "김철수 <kim@city.go.kr>"
    message["Subject"] = UTF8_SUBJECT
    message["Date"] = "Wed, 06 Mar 2024 14:05:09 +0900"
    message["Message-ID"] = "<CAF=abc123+x@mail.partner.example.com>"
    message["In-Reply-To"] = "<demand-42@city.go.kr>"
    message["References"] = "<demand-41@city.go.kr> <demand-42@city.go.kr>"
    message.set_content(UTF8_TEXT, charset="utf-8", cte="quoted-printable")
    message.add_alternative(UTF8_HTML, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes(policy=SMTP)


# --- 3. ISO-2022-KR (7-bit Korean, old Unix/Netscape mailers) ----------------------------------

ISO_SUBJECT = "가맹점 해지 통보"
ISO_BODY = "가맹점 계약 해지를 통보합니다.\n잔액 정산은 별도로 안내드리겠습니다.\n"


def iso2022kr_message() -> bytes:
    body = ISO_BODY.replace("\n", "\r\n").encode("iso2022_kr")
    head = crlf(
        "Message-ID: <iso2022@old.example.kr>\n"
        "Date: Mon, 4 Mar 2024 10:00:00 +0900\n"
        f"From: {ew('최민수', 'ISO-2022-KR', 'iso2022_kr')} <choi@old.example.kr>\n"
        "To: kim@city.go.kr\n"
        f"Subject: {ew(ISO_SUBJECT, 'ISO-2022-KR', 'iso2022_kr')}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=ISO-2022-KR\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n"
    )
    return head + body


# --- 4. Outlook (Korean) message: ks_c_5601-1987 with CP949-only syllables -----------------

# 똠, 햏 and 뷁 are not among KS X 1001's 2,350 syllables: only CP949 can encode them.
OUTLOOK_SUBJECT = "똠방각하 햏정처리 결과 보고 (뷁)"
OUTLOOK_TEXT = "안녕하십니까.\n똠방각하 건 햏정처리 결과를 보고드립니다.\n"
OUTLOOK_HTML = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
    '<meta http-equiv="Content-Type" content="text/html; charset=ks_c_5601-1987">'
    "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]--></head>"
    '<body lang="KO"><div class="WordSection1"><p class="MsoNormal">안녕하십니까.</p>'
    '<p class="MsoNormal">똠방각하 건 햏정처리 결과를 보고드립니다.</p></div></body></html>'
)
OUTLOOK_PDF_NAME = "햏정처리 결과.pdf"
OUTLOOK_PDF = b"%PDF-1.4\n" + pseudo_bytes(300, b"pdf")


def outlook_message() -> bytes:
    codec = "cp949"
    label = "ks_c_5601-1987"
    text = OUTLOOK_TEXT.replace("\n", "\r\n").encode(codec)
    html_qp = quopri.encodestring(OUTLOOK_HTML.encode(codec)).decode("ascii")
    pdf_name = ew(OUTLOOK_PDF_NAME, label, codec)
    head = "\r\n".join(
        [
            f'From: "{ew("정산팀 담당자", label, codec)}" <settle@vendor.example.co.kr>',
            f"To: {ew('김철수', label, codec)} <kim@city.go.kr>",
            f"Subject: {ew(OUTLOOK_SUBJECT, label, codec)}",
            "Date: Thu, 7 Mar 2024 17:45:12 +0900",
            "Message-ID: <000001da7078$5e3c2a10$1ab47e30$@vendor.example.co.kr>",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="----=_NextPart_000_0011_01DA70C3.CE23D210"',
            "X-Mailer: Microsoft Outlook 16.0",
            "Thread-Index: AdpweFtFYRq7gF5sRUOa3Zx0b5Mxtw==",
            "Content-Language: ko",
            "",
            "This is a multipart message in MIME format.",
            "",
            "------=_NextPart_000_0011_01DA70C3.CE23D210",
            'Content-Type: multipart/alternative; boundary="----=_NextPart_001_0012"',
            "",
            "",
            "------=_NextPart_001_0012",
            'Content-Type: text/plain; charset="ks_c_5601-1987"',
            "Content-Transfer-Encoding: base64",
            "",
            b64_lines(text),
            "",
            "------=_NextPart_001_0012",
            'Content-Type: text/html; charset="ks_c_5601-1987"',
            "Content-Transfer-Encoding: quoted-printable",
            "",
            html_qp.replace("\n", "\r\n"),
            "",
            "------=_NextPart_001_0012--",
            "",
            "------=_NextPart_000_0011_01DA70C3.CE23D210",
            f'Content-Type: application/pdf; name="{pdf_name}"',
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: attachment; filename="{pdf_name}"',
            "",
            b64_lines(OUTLOOK_PDF),
            "",
            "------=_NextPart_000_0011_01DA70C3.CE23D210--",
            "",
        ]
    )
    return head.encode("ascii")


# --- 5. A message to cut short --------------------------------------------------------------

REPORT_NAME = "보고서.pdf"
REPORT_PDF = b"%PDF-1.7\n" + pseudo_bytes(3000, b"report")
TRUNCATED_TEXT = "첨부한 보고서를 확인해 주십시오.\n"


def report_message() -> bytes:
    """A complete UTF-8 message: text + a 3 KB PDF (base64, 76-character lines)."""
    name = ew(REPORT_NAME, "UTF-8")
    return "\r\n".join(
        [
            "Message-ID: <report-2024-03@vendor.example.kr>",
            "Date: Fri, 8 Mar 2024 08:00:00 +0900",
            "From: report@vendor.example.kr",
            "To: kim@city.go.kr",
            f"Subject: {ew('보고서 송부', 'UTF-8')}",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="b1"',
            "",
            "--b1",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            b64_lines(TRUNCATED_TEXT.encode("utf-8")),
            "--b1",
            f'Content-Type: application/pdf; name="{name}"',
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: attachment; filename="{name}"',
            "",
            b64_lines(REPORT_PDF),
            "--b1--",
            "",
        ]
    ).encode("ascii")
