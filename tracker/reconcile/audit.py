"""Data-completeness audit of a delivered dataset (merchants, users) against a profile.

A profile names the fields the new system needs, the header names each field goes by in
Korean and English deliveries, whether it is required, and how a value is checked
(사업자등록번호 check digit, Korean phone number by libphonenumber's metadata, amount in
won). The audit counts, per field, the rows where it is missing and where it is present but
invalid, with example row numbers;
the keys that occur more than once; and the *usable* rows, whose every required field is
present and valid. Row numbers are those of the original file (the header is row 1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from tracker.errors import ValidationFailed
from tracker.reconcile import sql
from tracker.reconcile.engine import engine_version
from tracker.reconcile.headers import match_header
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

AUDIT_VERSION = "audit/1"
EXAMPLES = 5


@dataclass(frozen=True)
class FieldSpec:
    """One field of a profile: its name, header aliases (priority order), rules."""

    name: str
    aliases: tuple[str, ...]
    required: bool = True
    check: str | None = None  # "brn", "phone" or "amount"
    key: bool = False


PROFILES: dict[str, tuple[FieldSpec, ...]] = {
    "merchants": (
        FieldSpec(
            "merchant_id",
            ("가맹점ID", "가맹점번호", "가맹점코드", "merchant_id", "merchant_no", "id"),
            key=True,
        ),
        FieldSpec("name", ("가맹점명", "상호", "상호명", "merchant_name", "name")),
        FieldSpec(
            "business_reg_no",
            (
                "사업자등록번호",
                "사업자번호",
                "business_reg_no",
                "business_registration_number",
                "brn",
            ),
            check="brn",
        ),
        FieldSpec("representative", ("대표자명", "대표자", "대표자성명", "representative", "ceo")),
        FieldSpec("address", ("주소", "사업장주소", "소재지", "address")),
        FieldSpec("phone", ("전화번호", "연락처", "대표전화", "phone", "tel"), check="phone"),
        FieldSpec("category", ("업종", "업종명", "업태", "category"), required=False),
    ),
    "users": (
        FieldSpec(
            "user_id", ("회원ID", "사용자ID", "회원번호", "user_id", "member_id", "id"), key=True
        ),
        FieldSpec("balance", ("잔액", "보유잔액", "잔여금액", "balance"), check="amount"),
    ),
}


@dataclass(frozen=True)
class FieldReport:
    """Findings for one field; ``column`` is None when the file has no such column."""

    name: str
    column: str | None
    required: bool
    check: str | None
    missing: int
    missing_rows: tuple[int, ...]
    invalid: int
    invalid_examples: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class AuditReport:
    """The audit of one ledger against one profile."""

    profile: str
    input: dict
    rows: int
    blank_rows: int
    fields: tuple[FieldReport, ...]
    duplicate_keys: int
    duplicate_rows: int
    duplicate_examples: tuple[tuple[str, tuple[int, ...]], ...]
    usable_rows: int
    columns: tuple[tuple[str, str | None, int], ...]
    out_path: Path | None = field(default=None, compare=False)

    def to_json(self) -> dict:
        """Exactly the headline figures, for the API and for ``--json``."""
        return {
            "rows": self.rows,
            "missing": {f.name: f.missing for f in self.fields},
            "invalid": {f.name: f.invalid for f in self.fields},
            "duplicate_keys": self.duplicate_keys,
            "usable_rows": self.usable_rows,
        }

    def report_json(self) -> dict:
        """The full report with examples, as written to ``audit.json``."""
        return {
            "kind": "data_audit",
            "engine": {**engine_version(), "algorithm": AUDIT_VERSION},
            "profile": self.profile,
            "input": self.input,
            "summary": self.to_json(),
            "rows": self.rows,
            "blank_rows": self.blank_rows,
            "usable_rows": self.usable_rows,
            "fields": {
                f.name: {
                    "column": f.column,
                    "required": f.required,
                    "check": f.check,
                    "missing": f.missing,
                    "missing_examples": list(f.missing_rows),
                    "invalid": f.invalid,
                    "invalid_examples": [{"row": r, "value": v} for r, v in f.invalid_examples],
                }
                for f in self.fields
            },
            "duplicates": {
                "keys": self.duplicate_keys,
                "rows": self.duplicate_rows,
                "examples": [{"key": k, "rows": list(rows)} for k, rows in self.duplicate_examples],
            },
            "columns": [
                {"name": name, "field": fname, "non_empty": n} for name, fname, n in self.columns
            ],
        }


def resolve_fields(
    ledger: Ledger, profile: str, mapping: dict[str, str] | None
) -> dict[str, str | None]:
    """Map each field of ``profile`` to a column: the user's ``mapping`` first, then aliases.

    Refuses an unknown profile, a mapping for a field the profile lacks, and a mapped column
    that does not exist (the message lists the columns that do). A field with no column maps
    to None and counts as missing on every row.
    """
    if profile not in PROFILES:
        raise ValidationFailed(
            [("profile", f"unknown profile {profile!r}; use one of: {', '.join(PROFILES)}")]
        )
    specs = PROFILES[profile]
    names = [s.name for s in specs]
    chosen: dict[str, str | None] = {}
    for fname, column in (mapping or {}).items():
        if fname not in names:
            raise ValidationFailed(
                [("map", f"profile {profile} has no field {fname!r}; fields: {', '.join(names)}")]
            )
        chosen[fname] = ledger.column(column, field=fname)
    for spec in specs:
        if spec.name in chosen:
            continue
        taken = {c for c in chosen.values() if c}
        free = [h for h in ledger.headers if h not in taken]
        chosen[spec.name] = match_header(free, spec.aliases)
    return {s.name: chosen[s.name] for s in specs}


def audit(
    ledger: Ledger,
    profile: str = "merchants",
    mapping: dict[str, str] | None = None,
    *,
    out_dir: Path | None = None,
    threads: int | None = None,
) -> AuditReport:
    """Audit ``ledger`` against ``profile`` and, when ``out_dir`` is given, write ``audit.json``.

    Guarantees: every non-blank row is counted once in ``rows``; each field's missing and
    invalid counts are disjoint; examples are the lowest row numbers; ``audit.json`` is
    byte-identical on a re-run. Refuses (ValidationFailed) an unknown profile or field,
    a column that does not exist, a CSV DuckDB cannot parse, a file with no data rows.
    """
    columns = resolve_fields(ledger, profile, mapping)
    specs = PROFILES[profile]
    con = connect(threads=threads)
    try:
        with reading(ledger.name):
            report = _run(con, ledger, profile, specs, columns)
    finally:
        con.close()
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "audit.json"
        text = json.dumps(report.report_json(), ensure_ascii=False, indent=2, sort_keys=True)
        path.write_bytes((text + "\n").encode("utf-8"))
        report = replace(report, out_path=path)
    return report


def _prepare_sql(check: str, column: str) -> str:
    """SQL doing a check's regex work once per cell: the BRN's digits, the canonical phone, or
    the amount where its shape is simple (the other amounts are finished by an UPDATE)."""
    if check == "amount":
        return sql.amount_fast_sql(column)
    return f"brn_digits({column})" if check == "brn" else f"phone_digits({column})"


def _check_sql(spec: FieldSpec, i: int) -> str:
    """SQL, over table ``t``, true when field ``i``'s present value passes its check."""
    if spec.check == "brn":
        return f"brn_ok(v{i}, h{i})"
    if spec.check == "phone":
        return f"phone_ok(v{i}, h{i})"
    if spec.check == "amount":
        return f"h{i} IS NOT NULL"
    return "true"


