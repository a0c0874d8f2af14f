"""Data-completeness audits with known answers: merchants and users, remapped columns."""

from __future__ import annotations

import json

import pytest

from tests.reconcile.builders import write_csv, write_xlsx
from tracker.errors import ValidationFailed
from tracker.reconcile.audit import AUDIT_VERSION, audit
from tracker.reconcile.ledger import open_ledger

HEADER = ["가맹점ID", "가맹점명", "사업자등록번호", "대표자명", "주소", "전화번호", "업종", "비고"]
MERCHANTS = [
    HEADER,
    [
        "M001",
        "행복식당",
        "220-81-62517",
        "김철수",
        "서울시 중구 세종대로 110",
        "02-120-1234",
        "음식점",
        "",
    ],
    ["M002", "", "1234567890", "이영희", "", "010-1234-5678", "", ""],
    ["M002", "좋은가게", "2208162517", "", "서울시", "1588-1234", "소매", "x"],
    ["", "", "", "", "", "", "", ""],
    ["M004", "가게4", "없음", "박", "서울", "12345", "", ""],
    ["", "무명가게", "220-81-62517", "최", "부산", "051-123-4567", "음식점", ""],
    ["M006", " 공백 ", " 220-81-62517 ", "정", "대구", "+82 2-123-4567", "", ""],
]
EXPECTED = {
    "rows": 6,
    "missing": {
        "merchant_id": 1,
        "name": 1,
        "business_reg_no": 0,
        "representative": 1,
        "address": 1,
        "phone": 0,
        "category": 3,  # optional: row 8 is usable without it
    },
    "invalid": {
        "merchant_id": 0,
        "name": 0,
        "business_reg_no": 2,
        "representative": 0,
        "address": 0,
        "phone": 1,
        "category": 0,
    },
    "duplicate_keys": 1,
    "usable_rows": 2,
}


def merchants_file(tmp_path, kind: str):
    if kind == "xlsx":
        return write_xlsx(tmp_path / "merchants.xlsx", {"가맹점": MERCHANTS})
    return write_csv(tmp_path / "merchants.csv", MERCHANTS, encoding=kind)


@pytest.mark.parametrize("kind", ["utf-8", "utf-8-sig", "cp949", "xlsx"])
def test_merchants_known_answer(tmp_path, kind):
    with open_ledger(merchants_file(tmp_path, kind)) as led:
        report = audit(led, "merchants")
    assert report.to_json() == EXPECTED
    full = report.report_json()
    fields = full["fields"]
    assert fields["merchant_id"]["missing_examples"] == [7]
    assert fields["name"]["missing_examples"] == [3]
    assert fields["representative"]["missing_examples"] == [4]
    assert fields["category"]["missing_examples"] == [3, 6, 8]
    assert fields["business_reg_no"]["invalid_examples"] == [
        {"row": 3, "value": "1234567890"},
        {"row": 6, "value": "없음"},
    ]
    assert fields["phone"]["invalid_examples"] == [{"row": 6, "value": "12345"}]
    assert fields["category"]["required"] is False and fields["phone"]["check"] == "phone"
    assert full["duplicates"] == {
        "keys": 1,
        "rows": 2,
        "examples": [{"key": "M002", "rows": [3, 4]}],
    }
    assert full["blank_rows"] == 1
    assert full["columns"][-1] == {"name": "비고", "field": None, "non_empty": 1}
    assert full["columns"][0] == {"name": "가맹점ID", "field": "merchant_id", "non_empty": 5}


def test_examples_stop_at_five_lowest_rows(tmp_path):
    rows = [["회원ID", "잔액"]] + [[f"u{i}", "" if i % 2 else "1"] for i in range(40)]
    with open_ledger(write_csv(tmp_path / "u.csv", rows)) as led:
        report = audit(led, "users")
    balance = report.report_json()["fields"]["balance"]
    assert balance["missing"] == 20
    assert balance["missing_examples"] == [3, 5, 7, 9, 11]


