"""Court papers: the 증거설명서 in the court's form, the 고소장 annex, marks and words per purpose.

Every dossier here is built from data recorded through the services and the CLI (the demo
matter, or a matter made with `matter create`), and checked in the PDF it produced: page size
with pypdf, font sizes from the content streams (pypdf's text visitor), word positions from
`pdftotext -bbox-layout`, text from `pdftotext`.
"""

from __future__ import annotations

import io
import json
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader
from sqlmodel import select

from tests.conftest import login
from tracker.models import Dossier, Matter, Party, User

pytestmark = pytest.mark.xdist_group("dossier")

MM = 72 / 25.4
A4 = (595.28, 841.89)
AT = "2022-03-02T09:00+09:00"


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def words_of(pdf: Path, page: int) -> list[Word]:
    """The words of one page (1-based) with their boxes, in points from the top left."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    root = ElementTree.fromstring(xml)  # noqa: S314 - poppler output of our own PDF
    return [
        Word(w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
        for w in root.iter("{http://www.w3.org/1999/xhtml}word")
    ]


def page_texts(pdf: Path, *, layout: bool = False) -> list[str]:
    """Each page's text: in reading order, or (``layout``) line by line as printed, which
    keeps a table row on one line."""
    count = len(PdfReader(pdf).pages)
    mode = ["-layout"] if layout else []
    return [
        subprocess.run(
            ["pdftotext", *mode, "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


def squash(text: str) -> str:
    return " ".join(text.split())


def font_sizes(pdf: Path, index: int) -> list[tuple[float, float, str]]:
    """``(size, baseline y from the top, text)`` of every text run on a page (0-based)."""
    page = PdfReader(pdf).pages[index]
    height = float(page.mediabox.height)
    runs = []

    def visit(text, cm, tm, _font, size):
        if not text.strip():
            return
        a, b, c, d, e, f = (float(x) for x in tm)
        A, B, C, D, E, F = (float(x) for x in cm)
        scale = math.hypot(c * A + d * C, c * B + d * D)
        y = e * B + f * D + F
        runs.append((round(size * scale, 2), height - y, text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


@pytest.fixture
def demo(runner, session):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    admin = session.exec(select(User).where(User.email == "admin@example.com")).one()
    session.commit()
    return admin


def build(runner, tmp_path, admin, purpose, lang="ko", reference="2022-법무-001"):
    out = tmp_path / f"{purpose}-{lang}.pdf"
    result = runner.invoke(
        args=[
            "dossier",
            "build",
            "--matter",
            reference,
            "--purpose",
            purpose,
            "--lang",
            lang,
            "--at",
            AT,
            "--out",
            str(out),
            "--as",
            admin.email,
        ]
    )
    assert result.exit_code == 0, result.output
    return out, result.output


def statement_pages(texts: list[str]) -> list[int]:
    """0-based pages of the civil 증거설명서: from its heading to its SHA-256 annex."""
    first = next(i for i, t in enumerate(texts) if "증거설명서를 제출합니다" in squash(t))
    last = next(i for i, t in enumerate(texts) if "증거 파일의 SHA-256 값" in squash(t))
    assert last >= first
    return list(range(first, last + 1))


def test_civil_evidence_statement_is_in_court_form(runner, session, demo, tmp_path):
    out, output = build(runner, tmp_path, demo, "civil")
    texts = page_texts(out)
    pages = statement_pages(texts)
    reader = PdfReader(out)
    for index in pages:
        # A4 portrait (595 × 842 pt), not the landscape table it used to be.
        box = reader.pages[index].mediabox
        assert (round(float(box.width), 2), round(float(box.height), 2)) == A4
        assert reader.pages[index].get("/Rotate", 0) == 0
        body = [
            (size, y, text)
            for size, y, text in font_sizes(out, index)
            if y < A4[1] - 30 * MM  # the bottom margin holds only the bundle's footer
        ]
        sizes = [size for size, _y, _text in body]
        # 12 pt text; the title (18 pt) and the court's name (14 pt) are bigger, nothing smaller.
        assert sizes and min(sizes) == 12.0, sorted(set(sizes))
        assert sizes.count(12.0) > len(sizes) * 0.8
        # Margins of the e-court rule: 45 mm top, 20 mm left and right, 30 mm bottom.
        words = [w for w in words_of(out, index + 1) if w.y1 < A4[1] - 30 * MM]
        assert min(w.y0 for w in words) >= 45 * MM - 1
        assert min(w.x0 for w in words) >= 20 * MM - 0.5
        assert max(w.x1 for w in words) <= A4[0] - 20 * MM + 0.5
        # Below the bottom margin only the bundle's footer (drawn 9 mm from the edge).
        below = [w for w in words_of(out, index + 1) if w.y1 > A4[1] - 30 * MM]
        assert all(w.y0 > A4[1] - 12 * MM for w in below), below

    first = squash(texts[pages[0]])
    # The heading: 사건, 원고, 피고 and the sentence of submission, with our role.
    assert "사 건 2022가합12345 정산금 등" in first
    assert "원 고 서울특별시" in first
    assert "피 고 1. 한국간편결제진흥원" in first and "2. 비즈플레이" in first
    assert "위 사건에 관하여 원고는 다음과 같이 증거설명서를 제출합니다." in first
    # Columns in the court's order, read from the x positions of the header words.
    header = {w.text: w.x0 for w in words_of(out, pages[0] + 1)}
    order = ["호증", "서증명", "작성일", "작성자", "입증취지"]
    assert [header[name] for name in order] == sorted(header[name] for name in order)
    assert "(비고)" in header
    # Rows: label, title, court-style date, author, what it proves, original or copy.
    row = squash(page_texts(out, layout=True)[pages[0]])
    assert "갑 제1호증 데이터 이관 요청" in row and "2021. 12. 3. 서울특별시" in row
    everything = squash(" ".join(texts[i] for i in pages))
    for n in range(1, 8):
        assert f"갑 제{n}호증" in everything
    # The closing: 제출일 in court style, 제출인 with our role, the court.
    assert "2022. 3. 2." in everything
    assert "제출인 원고 서울특별시 (인)" in everything
    assert "서울중앙지방법원 귀중" in everything
    # Every exhibit's hash is still printed (the annex), so the cover's claim holds.
    row_dossier = session.exec(select(Dossier)).one()
    for x in json.loads(row_dossier.exhibits):
        assert x["sha256"][:32] in everything and x["sha256"][32:] in everything
    # A complete demo gives no warnings.
    assert "warning:" not in output


def test_court_dossiers_carry_no_confidential_mark_and_name_us_by_role(
    runner, session, demo, tmp_path
):
    civil, _ = build(runner, tmp_path, demo, "civil")
    criminal, _ = build(runner, tmp_path, demo, "criminal")
    english, _ = build(runner, tmp_path, demo, "criminal", "en")
    internal, _ = build(runner, tmp_path, demo, "internal")
    civil_text = squash(" ".join(page_texts(civil)))
    criminal_text = squash(" ".join(page_texts(criminal)))
    english_text = squash(" ".join(page_texts(english)))
    for text in (civil_text, criminal_text):
        assert "대외비" not in text
        assert "우리 측" not in text
    assert "Confidential" not in english_text and "Our side" not in english_text
    # Parties and disputed facts are named by the procedural role.
    assert "서울특별시 원고" in civil_text and "원고 다툼" in civil_text
    assert "한국간편결제진흥원 피고" in civil_text and "피고 다툼" in civil_text
    assert "서울특별시 고소인" in criminal_text and "피고소인 다툼" in criminal_text
    assert "Disputed by the complainant" in english_text
    # Only the internal review keeps the mark, on every page of its own.
    internal_pages = page_texts(internal)
    body = [t for t in internal_pages if "대외비" in t]
    assert body and "대외비 · 내부 검토용" in internal_pages[0]


def test_audit_fields_print_in_the_dossier_language(runner, demo, tmp_path):
    out, _ = build(runner, tmp_path, demo, "civil")
    page = next(t for t in page_texts(out) if "제출 자료 감사" in t)
    audit = squash(page[page.index("제출 자료 감사") :])
    for korean in ("가맹점ID", "가맹점명", "사업자등록번호", "대표자명", "전화번호", "업종"):
        assert korean in audit
    for english in ("merchant_id", "business_reg_no", "representative", "phone", "merchants"):
        assert english not in audit
    assert "기준 가맹점 데이터" in audit


def test_chart_legends_print_whole(runner, demo, tmp_path):
    out, _ = build(runner, tmp_path, demo, "civil")
    text = squash(" ".join(page_texts(out)))
    # The reconciliation chart's legend names both files in full (it was cut to "…settlemen…").
    start = text.index("대사 결과 (건수)")
    legend = text[start : start + 200]
    assert "한결원 정산내역.csv에만 있음" in legend
    assert "bizplay_settlement.csv에만 있음" in legend
    assert "…" not in legend


def test_criminal_dossier_reads_as_a_complaint_annex(runner, session, demo, tmp_path):
    out, _ = build(runner, tmp_path, demo, "criminal")
    texts = page_texts(out)
    cover = squash(texts[0])
    assert "고소장 첨부 증거자료" in cover
    assert "고소인 서울특별시 주소 서울특별시 중구 세종대로 110 대표자 서울특별시장" in cover
    assert "피고소인 1. 한국간편결제진흥원 대표자 이사장 2. 비즈플레이" in cover
    assert "서울중앙지방검찰청 검사장 귀중" in cover
    # The 증거목록 cites each exhibit by the label the dossier gave it, in order.
    row = session.exec(select(Dossier)).one()
    labels = [x["label"] for x in json.loads(row.exhibits)]
    listing = next(squash(t) for t in texts if "고소 사실을 입증하기 위하여" in squash(t))
    positions = [listing.index(f"{label} ") for label in labels]
    assert positions == sorted(positions) and len(labels) == 7
    assert all(label.startswith("증 제") for label in labels)
    assert "증 제1호증 데이터 이관 요청 공문 (원본 1부)" in listing
    assert "작성자: 서울특별시 · 작성일: 2021. 12. 3." in listing
    assert "위 고소인 서울특별시 (인)" in listing
    assert listing.rstrip().endswith("서울중앙지방검찰청 검사장 귀중") or (
        "서울중앙지방검찰청 검사장 귀중" in listing
    )


def test_english_complaint_annex(runner, demo, tmp_path):
    out, _ = build(runner, tmp_path, demo, "criminal", "en")
    cover = squash(page_texts(out)[0])
    assert "Complainant 서울특별시" in cover and "Accused 1. 한국간편결제진흥원" in cover
    assert "To: 서울중앙지방검찰청 검사장" in cover


def _new_matter(runner, admin, *extra):
    result = runner.invoke(
        args=[
            "matter",
            "create",
            "--title",
            "가맹점 데이터 반환",
            "--kind",
            "civil",
            "--reference",
            "2022-법무-009",
            "--our-side",
            "서울특별시",
            "--as",
            admin.email,
            *extra,
        ]
    )
    assert result.exit_code == 0, result.output


def _add_unlabelled_gap_exhibit(session, app, admin, reference):
    """One exhibit recorded with its title only: no author, date or what it proves."""
    from tracker import storage
    from tracker.services import evidence

    matter = session.exec(select(Matter).where(Matter.reference == reference)).one()
    with app.app_context():
        vault = storage.vault()
        results = evidence.add_files(
            session=session,
            vault=vault,
            actor=admin,
            matter_id=matter.id,
            uploads=[evidence.Upload("메모.txt", io.BytesIO("회의 메모".encode()))],
        )
        item = results[0].evidence
        evidence.mark_for_production(
            session=session, actor=admin, matter_id=matter.id, evidence_id=item.id
        )
    session.commit()
    return matter


def test_build_lists_blanks_as_warnings_in_the_cli_and_on_the_page(
    runner, client, session, demo, app, tmp_path
):
    _new_matter(runner, demo)
    matter = _add_unlabelled_gap_exhibit(session, app, demo, "2022-법무-009")
    out, output = build(runner, tmp_path, demo, "civil", reference="2022-법무-009")
    assert "warning: 사건에 법원이 기록되지 않아" in output
    assert "warning: 사건번호가 기록되지 않아" in output
    assert "warning: 우리 측 소송상 지위가 기록되지 않아" in output
    assert "warning: 갑 제1호증: 작성자, 작성일, 입증취지 비어 있음" in output
    # The PDF left those places blank, as the warnings say.
    text = squash(" ".join(page_texts(out)))
    assert "○○지방법원 귀중" in text and "원고는 다음과 같이" in text
    # The dossier's page lists the same warnings once the build is done.
    session.rollback()
    row = session.exec(select(Dossier).where(Dossier.matter_id == matter.id)).one()
    password = (app.config["TRACKER"].instance_dir / "admin-password.txt").read_text().strip()
    login(client, demo, password)
    page = client.get(f"/matters/{matter.id}/dossiers/{row.id}").get_data(as_text=True)
    assert 'id="court-paper-warnings"' in page
    assert "갑 제1호증: 작성자, 작성일, 입증취지 비어 있음" in page
    assert "사건번호가 기록되지 않아" in page


def test_matter_created_with_court_papers_prints_them(runner, session, demo, tmp_path):
    _new_matter(
        runner,
        demo,
        "--court",
        "서울동부지방법원",
        "--case-number",
        "2022가단5678",
        "--case-name",
        "자료인도",
        "--procedural-role",
        "defendant",
    )
    from tracker.services import matters

    matter = session.exec(select(Matter).where(Matter.reference == "2022-법무-009")).one()
    matters.add_party(
        session=session,
        actor=demo,
        matter_id=matter.id,
        name="서울특별시",
        role="our_side",
        address="서울특별시 중구 세종대로 110",
    )
    matters.add_party(
        session=session, actor=demo, matter_id=matter.id, name="(주)가나", role="counterparty"
    )
    out, output = build(runner, tmp_path, demo, "civil", reference="2022-법무-009")
    assert "warning:" not in output
    text = squash(" ".join(page_texts(out)))
    # Our side is the defendant: 원고 is the other side, and we submit as 피고.
    assert "사 건 2022가단5678 자료인도" in text
    assert "원 고 (주)가나 피 고 서울특별시" in text
    assert "위 사건에 관하여 피고는 다음과 같이 증거설명서를 제출합니다." in text
    assert "제출인 피고 서울특별시 (인)" in text and "서울동부지방법원 귀중" in text


def test_matter_form_records_court_papers_and_audits_them(client, session, demo, app):
    password = (app.config["TRACKER"].instance_dir / "admin-password.txt").read_text().strip()
    login(client, demo, password)
    form = client.get("/matters/1/edit").get_data(as_text=True)
    assert 'name="court"' in form and 'name="procedural_role"' in form
    assert "사건번호" in form and "고소장 수신처" in form
    response = client.post(
        "/matters/1/edit",
        data={
            "title": "서울사랑상품권 판매대행 업무 이관·정산 분쟁",
            "kind": "pre_litigation",
            "status": "open",
            "label_scheme": "gap",
            "our_side": "서울특별시",
            "summary": "",
            "court": "서울중앙지방법원",
            "case_number": "2022가합99999",
            "case_name": "정산금",
            "procedural_role": "plaintiff",
            "criminal_addressee": "서울남부지방검찰청 검사장",
        },
    )
    assert response.status_code == 302
    session.rollback()
    matter = session.get(Matter, 1)
    assert (matter.case_number, matter.criminal_addressee) == (
        "2022가합99999",
        "서울남부지방검찰청 검사장",
    )
    history = client.get("/matters/1/edit").get_data(as_text=True)
    assert "2022가합99999" in history  # the audit trail shows the change
    bad = client.post(
        "/matters/1/edit",
        data={"title": "x", "kind": "civil", "procedural_role": "judge"},
    )
    assert bad.status_code == 422 and "올바른 선택이 아닙니다" in bad.get_data(as_text=True)
    session.rollback()
    assert session.get(Matter, 1).procedural_role == "plaintiff"  # nothing lost
    party = session.exec(select(Party).where(Party.name == "한국간편결제진흥원")).one()
    response = client.post(
        f"/matters/1/parties/{party.id}",
        data={
            "name": party.name,
            "short_name": party.short_name,
            "role": party.role,
            "contact": party.contact,
            "address": "서울특별시 ○○구",
            "representative": "이사장",
            "notes": "",
        },
    )
    assert response.status_code == 302
    session.rollback()
    assert session.get(Party, party.id).address == "서울특별시 ○○구"