def _load(
    con: duckdb.DuckDBPyConnection,
    ledger: Ledger,
    specs: tuple[FieldSpec, ...],
    columns: dict[str, str | None],
) -> None:
    """Table ``f``: per row its number, whether each column is non-empty, whether the row is
    blank, and per field its trimmed value ``v``, missing flag ``m`` and invalid flag ``bad``."""
    row = sql_ident(ledger.row_column) if ledger.row_column else "NULL::BIGINT"
    values = []
    for i, spec in enumerate(specs):
        col = columns[spec.name]
        values.append(f"{trimmed_sql(sql_ident(col)) if col else sql_literal('')} AS v{i}")
        if spec.check and col:
            values.append(f"{_prepare_sql(spec.check, sql_ident(col))} AS h{i}")
    non_empty = [f"{nonempty_sql(sql_ident(h))} AS ne{j}" for j, h in enumerate(ledger.headers)]
    select = f"""CREATE TEMP TABLE t AS SELECT {row} AS row, {", ".join(values + non_empty)}
        FROM """  # noqa: S608 - identifiers are quoted
    execute_csv(con, lambda source: select + source, ledger.sql_source)
    for i, spec in enumerate(specs):
        if spec.check == "amount" and columns[spec.name]:
            con.execute(
                f"UPDATE t SET h{i} = {sql.amount_sql(f'v{i}')} "  # noqa: S608
                f"WHERE h{i} IS NULL AND v{i} <> ''"
            )
    width = len(ledger.headers)
    flags = [
        "coalesce(row, rowid + 2) AS row",
        f"NOT ({' OR '.join(f'ne{j}' for j in range(width))}) AS blank",
        *(f"ne{j}" for j in range(width)),
    ]
    for i, spec in enumerate(specs):
        ok = _check_sql(spec, i) if columns[spec.name] else "true"
        flags += [f"v{i}", f"v{i} = '' AS m{i}", f"v{i} <> '' AND NOT ({ok}) AS bad{i}"]
    con.execute(f"CREATE TEMP TABLE f AS SELECT {', '.join(flags)} FROM t")  # noqa: S608
    con.execute("DROP TABLE t")


