"""Reconciliation with known answers, across encodings and formats, and byte-for-byte reruns."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pytest

from tests.reconcile.builders import (
    COLUMNS,
    EXPECTED,
    EXPECTED_FILES,
    LEFT_ROWS,
    RIGHT_ROWS,
    write_csv,
    write_xlsx,
)
from tracker.errors import ValidationFailed
from tracker.reconcile.engine import ALGORITHM_VERSION, reconcile
from tracker.reconcile.ledger import open_ledger


def run(tmp_path, left_path, right_path, out="out", **columns):
    with open_ledger(left_path) as left, open_ledger(right_path) as right:
        return reconcile(left, right, out_dir=tmp_path / out, **(columns or COLUMNS))


def cp949(rows):
    # CP949 has no ₩ (U+20A9); Korean Excel writes the full-width ￦ instead.
    return [[str(c).replace("₩", "￦") for c in row] for row in rows]


@pytest.mark.parametrize(
    ("left_kind", "right_kind"),
    [
        ("utf-8", "cp949"),
        ("utf-8-sig", "utf-8"),
        ("cp949", "utf-8-sig"),
        ("xlsx", "cp949"),
    ],
)
def test_known_answer_in_every_encoding(tmp_path, left_kind, right_kind):
    paths = []
    for side, rows, kind in (("left", LEFT_ROWS, left_kind), ("right", RIGHT_ROWS, right_kind)):
        if kind == "xlsx":
            paths.append(write_xlsx(tmp_path / f"{side}.xlsx", {"Sheet1": rows}))
        else:
            body = cp949(rows) if kind == "cp949" else rows
            paths.append(write_csv(tmp_path / f"{side}.csv", body, encoding=kind))
    result = run(tmp_path, *paths)
    assert result.to_json() == EXPECTED
    for name, text in EXPECTED_FILES.items():
        assert (tmp_path / "out" / name).read_text(encoding="utf-8") == text, name


def test_summary_json_records_inputs_parameters_outputs_and_versions(tmp_path):
    left = write_csv(tmp_path / "left.csv", LEFT_ROWS)
    right = write_csv(tmp_path / "right.csv", cp949(RIGHT_ROWS), encoding="cp949")
    result = run(tmp_path, left, right)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["summary"] == EXPECTED
    assert summary["parameters"] == COLUMNS
    assert summary["engine"] == {"duckdb": duckdb.__version__, "algorithm": ALGORITHM_VERSION}
    assert summary["inputs"]["left"] == {
        "name": "left.csv",
        "sha256": hashlib.sha256(left.read_bytes()).hexdigest(),
        "size": left.stat().st_size,
        "format": "csv",
        "encoding": "utf-8",
        "sheet": None,
    }
    assert summary["inputs"]["right"]["encoding"] == "cp949"
    assert summary["inputs"]["right"]["sha256"] == hashlib.sha256(right.read_bytes()).hexdigest()
    assert summary["blank_rows"] == {"left": 1, "right": 0}
    assert set(summary["outputs"]) == set(EXPECTED_FILES)
    for name, entry in summary["outputs"].items():
        digest = hashlib.sha256((tmp_path / "out" / name).read_bytes()).hexdigest()
        assert entry == {"sha256": digest}
        assert result.files[name] == digest
    assert result.summary_path == tmp_path / "out" / "summary.json"


def test_rerun_gives_identical_bytes(tmp_path):
    left = write_csv(tmp_path / "left.csv", cp949(LEFT_ROWS), encoding="cp949")
    right = write_xlsx(tmp_path / "right.xlsx", {"s": RIGHT_ROWS})
    run(tmp_path, left, right, out="one")
    run(tmp_path, left, right, out="two")
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted([*EXPECTED_FILES, "summary.json"])
    for name in names:
        one = (tmp_path / "one" / name).read_bytes()
        assert one == (tmp_path / "two" / name).read_bytes(), name
        assert b"\r" not in one
        one.decode("utf-8")


def test_rerun_with_a_thousand_differences_is_identical(tmp_path):
    # Enough rows for DuckDB to use both threads; ties in |difference| are ordered by key.
    left_rows = [["id", "amount"]] + [[f"k{i:05d}", str(i % 97)] for i in range(20000)]
    right_rows = [["id", "amount"]] + [[f"k{i:05d}", str(i % 89)] for i in range(20000)]
    left = write_csv(tmp_path / "l.csv", left_rows)
    right = write_csv(tmp_path / "r.csv", right_rows)
    cols = {"key_left": "id", "amount_left": "amount", "key_right": "id", "amount_right": "amount"}
    first = run(tmp_path, left, right, out="a", **cols)
    run(tmp_path, left, right, out="b", **cols)
    for name in [*EXPECTED_FILES, "summary.json"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    lines = (tmp_path / "a" / "differences.csv").read_text().splitlines()[1:]
    keyed = [(-abs(int(line.split(",")[3])), line.split(",")[0]) for line in lines]
    assert keyed == sorted(keyed) and len(lines) == first.mismatched


def test_row_numbers_survive_blank_lines(tmp_path):
    left = tmp_path / "left.csv"
    left.write_text("id,amount\na,1\n\nb,oops\n\n\nc,\n", encoding="utf-8")
    right = write_csv(tmp_path / "right.csv", [["id", "amount"], ["a", "1"]])
    cols = {"key_left": "id", "amount_left": "amount", "key_right": "id", "amount_right": "amount"}
    result = run(tmp_path, left, right, **cols)
    assert (tmp_path / "out" / "invalid_left.csv").read_text() == (
        "row,key,amount,reason\n4,b,oops,unreadable amount\n7,c,,missing amount\n"
    )
    assert result.left.rows == 3 and result.left.blank_rows == 3


def test_row_numbers_of_a_large_file_follow_the_file(tmp_path):
    rows = [["id", "amount"]] + [[f"u{i}", "x" if i % 1000 == 7 else "1"] for i in range(50000)]
    left = write_csv(tmp_path / "l.csv", rows)
    cols = {"key_left": "id", "amount_left": "amount", "key_right": "id", "amount_right": "amount"}
    run(tmp_path, left, left, **cols)
    lines = (tmp_path / "out" / "invalid_left.csv").read_text().splitlines()[1:]
    assert len(lines) == 50
    for line in lines:
        row, key = line.split(",")[:2]
        assert int(row) == int(key[1:]) + 2


def test_amount_forms_and_negative_conventions_are_summed(tmp_path):
    amounts = ["1,234,500", "1,234,500원", "₩1,234,500", " ₩ 1,234,500 원 ", "-5,000", "(5,000)"]
    amounts += ["△1,000", "KRW 2,000", "１２３", "₩ -", "1,234.00", "+7"]
    rows = [["id", "amount"]] + [["k", a] for a in amounts]
    left = write_csv(tmp_path / "l.csv", rows)
    cols = {"key_left": "id", "amount_left": "amount", "key_right": "id", "amount_right": "amount"}
    result = run(tmp_path, left, left, **cols)
    assert result.left.total == 4 * 1234500 - 5000 - 5000 - 1000 + 2000 + 123 + 0 + 1234 + 7
    assert result.left.invalid_rows == 0 and result.left.duplicate_keys == 1


def test_keys_are_text_not_numbers(tmp_path):
    left = write_csv(tmp_path / "l.csv", [["id", "amount"], ["0007", "1"], ["7.0", "2"]])
    right = write_csv(tmp_path / "r.csv", [["id", "amount"], ["7", "1"], ["0007", "1"]])
    cols = {"key_left": "id", "amount_left": "amount", "key_right": "id", "amount_right": "amount"}
    result = run(tmp_path, left, right, **cols)
    assert (result.matched, result.only_left, result.only_right) == (1, 1, 1)


def test_unknown_column_is_refused_with_the_columns_that_exist(tmp_path):
    left = write_csv(tmp_path / "left.csv", LEFT_ROWS)
    right = write_csv(tmp_path / "right.csv", RIGHT_ROWS)
    with pytest.raises(ValidationFailed) as info:
        run(tmp_path, left, right, **{**COLUMNS, "amount_right": "잔액"})
    assert info.value.for_field("amount_right") == [
        "no column '잔액' in right.csv; columns are: 사용자ID, 정산금액"
    ]
    assert not (tmp_path / "out").exists()


def test_key_and_amount_must_differ(tmp_path):
    left = write_csv(tmp_path / "left.csv", LEFT_ROWS)
    with pytest.raises(ValidationFailed) as info:
        run(tmp_path, left, left, **{**COLUMNS, "key_right": "잔액", "amount_right": "잔액"})
    assert info.value.for_field("amount_right")


def test_a_row_longer_than_the_header_is_refused(tmp_path):
    left = tmp_path / "l.csv"
    left.write_text("id,amount\na,1\nb,2,3\n", encoding="utf-8")
    cols = {"key_left": "id", "amount_left": "amount", "key_right": "id", "amount_right": "amount"}
    with pytest.raises(ValidationFailed, match="cannot read l.csv as CSV"):
        run(tmp_path, left, left, **cols)


def test_a_ledger_of_blank_rows_only_is_refused(tmp_path):
    left = write_csv(
        tmp_path / "l.csv", [["id", "amount"]] + [["", ""]] * 40000
    )  # past the 64 KiB sample
    cols = {"key_left": "id", "amount_left": "amount", "key_right": "id", "amount_right": "amount"}
    with pytest.raises(ValidationFailed, match="l.csv has no data rows"):
        run(tmp_path, left, left, **cols)


def test_a_row_with_neither_key_nor_amount_is_blank_only_if_all_cells_are(tmp_path):
    rows = [
        ["id", "name", "amount"],
        ["a", "x", "1"],
        ["", "유령", ""],
        ["", " ", ""],
        [" ", "", ""],
    ]
    left = write_csv(tmp_path / "l.csv", rows)
    cols = {"key_left": "id", "amount_left": "amount", "key_right": "id", "amount_right": "amount"}
    result = run(tmp_path, left, left, **cols)
    assert (result.left.rows, result.left.invalid_rows, result.left.blank_rows) == (2, 1, 2)
    assert (tmp_path / "out" / "invalid_left.csv").read_text(encoding="utf-8") == (
        'row,key,amount,reason\n3,"",,missing key; missing amount\n'
    )
