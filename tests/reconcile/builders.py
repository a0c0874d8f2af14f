"""Ledger files with known contents for the reconciliation tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook


def write_csv(
    path: Path,
    rows: list[list[object]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    newline: str = "\n",
) -> Path:
    """Write ``rows`` as CSV in ``encoding`` (``utf-8-sig`` adds a BOM)."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write a workbook with one sheet per entry, in order."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


# The known-answer pair used across the tests.
#
# left: 0000007 and 7 are different keys; A1 occurs twice (3,000 + 500); B2's amount is
# unreadable; one row has no key and one no amount; E5's amount is padded; G7 is only on the
# left; the last row is blank (every cell empty).
LEFT_ROWS = [
    ["회원ID", "성명", "잔액"],
    ["0000007", "김", "1,000"],
    ["7", "이", "2000원"],
    ["A1", "박", "₩3,000"],
    ["A1", "박", "500"],
    ["B2", "최", "N/A"],
    ["C3", "정", "-100"],
    ["", "무명", "50"],
    ["D4", "류", ""],
    ["E5", "윤", " 40 "],
    ["G7", "한", "1"],
    ["", "", ""],
]
# right: keys padded with spaces are trimmed ( A1 ); (100) is -100; B2 and F6 only here.
RIGHT_ROWS = [
    ["사용자ID", "정산금액"],
    ["0000007", "1000"],
    ["7", "2500"],
    [" A1 ", "3,500"],
    ["C3", "(100)"],
    ["F6", "10"],
    ["E5", "41"],
    ["B2", "5"],
]
COLUMNS = {
    "key_left": "회원ID",
    "amount_left": "잔액",
    "key_right": "사용자ID",
    "amount_right": "정산금액",
}
EXPECTED = {
    "left": {"rows": 10, "keys": 6, "total": 6441, "invalid_rows": 3, "duplicate_keys": 1},
    "right": {"rows": 7, "keys": 7, "total": 6956, "invalid_rows": 0, "duplicate_keys": 0},
    "only_left": 1,
    "only_right": 2,
    "matched": 3,
    "mismatched": 2,
    "difference_total": -501,
}
EXPECTED_FILES = {
    "differences.csv": "key,left,right,difference\n7,2000,2500,-500\nE5,40,41,-1\n",
    "only_left.csv": "key,amount,rows\nG7,1,1\n",
    "only_right.csv": "key,amount,rows\nB2,5,1\nF6,10,1\n",
    "invalid_left.csv": (
        "row,key,amount,reason\n"
        "6,B2,N/A,unreadable amount\n"
        '8,"",50,missing key\n'
        "9,D4,,missing amount\n"
    ),
    "invalid_right.csv": "row,key,amount,reason\n",
    "duplicates_left.csv": "key,rows,total\nA1,2,3500\n",
    "duplicates_right.csv": "key,rows,total\n",
}
