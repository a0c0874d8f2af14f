"""Real-use uploads through the browser routes: workbooks, multi-line cells, formula keys."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import Workbook
from sqlmodel import select

from tests.conftest import login
from tests.factories import make_matter, make_user
from tracker.models import Analysis, Evidence


@pytest.fixture
def owner_matter(session):
    owner = make_user(session)
    matter = make_matter(session, owner, reference="2022-법무-009")
    return owner, matter


def xlsx_bytes(rows: list[list[object]], title: str = "정산") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


LEFT_XLSX = [["가맹점ID", "정산금액"], ["0000007", 1000], ["002", 2500], ["003", 900]]
RIGHT_CSV = b"merchant_id,amount\n0000007,1000\n002,2000\n004,7\n"


def _reconcile(client, matter, left, right, columns):
    step1 = client.post(
        f"/matters/{matter.id}/discrepancies/reconcile",
        data={"left_file": left, "right_file": right},
        content_type="multipart/form-data",
    )
    return step1


def _run_columns(client, session, matter, columns: dict, **extra):
    left, right = session.exec(select(Evidence).order_by(Evidence.id)).all()[:2]
    r = client.post(
        f"/matters/{matter.id}/discrepancies/reconcile",
        data={"left_evidence_id": left.id, "right_evidence_id": right.id, **columns, **extra},
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    session.rollback()
    return session.exec(select(Analysis)).one()


def _stored(client, session, analysis, name: str) -> bytes:
    item = session.get(Evidence, json.loads(analysis.outputs)[name])
    vault = client.application.extensions["tracker.vault"]
    with vault.open(item.sha256) as fh:
        return fh.read()


def test_xlsx_reconcile_through_the_browser(client, session, owner_matter):
    owner, matter = owner_matter
    login(client, owner)
    step1 = _reconcile(
        client,
        matter,
        (io.BytesIO(xlsx_bytes(LEFT_XLSX)), "한결원 정산.xlsx"),
        (io.BytesIO(RIGHT_CSV), "bizplay.csv"),
        None,
    )
    assert step1.status_code == 200
    page = step1.get_data(as_text=True)
    assert "selected>가맹점ID" in page and "selected>정산금액" in page, page
    analysis = _run_columns(
        client,
        session,
        matter,
        {
            "key_left": "가맹점ID",
            "amount_left": "정산금액",
            "key_right": "merchant_id",
            "amount_right": "amount",
        },
    )
    assert analysis.status == "done", analysis.error
    summary = json.loads(analysis.summary)
    assert (summary["matched"], summary["mismatched"], summary["only_left"]) == (1, 1, 1)
    stored = json.loads(_stored(client, session, analysis, "summary.json"))
    assert stored["inputs"]["left"]["format"] == "xlsx"
    assert stored["inputs"]["left"]["sheet"] == "정산"
    assert stored["inputs"]["left"]["name"] == "한결원 정산.xlsx"


def test_xlsx_audit_through_the_browser(client, session, owner_matter):
    owner, matter = owner_matter
    login(client, owner)
    rows = [
        ["가맹점ID", "가맹점명", "사업자등록번호", "대표자명", "주소", "전화번호"],
        ["M1", "행복마트", "124-81-00998", "김대표", "서울시 중구", "0505-123-4567"],
        ["M2", "", "124-81-00998", "이대표", "서울시", "010-1234-5678"],
    ]
    r = client.post(
        f"/matters/{matter.id}/discrepancies/audit",
        data={"left_file": (io.BytesIO(xlsx_bytes(rows)), "가맹점.xlsx"), "profile": "merchants"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    session.rollback()
    analysis = session.exec(select(Analysis)).one()
    assert analysis.status == "done", analysis.error
    summary = json.loads(analysis.summary)
    assert summary["rows"] == 2 and summary["missing"]["name"] == 1
    assert summary["invalid"]["phone"] == 0  # 0505 is a real kind of number
    page = client.get(f"/matters/{matter.id}/discrepancies/analyses/{analysis.id}")
    assert page.status_code == 200


MULTILINE = [
    ["가맹점ID", "메모", "정산금액"],
    ["A1", "첫 줄\n둘째 줄", "1,000"],
    ["A2", "빈 줄 다음\n\n셋째", "2000"],
    ["A3", 'say "hi"\r\nbye', "300"],
]


def _csv_text(rows) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_multiline_quoted_cells_reconcile_through_the_browser(
    client, session, owner_matter, encoding
):
    owner, matter = owner_matter
    login(client, owner)
    left = _csv_text(MULTILINE).encode(encoding)
    right = b"key,amount\nA1,1000\nA2,2000\nA3,301\n"
    step1 = _reconcile(
        client, matter, (io.BytesIO(left), "left.csv"), (io.BytesIO(right), "right.csv"), None
    )
    assert step1.status_code == 200
    analysis = _run_columns(
        client,
        session,
        matter,
        {
            "key_left": "가맹점ID",
            "amount_left": "정산금액",
            "key_right": "key",
            "amount_right": "amount",
        },
    )
    assert analysis.status == "done", analysis.error
    summary = json.loads(analysis.summary)
    assert summary["left"]["rows"] == 3 and summary["left"]["invalid_rows"] == 0
    assert (summary["matched"], summary["mismatched"]) == (2, 1)
    assert _stored(client, session, analysis, "differences.csv").decode() == (
        "key,left,right,difference\nA3,300,301,-1\n"
    )


def test_formula_keys_are_escaped_in_the_stored_csv_and_shown_true_on_the_page(
    client, session, owner_matter
):
    owner, matter = owner_matter
    login(client, owner)
    evil = '=HYPERLINK("http://evil.example","정산")'
    left = _csv_text([["key", "amount"], [evil, "-500"], ["@x", "-7"], ["ok", "1"]]).encode()
    right = _csv_text([["key", "amount"], [evil, "-400"], ["ok", "1"]]).encode()
    _reconcile(client, matter, (io.BytesIO(left), "l.csv"), (io.BytesIO(right), "r.csv"), None)
    analysis = _run_columns(
        client,
        session,
        matter,
        {"key_left": "key", "amount_left": "amount", "key_right": "key", "amount_right": "amount"},
    )
    assert analysis.status == "done", analysis.error
    assert _stored(client, session, analysis, "differences.csv").decode() == (
        'key,left,right,difference\n"\'=HYPERLINK(""http://evil.example"",""정산"")",-500,-400,-100\n'
    )
    assert _stored(client, session, analysis, "only_left.csv").decode() == (
        "key,amount,rows\n'@x,-7,1\n"
    )
    stored = json.loads(_stored(client, session, analysis, "summary.json"))
    assert "OWASP" in stored["csv_cells"]
    page = client.get(f"/matters/{matter.id}/discrepancies/analyses/{analysis.id}").get_data(
        as_text=True
    )
    # The page shows the true key (HTML-escaped) and says how the CSV files differ.
    assert "<td>=HYPERLINK(&#34;http://evil.example&#34;,&#34;정산&#34;)</td>" in page
    assert 'id="csv-cells"' in page and "수식" in page


def test_nfd_sheet_chosen_in_the_browser(client, session, owner_matter):
    import unicodedata

    owner, matter = owner_matter
    login(client, owner)
    wb = Workbook()
    wb.active.title = "기타"
    ws = wb.create_sheet(unicodedata.normalize("NFD", "정산"))
    for row in LEFT_XLSX:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    step1 = client.post(
        f"/matters/{matter.id}/discrepancies/reconcile",
        data={
            "left_file": (io.BytesIO(buf.getvalue()), "mac.xlsx"),
            "right_file": (io.BytesIO(RIGHT_CSV), "b.csv"),
            "sheet_left": "정산",
        },
        content_type="multipart/form-data",
    )
    assert step1.status_code == 200 and "selected>가맹점ID" in step1.get_data(as_text=True)
    analysis = _run_columns(
        client,
        session,
        matter,
        {
            "key_left": "가맹점ID",
            "amount_left": "정산금액",
            "key_right": "merchant_id",
            "amount_right": "amount",
        },
        sheet_left="정산",
    )
    assert analysis.status == "done", analysis.error


def test_a_vault_without_local_files_still_reconciles(client, session, owner_matter, monkeypatch):
    """An S3 vault has no path_hint: the exhibit is streamed to a temporary copy."""
    owner, matter = owner_matter
    login(client, owner)
    vault = client.application.extensions["tracker.vault"]
    monkeypatch.setattr(vault, "path_hint", lambda sha256: None)
    step1 = _reconcile(
        client,
        matter,
        (io.BytesIO(xlsx_bytes(LEFT_XLSX)), "left.xlsx"),
        (io.BytesIO(RIGHT_CSV), "right.csv"),
        None,
    )
    assert step1.status_code == 200
    analysis = _run_columns(
        client,
        session,
        matter,
        {
            "key_left": "가맹점ID",
            "amount_left": "정산금액",
            "key_right": "merchant_id",
            "amount_right": "amount",
        },
    )
    assert analysis.status == "done", analysis.error
