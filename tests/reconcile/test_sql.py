"""The SQL versions of the domain checks agree with the Python ones.

Each check runs in SQL for text NFKC leaves alone and falls back to the Python function for
anything else; these tests pin the SQL path to the Python rules on tables of cases and on
random strings, and make sure the fallback is not what answers the ordinary cases.
"""

from __future__ import annotations

import random
import re

import pytest
from duckdb.sqltypes import BIGINT, BOOLEAN, VARCHAR

from tracker.reconcile.sql import amount_fast_sql, amount_sql, connect

AMOUNT_CASES = [
    "1,234,500",
    "1,234,500원",
    "₩1,234,500",
    "￦1,234,500",
    "  1,234,500  ",
    "\t₩ 1,234,500 원\u3000",
    "\xa01,000\xa0",
    "-1,234",
    "₩-1,234",
    "- 1,234",
    "−1,234",  # U+2212 minus sign
    "(1,234)",
    "( 1,234 )",
    "△1,234",
    "▲1,234",
    "+1,234",
    "KRW 1,234",
    "krw1,234",
    "1,234 KRW",
    "KRW 1,234원",
    "₩ -",
    "KRW -",
    "₩ −",
    "0",
    "000123",
    "1,234.00",
    "1234.0",
    "9223372036854775807",
    "9,223,372,036,854,775,807",
    "-9223372036854775807",
    "00000000000000000000000000000001",
    # refused by parse_amount
    "",
    "   ",
    "-",
    "원",
    "₩",
    "1.5",
    "1.",
    "1.000",
    "1,2345",
    "12,34",
    "1 234",
    "--1",
    "-₩-1",
    "(-1)",
    "(1",
    "1)",
    "()",
    "(₩ -)",
    "₩ +",
    "₩₩1",
    "1원원",
    "KRW 1 KRW",
    "9223372036854775808",
    "-9223372036854775808",
    "N/A",
    "#VALUE!",
    "1e5",
    "0x10",
    "1_000",
    "１２３",  # full-width: the Python fallback answers
    "①",
    "１,０００원",
]

BRN_CASES = [
    "220-81-62517",
    "2208162517",
    "220 81 62517",
    " 220-81-62517 ",
    "220–81–62517",  # en dashes
    "220-81-62518",
    "220-81-6251",
    "22081625170",
    "220-81-6251x",
    "없음",
    "",
    "０００-００-０００００",
    "000-00-00000",
    "123-45-67891",
    "-2208162517",
]

PHONE_CASES = [
    "02-123-4567",
    "02-1234-5678",
    "0212345678",
    "02 123 4567",
    "02 - 123 - 4567",
    "031-123-4567",
    "064-1234-5678",
    "070-1234-5678",
    "010-1234-5678",
    "01012345678",
    "010-123-4567",
    "011-123-4567",
    "1588-1234",
    "15881234",
    "1688-1234",
    "1800-1234",
    "1700-1234",
    "+82 10-1234-5678",
    "+82-2-123-4567",
    "+82 010-1234-5678",
    "050-1234-5678",
    "02--123-4567",
    "02-12-4567",
    "02–123–4567",
    "０２-１２３-４５６７",
    "tel 02-123-4567",
    "",
    "  ",
]


def fuzz(alphabet: list[str], n: int, seed: int, max_len: int = 9) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randrange(max_len))) for _ in range(n)]


def evaluate(con, sql: str, values: list[str]) -> list:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cases AS SELECT unnest(range(?)) AS i, unnest(?) AS s",
        [len(values), values],
    )
    query = f"SELECT i, {sql} FROM cases ORDER BY i"  # noqa: S608 - the test's own SQL
    return [v for _, v in con.execute(query).fetchall()]


def counting_connection(calls: list[str]):
    """A connection whose Python fallbacks record the text they were asked about."""
    from tracker.reconcile import sql as sql_module

    con = connect()
    for name, fn, rtype in (
        ("py_amount", sql_module._py_amount, BIGINT),
        ("py_brn", sql_module._py_brn, BOOLEAN),
        ("py_phone", sql_module._py_phone, BOOLEAN),
    ):
        con.remove_function(name)
        con.create_function(name, _recorder(fn, calls), [VARCHAR], rtype, null_handling="special")
    return con


def _recorder(fn, calls: list[str]):
    def recorded(text):
        calls.append(text)
        return fn(text)

    return recorded


def python_amount(text):
    from tracker.domain.amounts import AmountError, parse_amount

    try:
        return parse_amount(text)
    except AmountError:
        return None


