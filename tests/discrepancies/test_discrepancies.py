"""Figures, reconciliations and data audits through the browser routes, stored as exhibits."""

import io
import json

import pytest
from sqlmodel import select

from tests.conftest import login
from tests.factories import add_member, make_matter, make_party, make_user
from tracker.models import Analysis, Evidence, Fact, Figure
from tracker.services import discrepancies


@pytest.fixture
def world(session):
    owner = make_user(session)
    matter = make_matter(session, owner, reference="2022-법무-001")
    kepf = make_party(session, matter, owner, name="한국간편결제진흥원", short_name="한결원")
    biz = make_party(session, matter, owner, name="비즈플레이", short_name="비즈플레이")
    return owner, matter, kepf, biz


def test_matrix_flags_differences_over_tolerance_and_makes_a_disputed_fact(client, session, world):
    owner, matter, kepf, biz = world
    login(client, owner)
    for party, value in ((kepf, "1,234,500,000원"), (biz, "₩1,230,000,000")):
        r = client.post(
            f"/matters/{matter.id}/discrepancies/figures",
            data={
                "metric": "발행수수료",
                "reference_date": "2021-12-31",
                "source_party_id": party.id,
                "value": value,
                "unit": "KRW",
            },
        )
        assert r.status_code == 302
    rows, _sources, baseline = discrepancies.matrix(
        session, matter.id, baseline=kepf.id, tolerance_pct=0.1
    )
    assert baseline == kepf.id and rows[0].flagged
    delta, pct = rows[0].diffs[biz.id]
    assert delta == -4_500_000 and round(pct, 3) == -0.365
    assert not discrepancies.matrix(session, matter.id, baseline=kepf.id, tolerance_pct=1.0)[0][
        0
    ].flagged
    page = client.get(f"/matters/{matter.id}/discrepancies/?baseline={kepf.id}").get_data(
        as_text=True
    )
    assert "1,234,500,000원" in page and "-4,500,000" in page
    r = client.post(
        f"/matters/{matter.id}/discrepancies/to-fact",
        data={"metric": "발행수수료", "reference_date": "2021-12-31"},
    )
    assert r.status_code == 302
    session.rollback()  # see what the request committed
    fact = session.exec(select(Fact)).one()
    assert (
        fact.status == "disputed_by_them"
        and "1,234,500,000원" in fact.text
        and "1,230,000,000원" in fact.text
    )


def test_bad_amount_is_a_clear_error(client, session, world):
    owner, matter, kepf, _biz = world
    login(client, owner)
    r = client.post(
        f"/matters/{matter.id}/discrepancies/figures",
        data={
            "metric": "잔액",
            "reference_date": "2021-11-30",
            "source_party_id": kepf.id,
            "value": "1.234.500",
            "unit": "KRW",
        },
    )
    assert r.status_code == 302 and session.exec(select(Figure)).first() is None


LEFT = '가맹점ID,정산금액\n0000007,"1,000원"\n002,2000\n002,500\n003,abc\n005,900\n'.encode("cp949")
RIGHT = b"\xef\xbb\xbfmerchant_id,amount\n7,1000\n002,2000\n004,7\n005,900\n"


