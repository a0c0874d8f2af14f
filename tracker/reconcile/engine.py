"""Reconcile two ledgers key by key with DuckDB and write the evidence files.

Both ledgers are read as text (every column VARCHAR), so ``0000007`` and ``7`` stay different
keys; keys are trimmed of spaces. Amounts are read in SQL by the same rules as
``tracker.domain.amounts.parse_amount``. A row whose key is empty or whose amount cannot be
read is *invalid*: it is counted, written with its row number and raw value to
``invalid_<side>.csv`` and left out of the totals. Rows sharing a key within one ledger are
summed, and the key is reported as a duplicate. A row whose every cell is empty is a blank row:
it is counted in ``summary.json`` and otherwise ignored.

Files written to the output directory (UTF-8, LF, header row, fixed order, so a re-run on the
same inputs gives the same bytes):

* ``differences.csv``: key, left, right, difference (left − right) for keys on both sides whose
  totals differ; largest ``|difference|`` first, then key;
* ``only_left.csv`` / ``only_right.csv``: key, amount, rows for keys on one side only; by key;
* ``invalid_left.csv`` / ``invalid_right.csv``: row, key, amount (as written), reason; by row;
* ``duplicates_left.csv`` / ``duplicates_right.csv``: key, rows, total; by key;
* ``summary.json``: the figures, the column parameters, each input's name, size, format,
  encoding and SHA-256, each output's SHA-256, the engine version, and (``csv_cells``) how
  text cells are written.

Text cells that a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``, tab or
line break first) are written with a leading ``'`` (``tracker.reconcile.cells``); numbers,
negative ones included, are written as numbers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tracker.errors import ValidationFailed
from tracker.reconcile import cells, sql
from tracker.reconcile.ledger import Ledger
from tracker.reconcile.sql import (
    connect,
    execute_csv,
    nonempty_sql,
    reading,
    sql_ident,
    sql_literal,
    trimmed_sql,
)

ALGORITHM_VERSION = "reconcile/2"  # 2: text cells of the CSV files escaped (cells.py)
_COPY = "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NEW_LINE '\\n')"
_VALID_ROW = "NOT blank AND key <> '' AND amt IS NOT NULL"
_INVALID_ROW = "NOT blank AND (key = '' OR amt IS NULL)"
# Text cells (keys, amounts as written) go through csv_text: see tracker.reconcile.cells.
_INVALID_OUT = """SELECT "row", csv_text(key) AS key, csv_text(amount) AS amount, reason
    FROM {side}_invalid ORDER BY "row"
