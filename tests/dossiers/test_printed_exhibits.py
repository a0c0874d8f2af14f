"""Data and text exhibits are printed, not only attached (issue 10, point 3).

Files go in through ``evidence.add_files`` as a user uploads them (real files of tests/corpus
and a CP949 settlement CSV made here), the dossier is built by the same ``request_build`` +
``run_build`` the worker runs, and the checks read the PDF that lands in the vault.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pikepdf
import pytest

from tests.evidence_helpers import pdf_bytes
from tests.factories import make_matter, make_user
from tracker.dossier.build import asset_digest, build_dossier
from tracker.dossier.exhibits import load_exhibit
from tracker.dossier.glyphs import printable
from tracker.dossier.html import ordered_exhibits
from tracker.dossier.printable import printed_parts
from tracker.models import Dossier, Matter
from tracker.services import dossiers, evidence

pytestmark = pytest.mark.xdist_group("dossier")

AT = datetime(2022, 3, 2, 0, 0, tzinfo=UTC)
CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def settlement_csv(rows: int = 250) -> tuple[bytes, int, int]:
    """A settlement ledger as Excel saves it in Korea: CP949, CRLF, amounts with commas, one
    formula-looking cell. Returns the bytes and the totals of the two amount columns."""
    rng = random.Random(10)
    lines = ["가맹점ID,가맹점명,정산일자,발행수수료,잔액,비고"]
    fees = balances = 0
    for n in range(1, rows + 1):
        fee, balance = rng.randrange(1_000, 900_000), rng.randrange(0, 5_000_000)
        fees, balances = fees + fee, balances + balance
        note = '"=HYPERLINK(""http://x.example"",""정산"")"' if n == 3 else "미정산"
        lines.append(f'M{n:05d},서울상점 {n},2022-01-{n % 28 + 1:02d},"{fee:,}",{balance},{note}')
    return ("\r\n".join(lines) + "\r\n").encode("cp949"), fees, balances


def workbook() -> bytes:
    """Three sheets, one with a formula never calculated (openpyxl caches no value)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "한결원 정산"
    sheet.append(["가맹점번호", "상호", "발행수수료", "잔액"])
    for n in range(1, 41):
        sheet.append([f"{n:07d}", f"가게 {n}", n * 1000, n * 12345])
    summary = book.create_sheet("요약")
    summary.append(["항목", "금액"])
    summary.append(["합계", "=SUM('한결원 정산'!C2:C41)"])
    book.create_sheet("빈 시트")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def owner(session):
    return make_user(session)


@pytest.fixture
def vault(app):
    return app.extensions["tracker.vault"]


def upload(session, vault, owner, matter, name: str, data: bytes):
    [result] = evidence.add_files(
        session=session,
        vault=vault,
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload(name, io.BytesIO(data))],
    )
    assert result.evidence is not None, result.error
    evidence.mark_for_production(
        session=session, actor=owner, matter_id=matter.id, evidence_id=result.evidence.id
    )
    return result.evidence


def build(app, session, owner, matter, *, lang="ko") -> tuple[Dossier, bytes]:
    row = dossiers.request_build(
        session=session, actor=owner, matter_id=matter.id, purpose="civil", lang=lang, at=AT
    )
    dossiers.run_build(
        engine=app.extensions["tracker.engine"],
        vault=app.extensions["tracker.vault"],
        settings=app.config["TRACKER"],
        dossier_id=row.id,
        sign=False,
    )
    session.rollback()
    session.expire_all()
    row = session.get(Dossier, row.id)
    assert row.status == "done", row.error
    return row, Path(app.extensions["tracker.vault"].path_hint(row.sha256)).read_bytes()


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return text.split("\f")


