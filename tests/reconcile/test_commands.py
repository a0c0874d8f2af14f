"""The ``reconcile`` and ``audit-data`` commands through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.reconcile.builders import EXPECTED, LEFT_ROWS, RIGHT_ROWS, write_csv, write_xlsx
from tests.reconcile.test_audit import EXPECTED as AUDIT_EXPECTED
from tests.reconcile.test_audit import MERCHANTS
from tracker.reconcile.commands import audit_data_command, reconcile_command


@pytest.fixture
def files(tmp_path):
    left = write_csv(tmp_path / "한결원.csv", LEFT_ROWS)
    right_rows = [[str(c).replace("₩", "￦") for c in row] for row in RIGHT_ROWS]
    right = write_csv(tmp_path / "비즈플레이.csv", right_rows, encoding="cp949")
    return left, right


def invoke(command, args):
    return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False)


def test_reconcile_json_prints_exactly_one_object(tmp_path, files):
    left, right = files
    args = [left, right, "--key-left", "회원ID", "--amount-left", "잔액"]
    args += ["--key-right", "사용자ID", "--amount-right", "정산금액", "--out", tmp_path / "o"]
    result = invoke(reconcile_command, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == EXPECTED
    assert result.stdout.count("\n") == 1 and result.stderr == ""
    assert (tmp_path / "o" / "summary.json").is_file()


def test_reconcile_guesses_columns_and_prints_a_readable_summary(tmp_path, files, monkeypatch):
    left, right = files
    monkeypatch.chdir(tmp_path)
    result = invoke(reconcile_command, [left, right, "--amount-right", "정산금액"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "[key 회원ID, amount 잔액]" in out and "[key 사용자ID, amount 정산금액]" in out
    assert "불일치 mismatched" in out and "2" in out.split("불일치 mismatched")[1].split("\n")[0]
    assert "-501원" in out
    written = list(tmp_path.glob("reconcile-*/summary.json"))
    assert len(written) == 1


def test_reconcile_shared_key_and_amount_options(tmp_path):
    left = write_csv(tmp_path / "l.csv", [["id", "amount"], ["a", "1"], ["b", "2"]])
    right = write_xlsx(tmp_path / "r.xlsx", {"x": [["id", "amount"], ["a", 1]], "y": [["z"]]})
    args = [left, right, "--key", "id", "--amount", "amount", "--sheet-right", "x"]
    result = invoke(reconcile_command, [*args, "--out", tmp_path / "o", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["only_left"] == 1


def test_reconcile_refusal_goes_to_stderr_with_status_2(tmp_path, files):
    left, right = files
    args = [left, right, "--key", "회원번호", "--amount", "잔액", "--out", tmp_path / "o", "--json"]
    result = invoke(reconcile_command, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "key_left: no column '회원번호' in 한결원.csv; columns are: 회원ID, 성명, 잔액" in (
        result.stderr
    )


def test_reconcile_lists_sheets_when_a_workbook_has_several(tmp_path, files):
    left, _ = files
    book = write_xlsx(tmp_path / "b.xlsx", {"11월": [["id", "amt"], ["a", 1]], "12월": [["id"]]})
    result = invoke(reconcile_command, [left, book, "--json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "sheet: b.xlsx has 2 sheets; choose one: 11월, 12월" in result.stderr


def test_reconcile_without_a_guessable_column_asks_for_it(tmp_path, files):
    left, _ = files
    right = write_csv(tmp_path / "r.csv", [["이름", "메모"], ["a", "b"]])
    result = invoke(reconcile_command, [left, right])
    assert result.exit_code == 2
    assert "--key-right: give --key-right for r.csv; columns are: 이름, 메모" in result.stderr


def test_reconcile_missing_file_is_a_usage_error(tmp_path):
    result = invoke(reconcile_command, [tmp_path / "a.csv", tmp_path / "b.csv"])
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_audit_data_json(tmp_path):
    src = write_csv(tmp_path / "m.csv", MERCHANTS, encoding="cp949")
    result = invoke(audit_data_command, [src, "--profile", "merchants", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == AUDIT_EXPECTED
    assert result.stdout.count("\n") == 1


def test_audit_data_human_output_and_report_file(tmp_path):
    src = write_csv(tmp_path / "m.csv", MERCHANTS)
    args = [src, "--profile", "merchants", "--out", tmp_path / "a"]
    result = invoke(audit_data_command, args)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "사용 가능 usable: 2 (33.3%)" in out
    assert "rows 3 ('1234567890'), 6 ('없음')" in out
    assert "category (optional)" in out
    assert (tmp_path / "a" / "audit.json").is_file()


def test_audit_data_map_option(tmp_path):
    src = write_csv(tmp_path / "u.csv", [["번호", "남은 금액"], ["1", "1,000"], ["2", "x"]])
    args = [src, "--profile", "users", "--map", "user_id=번호", "--map", "balance = 남은 금액"]
    result = invoke(audit_data_command, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "rows": 2,
        "missing": {"user_id": 0, "balance": 0},
        "invalid": {"user_id": 0, "balance": 1},
        "duplicate_keys": 0,
        "usable_rows": 1,
    }


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--map", "user_id"], "map: --map takes FIELD=COLUMN, got 'user_id'"),
        (["--map", "owner=번호"], "profile users has no field 'owner'"),
        (["--map", "user_id=없음"], "user_id: no column '없음' in u.csv; columns are: 번호"),
    ],
)
def test_audit_data_refusals(tmp_path, extra, message):
    src = write_csv(tmp_path / "u.csv", [["번호"], ["1"]])
    result = invoke(audit_data_command, [src, "--profile", "users", *extra, "--json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr


def test_audit_data_refuses_a_bad_file(tmp_path):
    src = tmp_path / "x.csv"
    src.write_bytes(b"\x00\x01binary")
    result = invoke(audit_data_command, [src, "--profile", "users"])
    assert result.exit_code == 2 and "contains NUL bytes" in result.stderr
