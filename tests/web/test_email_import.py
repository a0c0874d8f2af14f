"""Email import end to end: a real EUC-KR .eml uploaded in the browser becomes correspondence,
its attachments become linked exhibits, and a second upload is recognised, not doubled."""

import io
import unicodedata

import pytest
from sqlmodel import select

from tests.conftest import login
from tests.factories import make_matter, make_user
from tests.mailimport import samples
from tracker.models import Correspondence, Evidence


@pytest.fixture
def world(session):
    owner = make_user(session)
    return owner, make_matter(session, owner, reference="2022-법무-001")


def upload(client, matter, name, content):
    return client.post(
        f"/matters/{matter.id}/evidence/upload",
        data={"files": [(io.BytesIO(content), name)]},
        content_type="multipart/form-data",
    )


def test_euc_kr_email_becomes_correspondence_with_attachments(client, session, world):
    owner, matter = world
    login(client, owner)
    assert upload(client, matter, "정산.eml", samples.euckr_message()).status_code == 302
    entry = session.exec(select(Correspondence)).one()
    assert entry.subject == samples.EUCKR_SUBJECT and entry.channel == "email"
    assert samples.EUCKR_SENDER_NAME in entry.sender
    assert "정산" in entry.body_text
    items = session.exec(select(Evidence).order_by(Evidence.id)).all()
    names = [e.display_name for e in items]
    assert names[0] == "정산.eml"
    assert samples.XLSX_NAME in names and samples.CSV_NAME_NFC in names
    children = [e for e in items if e.parent_id == items[0].id]
    assert len(children) == 2 and all(c.correspondence_id == entry.id for c in children)
    csv = next(c for c in children if c.display_name == samples.CSV_NAME_NFC)
    assert client.get(f"/matters/{matter.id}/evidence/{csv.id}/download").data == samples.CSV_BYTES
    assert unicodedata.is_normalized("NFC", csv.display_name)
    page = client.get(f"/matters/{matter.id}/correspondence/{entry.id}").get_data(as_text=True)
    assert samples.EUCKR_SUBJECT in page and samples.XLSX_NAME in page


def test_same_message_twice_is_not_doubled(client, session, world):
    owner, matter = world
    login(client, owner)
    upload(client, matter, "a.eml", samples.euckr_message())
    upload(client, matter, "a-copy.eml", samples.euckr_message())
    assert len(session.exec(select(Correspondence)).all()) == 1
    assert len(session.exec(select(Evidence).where(Evidence.parent_id.is_(None))).all()) == 1


def test_iso_2022_kr_and_utf8_messages_decode(client, session, world):
    owner, matter = world
    login(client, owner)
    upload(client, matter, "iso.eml", samples.iso2022kr_message())
    upload(client, matter, "utf8.eml", samples.utf8_message())
    subjects = {c.subject for c in session.exec(select(Correspondence))}
    assert samples.ISO_SUBJECT in subjects and len(subjects) == 2


