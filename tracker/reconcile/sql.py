"""DuckDB plumbing shared by the engine and the audit: connections, quoting, and the domain
checks (amounts, 사업자등록번호, phone numbers) as SQL.

The rules live in ``tracker.domain.amounts``, ``tracker.domain.brn`` and
``tracker.domain.phones``; this module mirrors them in SQL so a million rows are checked by
DuckDB instead of a Python loop. The Python functions start with Unicode NFKC normalisation,
which SQL cannot do, so every check has two parts:

* a *fast path* in SQL for text made only of characters NFKC leaves alone (ASCII digits and
  punctuation, ``₩ ￦ 원 △ ▲``, the usual dashes and spaces), which is nearly every cell;
* a fallback that calls the Python function itself (a DuckDB UDF) for the rare cell holding
  other characters (full-width digits, circled numbers…). Cells containing an ASCII character
  no rule allows (letters, ``/``, ``#``…) are refused in SQL without asking Python.

So SQL and Python agree by construction on the fallback, and ``tests/reconcile`` checks the
fast path against the Python functions on a table of cases and on random strings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb
from duckdb.sqltypes import BIGINT, BOOLEAN, VARCHAR

from tracker.errors import ValidationFailed
from tracker.reconcile import cells

# What "trimmed" means for keys and cells: ASCII whitespace, NBSP and the ideographic space.
# These are also the spaces the SQL checks handle themselves: NFKC leaves ASCII whitespace alone
# and turns NBSP and U+3000 into a plain space, which every rule treats as a separator.
SPACES = " \t\n\r\x0b\x0c\xa0\u3000"
_SPACE_CHARS = r" \t\n\r\x0b\x0c\xa0\x{3000}"  # the same, for a regex character class
_WS = f"[{_SPACE_CHARS}]"
_SIGN = r"[-+△▲\x{2212}]"
_NEGATIVE = "('-', '△', '▲', chr(8722))"

AMOUNT_PATTERN = (
    rf"^{_WS}*(\()?{_WS}*({_SIGN})?{_WS}*(₩|￦|[kK][rR][wW])?{_WS}*({_SIGN})?{_WS}*"
    r"(?:([0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.00?)?)?"
    rf"{_WS}*(원|[kK][rR][wW])?{_WS}*(\))?{_WS}*$"
)
# The shapes nearly every cell has (1234500, 1,234,500, ₩1,234,500, 1,234,500원), read with one
# capture; anything else goes through AMOUNT_PATTERN. 18 digits always fit in BIGINT.
SIMPLE_AMOUNT_PATTERN = r"^[ \t]*[₩￦]?([0-9]{1,3}(?:,[0-9]{3}){0,5}|[0-9]{1,18})원?[ \t]*$"
_AMOUNT_CHARS = rf"^[0-9,.+\-()₩￦원△▲\x{{2212}}kKrRwW{_SPACE_CHARS}]*$"
# Printable ASCII no amount can contain: ( ) + , - . 0-9 K R W k r w are the only ones allowed.
_AMOUNT_BAD_ASCII = (
    r"[\x21-\x27\x2a\x2f\x3a-\x4a\x4c-\x51\x53-\x56\x58-\x6a\x6c-\x71\x73-\x76\x78-\x7e]"
)

_DASHES = r"\x{2010}-\x{2015}\x{2212}"
_BRN_CHARS = rf"^[0-9{_SPACE_CHARS}\-{_DASHES}]*$"
_BRN_BAD_ASCII = r"[\x21-\x2c\x2e-\x2f\x3a-\x7e]"
# Printable ASCII no phone number may contain: digits, space, ( ) + - . are the only ones.
_PHONE_BAD_ASCII = r"[\x21-\x27\x2a\x2c\x2f\x3a-\x7e]"
# The spelling nearly every phone cell has: digits, with spaces or hyphens between them.
_PHONE_SIMPLE = r"[ \-]*[0-9][0-9 \-]*"

MAX_AMOUNT = 2**63 - 1
_BRN_SEPARATORS = rf"[{_SPACE_CHARS}\-{_DASHES}]+"


def sql_literal(text: str) -> str:
    """Quote ``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """Quote ``name`` as a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


_lit = sql_literal


def _py_amount(text: str | None) -> int | None:
    if text is None:
        return None
    from tracker.domain.amounts import AmountError, parse_amount

    try:
        return parse_amount(text)
    except AmountError:
        return None


def _py_brn(text: str) -> bool:
    from tracker.domain.brn import is_valid_brn

    return is_valid_brn(text)


def _py_phone(text: str) -> bool:
    from tracker.domain.phones import is_valid_kr_phone

    return is_valid_kr_phone(text)


_MACROS = f"""
CREATE OR REPLACE TEMP MACRO amount_parts(s) AS
    regexp_extract(s, {_lit(AMOUNT_PATTERN)}, ['op', 's1', 'cur', 's2', 'num', 'suf', 'cp']);