"""
OUTPUT_FILES = (
    "differences.csv",
    "only_left.csv",
    "only_right.csv",
    "invalid_left.csv",
    "invalid_right.csv",
    "duplicates_left.csv",
    "duplicates_right.csv",
)


@dataclass(frozen=True)
class SideSummary:
    """What one ledger held: data rows read (invalid included), distinct valid keys, the total
    of valid amounts, invalid rows and keys that occur on more than one valid row."""

    rows: int
    keys: int
    total: int
    invalid_rows: int
    duplicate_keys: int
    blank_rows: int = 0

    def to_json(self) -> dict:
        return {
            "rows": self.rows,
            "keys": self.keys,
            "total": self.total,
            "invalid_rows": self.invalid_rows,
            "duplicate_keys": self.duplicate_keys,
        }


@dataclass(frozen=True)
class ReconcileResult:
    """The figures of one reconciliation and where its evidence files are."""

    left: SideSummary
    right: SideSummary
    only_left: int
    only_right: int
    matched: int
    mismatched: int
    difference_total: int
    out_dir: Path
    files: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        """Exactly the summary figures, for the API and for ``--json``."""
        return {
            "left": self.left.to_json(),
            "right": self.right.to_json(),
            "only_left": self.only_left,
            "only_right": self.only_right,
            "matched": self.matched,
            "mismatched": self.mismatched,
            "difference_total": self.difference_total,
        }

    @property
    def summary_path(self) -> Path:
        return self.out_dir / "summary.json"


def engine_version() -> dict:
    """The versions that decide the figures: DuckDB's and this algorithm's."""
    return {"duckdb": duckdb.__version__, "algorithm": ALGORITHM_VERSION}


def load_side(
    con: duckdb.DuckDBPyConnection, table: str, ledger: Ledger, key: str, amount: str
) -> None:
    """Create ``table`` (row, key, raw, amt, blank) from one ledger's key and amount columns.

    ``row`` is the row number from the ledger's row column, or NULL when the ledger has none
    (then it is ``rowid + 2``: the table keeps the file's order). ``key`` is trimmed, ``raw``
    the amount text as written, ``amt`` the amount in won or NULL when it cannot be read,
    ``blank`` whether every cell of the row is empty.
    """
    row = sql_ident(ledger.row_column) if ledger.row_column else "NULL::BIGINT"
    a = sql_ident(amount)
    select = f"""
        CREATE TEMP TABLE {table} AS
        SELECT {row} AS row, {trimmed_sql(sql_ident(key))} AS key, {a} AS raw,
               {sql.amount_fast_sql(a)} AS amt, false AS blank
        FROM """  # noqa: S608 - identifiers and literals are quoted by sql_ident/sql_literal
    execute_csv(con, lambda source: select + source, ledger.sql_source)
    con.execute(
        f"UPDATE {table} SET amt = {sql.amount_sql('raw')} "  # noqa: S608
        "WHERE amt IS NULL AND raw IS NOT NULL"
    )
    # A row with neither key nor amount is blank if its other cells are empty too. Such rows
    # are rare (Excel's ",,," tails), so the other columns are read only when there are some.
    suspect = f"key = '' AND NOT {nonempty_sql('raw')}"
    (suspects,) = con.execute(f"SELECT count(*) FROM {table} WHERE {suspect}").fetchall()[0]  # noqa: S608
    if suspects:
        empty = " OR ".join(nonempty_sql(sql_ident(h)) for h in ledger.headers)
        execute_csv(
            con,
            lambda source: (
                f"CREATE TEMP TABLE {table}_cells AS "  # noqa: S608
                f"SELECT NOT ({empty}) AS empty FROM {source}"
            ),
            ledger.sql_source,
        )
        con.execute(
            f"UPDATE {table} SET blank = true FROM {table}_cells c "  # noqa: S608
            f"WHERE {table}.rowid = c.rowid AND c.empty"
        )
        con.execute(f"DROP TABLE {table}_cells")


def invalid_sql(table: str) -> str:
    """SQL listing the invalid rows of a side table: row, key, raw amount, reason."""
    return f"""
        SELECT coalesce("row", rowid + 2) AS "row", key, raw AS amount,
               concat_ws('; ',
                   CASE WHEN key = '' THEN 'missing key' END,
                   CASE WHEN amt IS NOT NULL THEN NULL
                        WHEN {nonempty_sql("raw")} THEN 'unreadable amount'
                        ELSE 'missing amount' END) AS reason
        FROM {table} WHERE {_INVALID_ROW}"""  # noqa: S608


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _resolve(ledger: Ledger, name: str, field_name: str) -> str:
    if not name or not name.strip():
        raise ValidationFailed([(field_name, f"choose a column of {ledger.name}")])
    return ledger.column(name, field=field_name)


def reconcile(
    left: Ledger,
    right: Ledger,
    *,
    key_left: str,
    amount_left: str,
    key_right: str,
    amount_right: str,
    out_dir: Path,
    threads: int | None = None,
) -> ReconcileResult:
    """Compare ``left`` and ``right`` key by key and write the evidence files to ``out_dir``.

    Guarantees: every data row is accounted for (valid, invalid or blank); invalid rows are
    listed with their row number, raw value and reason; keys are compared as trimmed text;
    totals are exact integers; the files (``differences.csv``, ``only_left.csv``,
    ``only_right.csv``, ``invalid_left.csv``, ``invalid_right.csv``, ``duplicates_left.csv``,
    ``duplicates_right.csv``, ``summary.json``) are byte-identical on a re-run.
    Refuses with ValidationFailed: a column that does not exist (the message lists those that
    do), the same column as key and amount, a CSV DuckDB cannot parse (e.g. a row longer than
    the header), a ledger with no data rows.
    """
    columns = {
        "key_left": _resolve(left, key_left, "key_left"),
        "amount_left": _resolve(left, amount_left, "amount_left"),
        "key_right": _resolve(right, key_right, "key_right"),
        "amount_right": _resolve(right, amount_right, "amount_right"),
    }
    for side in ("left", "right"):
        if columns[f"key_{side}"] == columns[f"amount_{side}"]:
            raise ValidationFailed(
                [(f"amount_{side}", f"the {side} key and amount must be different columns")]
            )
    con = connect(threads=threads)
    try:
        sides = {
            side: _digest_side(con, side, ledger, columns[f"key_{side}"], columns[f"amount_{side}"])
            for side, ledger in (("left", left), ("right", right))
        }
        result = _compare(con, sides["left"], sides["right"], Path(out_dir))
    finally:
        con.close()
    _write_summary(result, left, right, columns)
    return result


def _digest_side(
    con: duckdb.DuckDBPyConnection, side: str, ledger: Ledger, key: str, amount: str
) -> SideSummary:
    """Read one ledger; keep only its invalid rows (``<side>_invalid``) and its per-key totals
    (``<side>_keys``). One side at a time keeps the peak memory near one ledger's rows."""
    with reading(ledger.name):
        load_side(con, "ledger_rows", ledger, key, amount)
    rows, invalid, blank = con.execute(
        f"""SELECT count(*) FILTER (WHERE NOT blank), count(*) FILTER (WHERE {_INVALID_ROW}),
                   count(*) FILTER (WHERE blank) FROM ledger_rows"""  # noqa: S608
    ).fetchall()[0]
    if rows == 0:
        raise ValidationFailed([("file", f"{ledger.name} has no data rows")])
    con.execute(f"CREATE TEMP TABLE {side}_invalid AS {invalid_sql('ledger_rows')}")
    con.execute(
        f"""CREATE TEMP TABLE {side}_keys AS
            SELECT key, sum(amt)::HUGEINT AS total, count(*) AS n FROM ledger_rows
            WHERE {_VALID_ROW} GROUP BY key"""  # noqa: S608
    )
    con.execute("DROP TABLE ledger_rows")
    keys, total, dups = con.execute(
        f"SELECT count(*), coalesce(sum(total), 0), count(*) FILTER (WHERE n > 1) "  # noqa: S608
        f"FROM {side}_keys"
    ).fetchall()[0]
    return SideSummary(
        rows=rows,
        keys=keys,
        total=int(total),
        invalid_rows=invalid,
        duplicate_keys=dups,
        blank_rows=blank + ledger.blank_rows,
    )


def _compare(
    con: duckdb.DuckDBPyConnection, left: SideSummary, right: SideSummary, out_dir: Path
) -> ReconcileResult:
    con.execute(
        """
        CREATE TEMP TABLE joined AS
        SELECT coalesce(l.key, r.key) AS key,
               l.total AS left_total, l.n AS left_n, r.total AS right_total, r.n AS right_n
        FROM left_keys l FULL OUTER JOIN right_keys r ON l.key = r.key
        """
    )
    con.execute("DROP TABLE left_keys")
    con.execute("DROP TABLE right_keys")
    only_left, only_right, matched, mismatched, diff_total = con.execute(
        """
        SELECT count(*) FILTER (WHERE right_n IS NULL),
               count(*) FILTER (WHERE left_n IS NULL),
               count(*) FILTER (WHERE left_total = right_total),
               count(*) FILTER (WHERE left_total <> right_total),
               coalesce(sum(left_total - right_total) FILTER (WHERE left_total <> right_total), 0)
        FROM joined
        """
    ).fetchall()[0]
    queries = {
        "differences.csv": """
            SELECT csv_text(key) AS key, left_total AS "left", right_total AS "right",
                   left_total - right_total AS difference
            FROM joined WHERE left_total <> right_total
            ORDER BY abs(left_total - right_total) DESC, key""",
        "only_left.csv": """SELECT csv_text(key) AS key, left_total AS amount, left_n AS "rows"
            FROM joined WHERE right_n IS NULL ORDER BY key""",
        "only_right.csv": """SELECT csv_text(key) AS key, right_total AS amount, right_n AS "rows"
            FROM joined WHERE left_n IS NULL ORDER BY key""",
        "invalid_left.csv": _INVALID_OUT.format(side="left"),
        "invalid_right.csv": _INVALID_OUT.format(side="right"),
        "duplicates_left.csv": """SELECT csv_text(key) AS key, left_n AS "rows", left_total AS total
            FROM joined WHERE left_n > 1 ORDER BY key""",
        "duplicates_right.csv": """SELECT csv_text(key) AS key, right_n AS "rows",
            right_total AS total
            FROM joined WHERE right_n > 1 ORDER BY key""",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for name in OUTPUT_FILES:
        path = out_dir / name
        con.execute(f"COPY ({queries[name]}) TO {sql_literal(str(path))} {_COPY}")
        files[name] = _sha256(path)
    return ReconcileResult(
        left=left,
        right=right,
        only_left=only_left,
        only_right=only_right,
        matched=matched,
        mismatched=mismatched,
        difference_total=int(diff_total),
        out_dir=out_dir,
        files=files,
    )


def _write_summary(
    result: ReconcileResult, left: Ledger, right: Ledger, columns: dict[str, str]
) -> None:
    document = {
        "kind": "reconciliation",
        "engine": engine_version(),
        "parameters": columns,
        "inputs": {"left": left.describe(), "right": right.describe()},
        "summary": result.to_json(),
        "blank_rows": {"left": result.left.blank_rows, "right": result.right.blank_rows},
        "outputs": {name: {"sha256": sha} for name, sha in sorted(result.files.items())},
        "csv_cells": cells.NOTE,
    }
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    result.summary_path.write_bytes(text.encode("utf-8"))