def _run(
    con: duckdb.DuckDBPyConnection,
    ledger: Ledger,
    profile: str,
    specs: tuple[FieldSpec, ...],
    columns: dict[str, str | None],
) -> AuditReport:
    _load(con, ledger, specs, columns)
    width = len(ledger.headers)
    usable = " AND ".join(f"NOT m{i} AND NOT bad{i}" for i, s in enumerate(specs) if s.required)
    aggs = ["count(*)", f"count(*) FILTER (WHERE {usable or 'true'})"]
    for i in range(len(specs)):
        aggs += [
            f"count(*) FILTER (WHERE m{i})",
            f"coalesce(min(row, {EXAMPLES}) FILTER (WHERE m{i}), [])",
            f"count(*) FILTER (WHERE bad{i})",
            f"coalesce(arg_min(v{i}, row, {EXAMPLES}) FILTER (WHERE bad{i}), [])",
            f"coalesce(min(row, {EXAMPLES}) FILTER (WHERE bad{i}), [])",
        ]
    aggs += [f"count(*) FILTER (WHERE ne{j})" for j in range(width)]
    got = list(
        con.execute(f"SELECT {', '.join(aggs)} FROM f WHERE NOT blank").fetchall()[0]  # noqa: S608
    )
    rows, usable_rows = got[0], got[1]
    if rows == 0:
        raise ValidationFailed([("file", f"{ledger.name} has no data rows")])
    (blank,) = con.execute("SELECT count(*) FROM f WHERE blank").fetchall()[0]
    reports = []
    for i, spec in enumerate(specs):
        missing, missing_rows, invalid, bad_values, bad_rows = got[2 + 5 * i : 7 + 5 * i]
        reports.append(
            FieldReport(
                name=spec.name,
                column=columns[spec.name],
                required=spec.required,
                check=spec.check,
                missing=missing,
                missing_rows=tuple(missing_rows),
                invalid=invalid,
                invalid_examples=tuple(zip(bad_rows, bad_values, strict=True)),
            )
        )
    non_empty = got[2 + 5 * len(specs) :]
    field_of = {c: f for f, c in columns.items() if c}
    key_index = next((i for i, s in enumerate(specs) if s.key), None)
    dup_keys, dup_rows, dup_examples = _duplicates(con, key_index)
    return AuditReport(
        profile=profile,
        input=ledger.describe(),
        rows=rows,
        blank_rows=blank + ledger.blank_rows,
        fields=tuple(reports),
        duplicate_keys=dup_keys,
        duplicate_rows=dup_rows,
        duplicate_examples=dup_examples,
        usable_rows=usable_rows,
        columns=tuple(
            (h, field_of.get(h), n) for h, n in zip(ledger.headers, non_empty, strict=True)
        ),
    )


def _duplicates(
    con: duckdb.DuckDBPyConnection, key_index: int | None
) -> tuple[int, int, tuple[tuple[str, tuple[int, ...]], ...]]:
    """Keys on more than one row: how many keys, how many rows, the first few (by key)."""
    if key_index is None:
        return 0, 0, ()
    v = f"v{key_index}"
    con.execute(
        f"""CREATE TEMP TABLE dup AS
            SELECT {v} AS key, count(*) AS n, min(row, {EXAMPLES}) AS rows FROM f
            WHERE NOT blank AND {v} <> '' GROUP BY {v} HAVING count(*) > 1"""  # noqa: S608
    )
    keys, rows = con.execute("SELECT count(*), coalesce(sum(n), 0) FROM dup").fetchall()[0]
    examples = con.execute("SELECT key, rows FROM dup ORDER BY key LIMIT ?", [EXAMPLES]).fetchall()
    return keys, int(rows), tuple((k, tuple(r)) for k, r in examples)