def test_truncated_message_imports_what_it_can_and_says_what_not(client, session, world):
    owner, matter = world
    login(client, owner)
    raw = samples.report_message()
    cut = raw[: len(raw) * 2 // 3]
    assert upload(client, matter, "cut.eml", cut).status_code == 302
    entry = session.exec(select(Correspondence)).one()
    assert entry.import_problems
    page = client.get(f"/matters/{matter.id}/correspondence/{entry.id}").get_data(as_text=True)
    assert "다 읽지 못한 부분" in page


# --- every email lists every attachment it carried (dedup of bytes, not of links) -------------

PDF = b"%PDF-1.4\n" + samples.pseudo_bytes(3000, b"contract") + b"\n%%EOF\n"
XLSX = samples.XLSX_BYTES
CSV = samples.CSV_BYTES


def email_with(message_id: str, subject: str, files: list[tuple[str, bytes]]) -> bytes:
    from email.message import EmailMessage
    from email.policy import SMTP

    msg = EmailMessage(policy=SMTP)
    msg["From"] = "홍길동 <hong@example.kr>"
    msg["To"] = "kim@city.go.kr"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 05 Mar 2024 09:30:00 +0900"
    msg["Message-ID"] = f"<{message_id}@example.kr>"
    msg.set_content("첨부 파일을 보냅니다.\n")
    for name, data in files:
        maintype, subtype = {
            ".pdf": ("application", "pdf"),
            ".csv": ("text", "csv"),
        }.get(name[name.rfind(".") :], ("application", "octet-stream"))
        if maintype == "text":
            msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def attachment_rows(session, entry):
    from tracker.models import CorrespondenceAttachment

    session.expire_all()
    return session.exec(
        select(CorrespondenceAttachment)
        .where(CorrespondenceAttachment.correspondence_id == entry.id)
        .order_by(CorrespondenceAttachment.position)
    ).all()


def listed(page: str) -> list[str]:
    """The attachment names the correspondence page lists, in order."""
    import html
    import re

    section = page.split('id="attachments-h"', 1)[1].split("</section>", 1)[0]
    names = []
    for item in section.split("<li ")[1:]:
        link = re.search(r"<a [^>]*>([^<]*)</a>", item)
        text = link[1] if link else re.sub(r"<[^>]+>", " ", item.split(">", 1)[1]).split()[0]
        names.append(html.unescape(text))
    return names


def test_two_emails_sharing_an_attachment_both_list_it(client, session, world):
    owner, matter = world
    login(client, owner)
    first = email_with("first", "계약서 송부", [("계약서.pdf", PDF)])
    second = email_with("second", "RE: 계약서 송부", [("계약서(최종).pdf", PDF), ("목록.csv", CSV)])
    assert upload(client, matter, "first.eml", first).status_code == 302
    assert upload(client, matter, "second.eml", second).status_code == 302
    one, two = session.exec(select(Correspondence).order_by(Correspondence.id)).all()
    pdfs = session.exec(select(Evidence).where(Evidence.media_type == "application/pdf")).all()
    assert len(pdfs) == 1  # the bytes are stored once
    pdf = pdfs[0]
    assert [(r.position, r.filename, r.evidence_id) for r in attachment_rows(session, one)] == [
        (1, "계약서.pdf", pdf.id)
    ]
    rows = attachment_rows(session, two)
    assert [(r.position, r.filename) for r in rows] == [(1, "계약서(최종).pdf"), (2, "목록.csv")]
    assert rows[0].evidence_id == pdf.id
    page_one = client.get(f"/matters/{matter.id}/correspondence/{one.id}").get_data(as_text=True)
    page_two = client.get(f"/matters/{matter.id}/correspondence/{two.id}").get_data(as_text=True)
    assert listed(page_one) == ["계약서.pdf"]
    assert listed(page_two) == ["계약서(최종).pdf", "목록.csv"]
    assert f"/evidence/{pdf.id}" in page_two.split('id="attachments-h"', 1)[1]
    assert "이미 보관된 파일" in page_two  # first received with the other email
    # The exhibit's custody says it came again, with which email and under which name.
    custody = client.get(f"/matters/{matter.id}/evidence/{pdf.id}").get_data(as_text=True)
    assert f"received again with correspondence #{two.id}" in custody


def test_seven_attachments_some_identical_show_seven(client, session, world):
    owner, matter = world
    login(client, owner)
    files = [
        ("계약서.pdf", PDF),
        ("정산내역.xlsx", XLSX),
        ("계약서 사본.pdf", PDF),  # the same bytes under another name
        ("가맹점.csv", CSV),
        ("정산내역.xlsx", XLSX),  # the same file again, same name
        ("계약서 (2).pdf", PDF),
        ("메모.txt", "메모입니다".encode()),
    ]
    assert upload(client, matter, "seven.eml", email_with("seven", "첨부 7개", files)).status_code
    entry = session.exec(select(Correspondence)).one()
    rows = attachment_rows(session, entry)
    assert [(r.position, r.filename) for r in rows] == [
        (n, name) for n, (name, _data) in enumerate(files, 1)
    ]
    stored = {r.evidence_id for r in rows}
    assert len(stored) == 4 and None not in stored
    assert rows[0].evidence_id == rows[2].evidence_id == rows[5].evidence_id
    assert rows[1].evidence_id == rows[4].evidence_id
    page = client.get(f"/matters/{matter.id}/correspondence/{entry.id}").get_data(as_text=True)
    assert listed(page) == [name for name, _data in files]
    assert "첨부 1와 같은 파일" in page and "첨부 2와 같은 파일" in page
    assert page.count('data-position="') == 7
    # Downloading each listed exhibit gives its bytes back unchanged.
    for row, (_filename, data) in zip(rows, files, strict=True):
        url = f"/matters/{matter.id}/evidence/{row.evidence_id}/download"
        assert client.get(url).data == data


def test_cli_lists_every_attachment(runner, session, world, tmp_path):
    owner, matter = world
    files = [("계약서.pdf", PDF), ("계약서 사본.pdf", PDF), ("목록.csv", CSV)]
    path = tmp_path / "three.eml"
    path.write_bytes(email_with("three", "세 개", files))
    result = runner.invoke(
        args=["evidence", "add", "--matter", matter.reference, str(path), "--as", owner.email]
    )
    assert result.exit_code == 0, result.output
    entry = session.exec(select(Correspondence)).one()
    rows = attachment_rows(session, entry)
    for row in rows:
        assert f"attachment {row.position}: {row.filename}\texhibit #{row.evidence_id}" in (
            result.output
        )
    assert len(rows) == 3 and rows[0].evidence_id == rows[1].evidence_id


# --- non-Unicode Outlook files: the right code page, and a visible warning otherwise ----------


def corpus_msg(name: str) -> bytes:
    from pathlib import Path

    return (Path(__file__).resolve().parents[1] / "corpus" / "msg" / name).read_bytes()


def test_real_chinese_msg_upload_reads_its_code_page(client, session, world):
    owner, matter = world
    login(client, owner)
    raw = corpus_msg("poi-chinese-traditional.msg")
    assert upload(client, matter, "chinese.msg", raw).status_code == 302
    entry = session.exec(select(Correspondence)).one()
    assert entry.subject == "Alfresco MSG format testing ( MSG 格式測試 )"
    page = client.get(f"/matters/{matter.id}/correspondence/{entry.id}").get_data(as_text=True)
    assert "格式測試" in page and "張毓倫" in page and "中文測試" in page
    assert "®æ" not in page


def test_real_japanese_msg_upload(client, session, world):
    owner, matter = world
    login(client, owner)
    upload(client, matter, "japanese.msg", corpus_msg("msgreader-nonunicode-cp932.msg"))
    entry = session.exec(select(Correspondence)).one()
    page = client.get(f"/matters/{matter.id}/correspondence/{entry.id}").get_data(as_text=True)
    assert "日本語 Non Unicode タイトル" in page and "日本語 Non Unicode 本文" in page


def undecodable_cp936_msg() -> bytes:
    from datetime import UTC, datetime

    from tests.mailimport.msgbuilder import MsgAttachment, MsgSpec, build_msg

    subject = "结算报告 ".encode("gbk") + b"\x81\x20\xff" + " 二月".encode("gbk")
    return build_msg(
        MsgSpec(
            subject="placeholder",
            body="您好，附件是结算明细。",
            sender_name="王堃",
            sender_email="wang@example.cn",
            message_id="<bad936@example.cn>",
            sent=datetime(2024, 3, 5, tzinfo=UTC),
            attachments=[MsgAttachment("结算明细.csv", b"a,b\r\n", "text/csv")],
            unicode=False,
            codepage=936,
            encoding="gbk",
            raw_strings={0x0037: subject},
        )
    )


WARNING = "some text of the .msg is not valid in code page 936 (GB18030)"


def test_undecodable_msg_is_imported_with_a_visible_warning(client, session, world):
    owner, matter = world
    login(client, owner)
    assert upload(client, matter, "bad.msg", undecodable_cp936_msg()).status_code == 302
    entry = session.exec(select(Correspondence)).one()
    assert entry.subject.startswith("结算报告 ") and "\ufffd" in entry.subject
    assert WARNING in entry.import_problems and "the subject" in entry.import_problems
    page = client.get(f"/matters/{matter.id}/correspondence/{entry.id}").get_data(as_text=True)
    warning = page.split("flash-error", 1)[1].split("</div>", 1)[0]
    assert "다 읽지 못한 부분" in warning and WARNING in warning
    assert "您好，附件是结算明细。" in page and listed(page) == ["结算明细.csv"]


def test_undecodable_msg_warning_in_the_cli(runner, session, world, tmp_path):
    owner, matter = world
    path = tmp_path / "bad.msg"
    path.write_bytes(undecodable_cp936_msg())
    result = runner.invoke(
        args=["evidence", "add", "--matter", matter.reference, str(path), "--as", owner.email]
    )
    assert result.exit_code == 0, result.output
    assert f"note: {WARNING}" in result.output
    assert "attachment 1: 结算明细.csv\texhibit #" in result.output


def test_dossier_register_lists_a_shared_attachment_under_both_emails(client, session, world, app):
    from datetime import UTC, datetime

    from tracker.dossier.html import render_html
    from tracker.services import dossiers
    from tracker.services import evidence as exhibits

    owner, matter = world
    login(client, owner)
    upload(client, matter, "first.eml", email_with("d1", "계약서 송부", [("계약서.pdf", PDF)]))
    upload(client, matter, "second.eml", email_with("d2", "재송부", [("계약서(최종).pdf", PDF)]))
    pdf = session.exec(select(Evidence).where(Evidence.media_type == "application/pdf")).one()
    exhibits.mark_for_production(
        session=session, actor=owner, matter_id=matter.id, evidence_id=pdf.id
    )
    with app.app_context():
        from tracker import storage

        context = dossiers.build_context(
            session,
            storage.vault(),
            matter,
            number="D-1",
            purpose="civil",
            lang="ko",
            generated_at=datetime(2024, 3, 6, tzinfo=UTC),
            prepared_by=owner.name,
        )
    letters = {c["subject"]: c["exhibit_labels"] for c in context["correspondence"]}
    assert letters == {"계약서 송부": ["갑 제1호증"], "재송부": ["갑 제1호증"]}
    # Without the word joiners that keep Korean words whole (tracker.dossier.typeset).
    html = render_html(context).replace("\u2060", "")
    register = html.split("재송부", 1)[1].split("</tr>", 1)[0]
    assert "갑 제1호증" in register


def test_ansi_japanese_msg_with_one_file_twice_lists_both(client, session, world):
    from datetime import UTC, datetime

    from tests.mailimport.msgbuilder import MsgAttachment, MsgSpec, build_msg

    owner, matter = world
    login(client, owner)
    raw = build_msg(
        MsgSpec(
            subject="①請求書のご送付",
            body="請求書を二通お送りします。",
            sender_name="髙橋一郎",
            sender_email="takahashi@example.jp",
            message_id="<twice932@example.jp>",
            sent=datetime(2024, 3, 5, tzinfo=UTC),
            attachments=[
                MsgAttachment("請求書.pdf", PDF, "application/pdf"),
                MsgAttachment("請求書（控え）.pdf", PDF, "application/pdf"),
            ],
            unicode=False,
            codepage=932,
            encoding="cp932",
        )
    )
    assert upload(client, matter, "請求書.msg", raw).status_code == 302
    entry = session.exec(select(Correspondence)).one()
    assert entry.subject == "①請求書のご送付" and entry.import_problems == ""
    rows = attachment_rows(session, entry)
    assert [r.filename for r in rows] == ["請求書.pdf", "請求書（控え）.pdf"]
    assert rows[0].evidence_id == rows[1].evidence_id is not None
    page = client.get(f"/matters/{matter.id}/correspondence/{entry.id}").get_data(as_text=True)
    assert listed(page) == ["請求書.pdf", "請求書（控え）.pdf"]
    assert "첨부 1와 같은 파일" in page