def test_users_profile_reads_balances_as_amounts_and_reports_other_columns(tmp_path):
    rows = [
        ["회원ID", "잔액", "가입일", "이메일"],
        ["U1", "1,000원", "2021-01-01", "a@example.com"],
        ["U2", "N/A", "2021-01-02", ""],
        ["U3", "", "", ""],
        ["U1", "₩2,500", "2021-01-03", "b@example.com"],
        ["U5", "(300)", "", ""],
    ]
    with open_ledger(write_csv(tmp_path / "users.csv", rows, encoding="utf-8-sig")) as led:
        report = audit(led, "users")
    assert report.to_json() == {
        "rows": 5,
        "missing": {"user_id": 0, "balance": 1},
        "invalid": {"user_id": 0, "balance": 1},
        "duplicate_keys": 1,
        "usable_rows": 3,
    }
    columns = report.report_json()["columns"]
    assert columns == [
        {"name": "회원ID", "field": "user_id", "non_empty": 5},
        {"name": "잔액", "field": "balance", "non_empty": 4},
        {"name": "가입일", "field": None, "non_empty": 3},
        {"name": "이메일", "field": None, "non_empty": 2},
    ]


def test_a_field_without_a_column_is_missing_everywhere_until_mapped(tmp_path):
    rows = [["업체 고유번호", "잔여"], ["A", "1"], ["B", "2"]]
    with open_ledger(write_csv(tmp_path / "odd.csv", rows)) as led:
        unmapped = audit(led, "users")
        mapped = audit(led, "users", {"user_id": "업체 고유번호", "balance": "잔여"})
    assert unmapped.to_json() == {
        "rows": 2,
        "missing": {"user_id": 2, "balance": 2},
        "invalid": {"user_id": 0, "balance": 0},
        "duplicate_keys": 0,
        "usable_rows": 0,
    }
    assert unmapped.report_json()["fields"]["user_id"]["column"] is None
    assert mapped.to_json()["usable_rows"] == 2
    assert mapped.report_json()["fields"]["balance"]["column"] == "잔여"


def test_mapping_wins_over_the_usual_names(tmp_path):
    rows = [["회원ID", "잔액", "정정잔액"], ["A", "bad", "1"]]
    with open_ledger(write_csv(tmp_path / "u.csv", rows)) as led:
        assert audit(led, "users").to_json()["invalid"]["balance"] == 1
        assert audit(led, "users", {"balance": "정정잔액"}).to_json()["invalid"]["balance"] == 0


def test_refusals_name_the_problem(tmp_path):
    with open_ledger(merchants_file(tmp_path, "utf-8")) as led:
        with pytest.raises(ValidationFailed) as info:
            audit(led, "citizens")
        assert info.value.for_field("profile") == [
            "unknown profile 'citizens'; use one of: merchants, users"
        ]
        with pytest.raises(ValidationFailed) as info:
            audit(led, "merchants", {"owner": "대표자명"})
        assert "profile merchants has no field 'owner'" in info.value.for_field("map")[0]
        with pytest.raises(ValidationFailed) as info:
            audit(led, "merchants", {"phone": "휴대폰"})
        assert info.value.for_field("phone") == [
            "no column '휴대폰' in merchants.csv; columns are: " + ", ".join(HEADER)
        ]


def test_audit_json_is_deterministic_and_complete(tmp_path):
    src = merchants_file(tmp_path, "cp949")
    with open_ledger(src) as led:
        first = audit(led, "merchants", out_dir=tmp_path / "one")
        audit(led, "merchants", out_dir=tmp_path / "two")
    one = (tmp_path / "one" / "audit.json").read_bytes()
    assert one == (tmp_path / "two" / "audit.json").read_bytes()
    assert first.out_path == tmp_path / "one" / "audit.json"
    assert one.endswith(b"}\n") and b"\r" not in one
    document = json.loads(one.decode("utf-8"))
    assert document["summary"] == EXPECTED
    assert document["profile"] == "merchants"
    assert document["input"]["encoding"] == "cp949"
    assert document["engine"]["algorithm"] == AUDIT_VERSION