CREATE OR REPLACE TEMP MACRO amount_from_parts(p) AS CASE
    WHEN p.num = '' THEN CASE
        WHEN p.op = '' AND p.cp = '' AND p.s1 = '' AND p.cur <> ''
             AND p.s2 IN ('-', chr(8722)) AND p.suf = '' THEN 0::BIGINT END
    WHEN (p.op = '') <> (p.cp = '') THEN NULL
    WHEN p.op <> '' AND (p.s1 <> '' OR p.s2 <> '') THEN NULL
    WHEN p.s1 <> '' AND p.s2 <> '' THEN NULL
    WHEN lower(p.cur) = 'krw' AND lower(p.suf) = 'krw' THEN NULL
    WHEN length(ltrim(replace(p.num, ',', ''), '0')) > 19 THEN NULL
    WHEN replace(p.num, ',', '')::HUGEINT > {MAX_AMOUNT} THEN NULL
    WHEN p.op <> '' OR p.s1 IN {_NEGATIVE} OR p.s2 IN {_NEGATIVE}
        THEN -(replace(p.num, ',', '')::BIGINT)
    ELSE replace(p.num, ',', '')::BIGINT
END;

CREATE OR REPLACE TEMP MACRO amount_or_fallback(s, v) AS CASE
    WHEN v IS NOT NULL OR s IS NULL THEN v
    WHEN regexp_matches(s, {_lit(_AMOUNT_BAD_ASCII)}) THEN NULL
    WHEN regexp_matches(s, {_lit(_AMOUNT_CHARS)}) THEN NULL
    ELSE py_amount(s)
END;

CREATE OR REPLACE TEMP MACRO brn_digits(s) AS CASE
    WHEN regexp_full_match(s, '[0-9]{{3}}-?[0-9]{{2}}-?[0-9]{{5}}') THEN replace(s, '-', '')
    ELSE regexp_replace(s, {_lit(_BRN_SEPARATORS)}, '', 'g')
END;

CREATE OR REPLACE TEMP MACRO brn_digit(d, i) AS ascii(substr(d, i, 1)) - 48;