def test_amount_sql_agrees_with_parse_amount():
    pytest.importorskip("tracker.domain.amounts")
    values = AMOUNT_CASES + fuzz(
        list("0123456789,,.-+()₩￦원△▲− \t\xa0\u3000１①/xkrwKRW") + ["krw", "KRW", ",000"],
        n=30000,
        seed=1,
    )
    con = connect()
    got = evaluate(con, amount_sql("s"), values)
    assert [(v, g) for v, g in zip(values, got, strict=True) if g != python_amount(v)] == []
    fast = evaluate(con, amount_fast_sql("s"), values)
    wrong = [(v, f) for v, f in zip(values, fast, strict=True) if f is not None]
    assert [(v, f) for v, f in wrong if f != python_amount(v)] == []


def test_amount_sql_answers_ordinary_cells_without_python():
    pytest.importorskip("tracker.domain.amounts")
    calls: list[str] = []
    con = counting_connection(calls)
    nfkc_free = [v for v in AMOUNT_CASES if not any(c in v for c in "１①")]
    got = evaluate(con, amount_sql("s"), nfkc_free)
    assert calls == []
    assert got == [python_amount(v) for v in nfkc_free]
    evaluate(con, amount_sql("s"), ["１２３"])
    assert set(calls) == {"１２３"}  # (DuckDB may call a UDF more than once per value)


def test_brn_sql_agrees_with_is_valid_brn():
    brn = pytest.importorskip("tracker.domain.brn")
    rnd = random.Random(2)
    generated = []
    for _ in range(5000):
        nine = "".join(rnd.choice("0123456789") for _ in range(9))
        check = brn.brn_check_digit(nine) if rnd.random() < 0.5 else rnd.randrange(10)
        digits = f"{nine}{check}"
        generated.append(rnd.choice([digits, f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"]))
    alphabet = list("0123456789- –\t\xa0\u3000１x")
    values = BRN_CASES + generated + fuzz(alphabet, n=5000, seed=3, max_len=14)
    calls: list[str] = []
    con = counting_connection(calls)
    got = evaluate(con, "brn_ok(s, brn_digits(s))", values)
    assert [(v, g) for v, g in zip(values, got, strict=True) if g != brn.is_valid_brn(v)] == []
    assert sum(got) > 2500  # the table is not all refusals
    assert all(any(ord(c) > 0x7F and c not in "–" for c in v) for v in calls)


def test_phone_sql_agrees_with_is_valid_kr_phone():
    from tests.domain.test_phones import INVALID, VALID

    phones = pytest.importorskip("tracker.domain.phones")
    rnd = random.Random(4)
    generated = []
    prefixes = [
        "02", "010", "031", "064", "070", "080", "011", "15", "16", "18", "050", "0505",
        "0507", "060", "030", "1588", "082", "081", "00", "82", "+82 10", "2", "1", "0",
    ]  # fmt: skip
    for _ in range(8000):
        middle = "".join(rnd.choice("0123456789") for _ in range(rnd.choice([2, 3, 4])))
        last = "".join(rnd.choice("0123456789") for _ in range(rnd.choice([3, 4, 5])))
        sep = rnd.choice(["-", " ", "", " - ", "–", "--", ".", ")"])
        generated.append(f"{rnd.choice(prefixes)}{sep}{middle}{sep}{last}")
    table = [t for t, _why in VALID + INVALID]
    values = table + generated + fuzz(list("0123456789-- +–\xa0１x()."), n=5000, seed=5)
    calls: list[str] = []
    con = counting_connection(calls)
    got = evaluate(con, "phone_ok(s, phone_digits(s))", values)
    expected = [phones.is_valid_kr_phone(v) for v in values]
    assert [(v, g) for v, g, e in zip(values, got, expected, strict=True) if g != e] == []
    assert sum(got) > 1500  # the table is not all refusals

    # Digits with spaces or hyphens are answered in SQL, unless they start with an
    # international prefix (00), a carrier code (08) or the country code (82).
    def plain(v: str) -> bool:
        digits = re.sub("[ -]", "", v)
        return bool(re.fullmatch("[ -]*[0-9][0-9 -]*", v)) and (
            not digits.startswith(("00", "08", "82")) or not digits.strip("0")
        )

    assert [v for v in calls if plain(v)] == []
    assert sum(map(plain, values)) > 4000  # and there were many plain ones


def test_null_cells_are_neither_valid_nor_amounts():
    con = connect()
    row = con.execute(
        f"SELECT {amount_sql('NULL::VARCHAR')}, brn_ok(NULL, brn_digits(NULL)), "
        "phone_ok(NULL, phone_digits(NULL))"
    ).fetchone()
    assert row == (None, False, False)