def test_reconcile_two_uploaded_ledgers_stores_every_output_as_an_exhibit(client, session, world):
    owner, matter, *_ = world
    login(client, owner)
    step1 = client.post(
        f"/matters/{matter.id}/discrepancies/reconcile",
        data={
            "left_file": (io.BytesIO(LEFT), "한결원 정산.csv"),
            "right_file": (io.BytesIO(RIGHT), "bizplay.csv"),
        },
        content_type="multipart/form-data",
    )
    assert step1.status_code == 200
    page = step1.get_data(as_text=True)
    assert (
        "selected>가맹점ID" in page and "selected>정산금액" in page
    )  # suggested from Korean headers
    assert "selected>merchant_id" in page and "selected>amount" in page
    left, right = session.exec(select(Evidence).order_by(Evidence.id)).all()
    step2 = client.post(
        f"/matters/{matter.id}/discrepancies/reconcile",
        data={
            "left_evidence_id": left.id,
            "right_evidence_id": right.id,
            "key_left": "가맹점ID",
            "amount_left": "정산금액",
            "key_right": "merchant_id",
            "amount_right": "amount",
        },
    )
    assert step2.status_code == 302
    session.rollback()
    analysis = session.exec(select(Analysis)).one()
    assert analysis.status == "done", analysis.error
    summary = json.loads(analysis.summary)
    assert summary["left"] == {
        "rows": 5,
        "keys": 3,
        "total": 4400,
        "invalid_rows": 1,
        "duplicate_keys": 1,
    }
    assert (
        summary["only_left"],
        summary["only_right"],
        summary["matched"],
        summary["mismatched"],
    ) == (1, 2, 1, 1)
    assert summary["difference_total"] == 500  # key 002: 2,500 left − 2,000 right
    outputs = json.loads(analysis.outputs)
    assert {"differences.csv", "only_left.csv", "only_right.csv", "summary.json"} <= set(outputs)
    summary_exhibit = session.get(Evidence, outputs["summary.json"])
    vault = client.application.extensions["tracker.vault"]
    with vault.open(summary_exhibit.sha256) as fh:
        stored = json.loads(fh.read())
    text = json.dumps(stored)
    assert left.sha256 in text and right.sha256 in text
    result = client.get(f"/matters/{matter.id}/discrepancies/analyses/{analysis.id}").get_data(
        as_text=True
    )
    assert "<svg" in result
    largest = result.split("largest-differences")[0] if "largest-differences" in result else result
    assert "<td>002</td>" in largest and "500" in largest


def test_missing_column_fails_the_analysis_with_the_columns_that_exist(client, session, world):
    owner, matter, *_ = world
    login(client, owner)
    client.post(
        f"/matters/{matter.id}/discrepancies/reconcile",
        data={"left_file": (io.BytesIO(LEFT), "a.csv"), "right_file": (io.BytesIO(RIGHT), "b.csv")},
        content_type="multipart/form-data",
    )
    left, right = session.exec(select(Evidence).order_by(Evidence.id)).all()
    client.post(
        f"/matters/{matter.id}/discrepancies/reconcile",
        data={
            "left_evidence_id": left.id,
            "right_evidence_id": right.id,
            "key_left": "없는열",
            "amount_left": "정산금액",
            "key_right": "merchant_id",
            "amount_right": "amount",
        },
    )
    session.rollback()
    analysis = session.exec(select(Analysis)).one()
    assert analysis.status == "failed" and "가맹점ID" in analysis.error
    assert session.exec(select(Evidence).where(Evidence.parent_id.is_not(None))).first() is None


def test_audit_of_delivered_merchant_data(client, session, world):
    owner, matter, *_ = world
    login(client, owner)
    data = (
        "가맹점ID,가맹점명,사업자등록번호,대표자명,주소,전화번호,업종\n"
        "M1,행복마트,124-81-00998,김대표,서울시 중구,02-123-4567,소매\n"
        "M2,,123-45-67890,,서울시,010-1234-5678,음식\n"
        "M2,중복,,이대표,,,\n"
    ).encode("cp949")
    r = client.post(
        f"/matters/{matter.id}/discrepancies/audit",
        data={"left_file": (io.BytesIO(data), "가맹점.csv"), "profile": "merchants"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    analysis = session.exec(select(Analysis)).one()
    summary = json.loads(analysis.summary)
    assert summary["rows"] == 3 and summary["duplicate_keys"] == 1
    assert summary["missing"]["name"] == 1 and summary["usable_rows"] <= 1
    assert "audit.json" in json.loads(analysis.outputs)


def test_viewer_cannot_start_analyses(client, session, world):
    owner, matter, kepf, _biz = world
    viewer = make_user(session)
    add_member(session, matter, owner, viewer, "viewer")
    login(client, viewer)
    assert client.get(f"/matters/{matter.id}/discrepancies/").status_code == 200
    assert (
        client.post(
            f"/matters/{matter.id}/discrepancies/figures",
            data={
                "metric": "x",
                "reference_date": "2021-12-31",
                "source_party_id": kepf.id,
                "value": "1",
            },
        ).status_code
        == 403
    )
    assert client.post(f"/matters/{matter.id}/discrepancies/reconcile", data={}).status_code == 403