CREATE OR REPLACE TEMP MACRO brn_checksum_ok(d) AS
    regexp_full_match(d, '[0-9]{{10}}')
    AND (10 - ((brn_digit(d, 1) + 3 * brn_digit(d, 2) + 7 * brn_digit(d, 3)
                + brn_digit(d, 4) + 3 * brn_digit(d, 5) + 7 * brn_digit(d, 6)
                + brn_digit(d, 7) + 3 * brn_digit(d, 8) + 5 * brn_digit(d, 9)
                + (brn_digit(d, 9) * 5) // 10) % 10)) % 10 = brn_digit(d, 10);

CREATE OR REPLACE TEMP MACRO brn_ok(s, d) AS CASE
    WHEN s IS NULL THEN false
    WHEN regexp_matches(s, {_lit(_BRN_CHARS)}) THEN brn_checksum_ok(d)
    WHEN regexp_matches(s, {_lit(_BRN_BAD_ASCII)}) THEN false
    ELSE py_brn(s)
END;

CREATE OR REPLACE TEMP MACRO csv_text(s) AS CASE
    WHEN s IS NULL OR ord(s) NOT IN (9, 10, 13, 39, 43, 45, 61, 64) THEN s
    WHEN regexp_matches(s, {_lit(cells.NEEDS_ESCAPE)})
         AND NOT regexp_full_match(s, {_lit(cells.NUMBER)}) THEN chr(39) || s
    ELSE s
END;

CREATE OR REPLACE TEMP MACRO phone_digits(s) AS CASE
    WHEN length(s) <= 100 AND regexp_full_match(s, {_lit(_PHONE_SIMPLE)})
        THEN regexp_replace(s, '[- ]', '', 'g')
END;

CREATE OR REPLACE TEMP MACRO phone_ok(s, d) AS CASE
    WHEN s IS NULL THEN false
    -- "000-0000" and the like, a common placeholder: no kind of number is all zeros.
    WHEN d IS NOT NULL AND ltrim(d, '0') = '' THEN false
    WHEN d IS NOT NULL AND NOT regexp_matches(d, '^(?:00|08|82)') THEN CASE
        WHEN starts_with(d, '0') THEN {{phone_national}}
        ELSE {{phone_uan}}
    END
    WHEN regexp_matches(s, {_lit(_PHONE_BAD_ASCII)}) THEN false
    ELSE py_phone(s)
END;
"""


def _kind_sql(column: str, pattern: str, lengths: tuple[int, ...]) -> str:
    length = f"length({column}) IN ({', '.join(map(str, lengths))}) AND " if lengths else ""
    return f"({length}regexp_full_match({column}, {_lit(pattern)}))"


def _phone_sql() -> dict[str, str]:
    """The phone checks of ``tracker.domain.phones`` in SQL, from the same metadata.

    For digits (spaces and hyphens removed) that start with a single trunk 0, phonenumbers
    strips the 0 and calls the rest valid when it matches the general pattern and one kind's
    pattern, each with its possible lengths. Digits without the trunk 0 are valid only as a
    representative number (1588-1234). Only zeros are never valid. Digits starting 00 (an
    international prefix), 08 (a carrier code may follow) or 82 (the country code without +)
    go to Python.
    """
    from tracker.domain.phones import kr_number_kinds

    kinds = kr_number_kinds()

    def national(column: str) -> str:
        general = _kind_sql(column, *kinds["general"])
        any_kind = " OR ".join(_kind_sql(column, *v) for k, v in kinds.items() if k != "general")
        return f"({general} AND ({any_kind}))"

    uan = kinds.get("uan")
    return {
        "phone_national": national("substr(d, 2)"),
        "phone_uan": (
            f"({_kind_sql('d', *kinds['general'])} AND {_kind_sql('d', *uan)})" if uan else "false"
        ),
    }


def default_threads() -> int:
    """DuckDB threads: one per core, at most two (the app shares a small machine)."""
    return max(1, min(2, os.cpu_count() or 1))


def connect(*, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that keeps insertion order, with the checks installed.

    Insertion order matters: a table created from a CSV then numbers its rows in file order.
    """
    config = {"threads": threads or default_threads(), "preserve_insertion_order": True}
    con = duckdb.connect(":memory:", config=config)
    install(con)
    return con


@contextmanager
def reading(name: str) -> Iterator[None]:
    """Turn DuckDB's refusal of a malformed CSV (e.g. a row longer than the header) into a
    ValidationFailed naming the file and the line. Other DuckDB errors pass through."""
    try:
        yield
    except duckdb.Error as exc:
        # Some CSV refusals come as InvalidInputException, others (e.g. from the parallel
        # reader) as a plain duckdb.Error; all of them name "CSV".
        if "CSV" not in str(exc):
            raise
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        detail = " ".join(lines[:3]).removeprefix("Invalid Input Error: ")
        raise ValidationFailed([("file", f"cannot read {name} as CSV: {detail}")]) from None


def execute_csv(
    con: duckdb.DuckDBPyConnection,
    statement: Callable[[str], str],
    source: Callable[..., str],
) -> None:
    """Run ``statement(source(parallel=True))``; again with ``parallel=False`` when DuckDB's
    parallel reader refuses the file.

    The parallel reader cannot pad short rows with NULLs in a file with line breaks inside
    quoted cells (Excel's Alt+Enter in a memo or address). The single-threaded reader can, so
    such a file is read again that way: a statement that failed created nothing.
    """
    try:
        con.execute(statement(source(parallel=True)))
    except duckdb.Error as exc:
        if "parallel=false" not in str(exc):
            raise
        con.execute(statement(source(parallel=False)))


def trimmed_sql(column: str) -> str:
    """SQL trimming ``SPACES`` from a VARCHAR expression, NULL read as ''.

    Looks at the first and last character before calling ``trim``: most cells need nothing,
    and the check is much cheaper than the trim.
    """
    edge = f"ord({column}) <= 32 OR ord({column}) IN (160, 12288)"
    last = f"ord(right({column}, 1)) <= 32 OR ord(right({column}, 1)) IN (160, 12288)"
    return (
        f"coalesce(CASE WHEN {edge} OR {last} THEN trim({column}, {sql_literal(SPACES)}) "
        f"ELSE {column} END, '')"
    )


def nonempty_sql(column: str) -> str:
    """SQL: true when the VARCHAR expression holds something besides ``SPACES``."""
    return (
        f"CASE WHEN {column} IS NULL THEN false "
        f"WHEN ord({column}) > 32 AND ord({column}) NOT IN (160, 12288) THEN true "
        f"ELSE trim({column}, {sql_literal(SPACES)}) <> '' END"
    )


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the check macros and their Python fallbacks on ``con``.

    Macros: ``amount_parts(text)`` → struct, ``amount_from_parts(struct)`` → BIGINT or NULL
    (fast path), ``amount_or_fallback(text, fast)`` → BIGINT or NULL (the final answer);
    ``csv_text(text)``: the text as written to an output CSV (``tracker.reconcile.cells``);
    ``brn_ok(text, brn_digits(text))``; ``phone_ok(text, phone_digits(text))``.

    The checks take their prepared form as a second argument because DuckDB expands a macro's
    argument at every use: compute ``brn_digits``/``phone_digits`` into a column first and
    pass the column, or the regex runs a dozen times per cell.
    """
    con.create_function(
        "py_amount", _py_amount, [VARCHAR], BIGINT, null_handling="special", side_effects=False
    )
    con.create_function("py_brn", _py_brn, [VARCHAR], BOOLEAN, side_effects=False)
    con.create_function("py_phone", _py_phone, [VARCHAR], BOOLEAN, side_effects=False)
    macros = _MACROS
    for name, text in _phone_sql().items():
        macros = macros.replace(f"{{{name}}}", text)
    con.execute(macros)


def amount_fast_sql(column: str) -> str:
    """SQL reading the common shapes of amount (``SIMPLE_AMOUNT_PATTERN``) with one regex.

    NULL means "not a simple shape", not "invalid": finish those rows with :func:`amount_sql`.
    Kept apart because DuckDB hoists the repeated sub-expressions of the full rules out of any
    CASE/COALESCE and would then run the expensive regex on every row.
    """
    simple = f"regexp_extract({column}, {_lit(SIMPLE_AMOUNT_PATTERN)}, 1)"
    return f"TRY_CAST(replace({simple}, ',', '') AS BIGINT)"


def amount_sql(column: str) -> str:
    """SQL for the amount in won of the VARCHAR expression ``column``, NULL when unreadable.

    Agrees with ``tracker.domain.amounts.parse_amount`` (NULL where it raises).
    """
    return f"amount_or_fallback({column}, amount_from_parts(amount_parts({column})))"