def exhibit_texts(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    """All the text of each exhibit's pages, by the exhibit's file name (from the manifest
    the PDF carries: its start page and page count)."""
    texts = page_texts(pdf, tmp_path)
    return {
        x["filename"]: "\f".join(texts[x["start_page"] - 1 : x["start_page"] - 1 + x["pages"]])
        for x in _manifest(pdf)["exhibits"]
    }


def squeeze(text: str) -> str:
    return " ".join(text.split())


def test_data_and_text_exhibits_are_printed(app, session, owner, vault, tmp_path):
    matter = make_matter(session, owner, label_scheme="gap")
    ledger, fees, balances = settlement_csv()
    files = [
        ("scan.pdf", pdf_bytes("normal")),
        ("정산내역.csv", ledger),
        ("bom.csv", '\ufeff항목,금액\n수수료,"1,500"\n잔액,2500원\n'.encode()),
        ("정산.xlsx", workbook()),
        ("inline.xlsx", (CORPUS / "sheet/poi-InlineStrings.xlsx").read_bytes()),
        ("공문.hwp", (CORPUS / "hwp/tika-testHWP_5.0.hwp").read_bytes()),
        ("입법예고.hwpx", (CORPUS / "hwp/hwpxlib-no-manifest.hwpx").read_bytes()),
        ("test.msg", (CORPUS / "msg/poi-example-received-unicode.msg").read_bytes()),
        ("korean.eml", (CORPUS / "eml/ks_c_5601-1987-8bit.eml").read_bytes()),
        ("japanese.txt", (CORPUS / "text/cjk-shift_jis.txt").read_bytes()),
        ("korean.txt", (CORPUS / "text/cjk-cp949.txt").read_bytes()),
        ("data.json", json.dumps({"정산": [1, 2], "상태": "미확정"}).encode()),
        ("hwp3.hwp", (CORPUS / "hwp/tika-testHWP_3.0.hwp").read_bytes()),
    ]
    for name, data in files:
        upload(session, vault, owner, matter, name, data)
    row, pdf = build(app, session, owner, matter)
    pages = exhibit_texts(pdf, tmp_path)
    shown = {x["filename"]: x["shown_as"] for x in _manifest(pdf)["exhibits"]}

    # The CP949 ledger: Korean headers, first rows, row count, totals, where the whole file is.
    csv_text = pages["정산내역.csv"]
    assert shown["정산내역.csv"] == "table"
    assert "CSV · CP949" in csv_text
    for header in ("가맹점ID", "가맹점명", "정산일자", "발행수수료", "잔액", "비고"):
        assert header in csv_text
    assert "M00001" in csv_text and "서울상점 200" in csv_text and "서울상점 201" not in csv_text
    assert "전체 250행 중 처음 200행을 인쇄했습니다" in squeeze(csv_text)
    assert f"{fees:,}" in csv_text and f"{balances:,}" in csv_text
    assert "합계 (전체 250행)" in csv_text
    assert '=HYPERLINK("http://x.example","정산")' in squeeze(csv_text).replace(" ", "")
    assert "002_갑제2호증_정산내역.csv" in squeeze(csv_text).replace(" ", "")
    # Amounts with thousands separators, right-aligned under their header.
    line = next(li for li in csv_text.splitlines() if li.strip().startswith("2 M00001"))
    balance_cell = line.split()[-2]
    assert "," in balance_cell and line.index(balance_cell) + len(balance_cell) > len(line) - 12

    bom = pages["bom.csv"]
    assert "UTF-8 (BOM)" in bom and "4,000" in bom  # 1,500 + 2500원

    # Every sheet of the workbook is named; a formula never calculated prints as written.
    xlsx_text = squeeze(pages["정산.xlsx"])
    assert "시트 3개: 한결원 정산, 요약, 빈 시트" in xlsx_text
    assert "시트 「한결원 정산」" in xlsx_text and "시트 「요약」" in xlsx_text
    assert "시트 「빈 시트」 빈 시트입니다." in xlsx_text
    assert "0000040" in xlsx_text and "전체 40행" in xlsx_text
    assert f"{sum(n * 1000 for n in range(1, 41)):,}" in xlsx_text
    assert f"{sum(n * 12345 for n in range(1, 41)):,}" in xlsx_text
    assert "=SUM('한결원 정산'!C2:C41)" in xlsx_text
    assert "Sheet1" in pages["inline.xlsx"] and "Sheet3" in pages["inline.xlsx"]
    assert "172" in pages["inline.xlsx"]  # the total of its Numbers column

    # Documents and mail: their text.
    assert "테스트" in pages["공문.hwp"] and shown["공문.hwp"] == "text"
    hwpx = squeeze(pages["입법예고.hwpx"])
    assert (
        "울산광역시 남구 공고 제2021-174호" in hwpx and "이 조례는 공포한 날부터 시행한다." in hwpx
    )
    msg = squeeze(pages["test.msg"])
    assert "보낸 사람 Mike Farman <mike.farman@alfresco.com>" in msg
    assert "제목 This is a test message please ignore" in msg
    assert "참조 nickb@alfresco.com" in msg and "The quick brown fox jumps over the lazy dog" in msg
    eml = squeeze(pages["korean.eml"])
    assert "보낸 사람 from@example.com" in eml and "받는 사람 unknown@example.com" in eml
    assert "보낸 날짜 2014-05-28" in eml and "스티해" in eml
    assert "Python の開発は" in pages["japanese.txt"] and "Shift_JIS" in pages["japanese.txt"]
    assert "똠방각하 펲시콜라" in pages["korean.txt"]
    assert '"정산": [' in pages["data.json"] and "JSON" in pages["data.json"]

    # Only what cannot be read gets the description page, which says why.
    assert shown["hwp3.hwp"] == "note" and "HWP 3" in pages["hwp3.hwp"]
    assert shown["scan.pdf"] == "pdf"
    # The label is stamped on the first printed page, and the footer counts every page.
    texts = page_texts(pdf, tmp_path)
    for x in json.loads(row.exhibits):
        first = texts[x["start_page"] - 1]
        assert x["label"] in first and f"{x['start_page']} / {row.page_count}쪽" in first
    # The originals are attached, byte for byte.
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        attached = {n: s.get_file().read_bytes() for n, s in doc.attachments.items()}
    assert attached["002_갑제2호증_정산내역.csv"] == ledger


def _manifest(pdf: bytes) -> dict:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return json.loads(doc.attachments["manifest.json"].get_file().read_bytes())


def test_printed_tables_are_rendered_once_and_reused(app, session, owner, vault, tmp_path):
    """The printed part of an exhibit depends on its file and record only: a rebuild at another
    time (every front page changes) renders no printed part again."""
    matter = make_matter(session, owner, label_scheme="gap")
    upload(session, vault, owner, matter, "정산내역.csv", settlement_csv(400)[0])
    upload(session, vault, owner, matter, "정산.xlsx", workbook())
    matter = session.get(Matter, matter.id)

    def once(at: datetime):
        context = dossiers.build_context(
            session,
            vault,
            matter,
            number="D-1",
            purpose="civil",
            lang="ko",
            generated_at=at,
            prepared_by="tester",
        )
        result = build_dossier(context, out_path=None, signer=None, workdir=tmp_path / "cache")
        return result, context

    first = once(AT)
    cached = {p.name for p in (tmp_path / "cache" / "parts").glob("*.pdf")}
    second, context = once(datetime(2022, 3, 5, tzinfo=UTC))
    # The printed parts of the second build are files the first one wrote.
    exhibits = ordered_exhibits(printable(context))
    files = {e["anchor"]: load_exhibit(e) for e in exhibits}
    printed = printed_parts("ko", exhibits, files)
    assert [p.name for p in printed] == ["print:ex-1", "print:ex-2"]
    for part in printed:
        key = hashlib.sha256(f"{asset_digest()}|{part.key}".encode()).hexdigest()
        assert f"{key}.pdf" in cached
    assert second.timings["parts_reused"] >= 2
    assert second.timings["parts_rendered"] < first[0].timings["parts_rendered"]
    assert second.page_count == first[0].page_count


def test_english_dossier_prints_tables_in_english(app, session, owner, vault, tmp_path):
    matter = make_matter(session, owner, label_scheme="gap")
    upload(session, vault, owner, matter, "정산.xlsx", workbook())
    row, pdf = build(app, session, owner, matter, lang="en")
    text = squeeze(exhibit_texts(pdf, tmp_path)["정산.xlsx"])
    assert "3 sheet(s): 한결원 정산, 요약, 빈 시트" in text
    assert "Total (40 rows)" in text and "All 40 rows are printed." in text


def test_rows_printed_follow_the_setting(app, session, owner, vault, tmp_path):
    app.config["TRACKER"].dossier_data_rows = 30
    matter = make_matter(session, owner, label_scheme="gap")
    ledger, fees, _balances = settlement_csv(120)
    upload(session, vault, owner, matter, "정산내역.csv", ledger)
    _row, pdf = build(app, session, owner, matter)
    text = exhibit_texts(pdf, tmp_path)["정산내역.csv"]
    assert "전체 120행 중 처음 30행을 인쇄했습니다" in squeeze(text)
    assert "서울상점 30" in text and "서울상점 31" not in text
    assert f"{fees:,}" in text  # totals still cover every row


def test_data_rows_setting_is_checked():
    from tracker.config import Settings
    from tracker.errors import ConfigError

    environ = {"TRACKER_DOSSIER_DATA_ROWS": "50"}
    assert Settings.from_env(environ=environ).dossier_data_rows == 50
    with pytest.raises(ConfigError, match="TRACKER_DOSSIER_DATA_ROWS"):
        Settings.from_env(environ={"TRACKER_DOSSIER_DATA_ROWS": "0"})
