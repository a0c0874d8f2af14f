"""Command-line entry points: ``reconcile`` and ``audit-data`` (plain click commands).

Register them on the ``tracker`` CLI group with ``group.add_command(reconcile_command)`` and
``group.add_command(audit_data_command)``. They need no Flask app: they read files and write
files. With ``--json`` stdout carries exactly one JSON object; refusals go to stderr with exit
status 2.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import click

from tracker.errors import TrackerError, ValidationFailed
from tracker.reconcile.audit import PROFILES, AuditReport, audit
from tracker.reconcile.engine import ReconcileResult, reconcile
from tracker.reconcile.ledger import Ledger, open_ledger, suggest_columns


class CommandError(click.ClickException):
    """A refusal shown on stderr as ``Error: …`` with exit status 2."""

    exit_code = 2


def _refusal(exc: TrackerError) -> CommandError:
    if isinstance(exc, ValidationFailed):
        lines = [f"{f}: {m}" if f else m for f, m in exc.errors]
        return CommandError("\n".join(lines))
    return CommandError(exc.message or str(exc))


_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


def _pick(ledger: Ledger, given: str | None, guess_of: str, option: str) -> str:
    if given:
        return given
    guessed = suggest_columns(ledger.headers)[guess_of]
    if guessed is None:
        raise ValidationFailed(
            [(option, f"give {option} for {ledger.name}; columns are: {', '.join(ledger.headers)}")]
        )
    return guessed


def _print_json(document: dict) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, sort_keys=False))


@click.command("reconcile")
@click.argument("left", type=_FILE)
@click.argument("right", type=_FILE)
@click.option("--key-left", help="Key column of LEFT (e.g. 회원ID).")
@click.option("--amount-left", help="Amount column of LEFT (e.g. 잔액).")
@click.option("--key-right", help="Key column of RIGHT.")
@click.option("--amount-right", help="Amount column of RIGHT.")
@click.option("--key", help="Key column name shared by both files.")
@click.option("--amount", help="Amount column name shared by both files.")
@click.option("--sheet-left", help="Sheet of LEFT when it is a workbook with several sheets.")
@click.option("--sheet-right", help="Sheet of RIGHT when it is a workbook with several sheets.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the result files (default: ./reconcile-<left>-<right>).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
def reconcile_command(
    left: Path,
    right: Path,
    key_left: str | None,
    amount_left: str | None,
    key_right: str | None,
    amount_right: str | None,
    key: str | None,
    amount: str | None,
    sheet_left: str | None,
    sheet_right: str | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """대조: compare two ledgers key by key (CSV UTF-8/CP949 or XLSX).

    Columns not given are guessed from the headers (회원ID, 가맹점ID, 잔액, 정산금액, …).
    Writes differences.csv, only_left.csv, only_right.csv, invalid_*.csv, duplicates_*.csv and
    summary.json (with SHA-256 of inputs and outputs) to --out.
    """
    try:
        with (
            open_ledger(left, sheet=sheet_left) as lft,
            open_ledger(right, sheet=sheet_right) as rgt,
        ):
            columns = {
                "key_left": _pick(lft, key_left or key, "key", "--key-left"),
                "amount_left": _pick(lft, amount_left or amount, "amount", "--amount-left"),
                "key_right": _pick(rgt, key_right or key, "key", "--key-right"),
                "amount_right": _pick(rgt, amount_right or amount, "amount", "--amount-right"),
            }
            out_dir = out or Path(f"reconcile-{lft.sha256[:8]}-{rgt.sha256[:8]}")
            result = reconcile(lft, rgt, out_dir=out_dir, **columns)
    except TrackerError as exc:
        raise _refusal(exc) from None
    if as_json:
        _print_json(result.to_json())
    else:
        _print_reconciliation(result, left.name, right.name, columns)


def _n(value: int) -> str:
    return f"{value:,}"


def _pad(text: str, width: int, *, right: bool = False) -> str:
    """Pad to a terminal width, counting Hangul and other wide characters as two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    fill = " " * max(width - shown, 0)
    return fill + text if right else text + fill


def _print_reconciliation(
    result: ReconcileResult, left: str, right: str, columns: dict[str, str]
) -> None:
    echo = click.echo
    echo("대조 결과 / Reconciliation")
    echo(f"  왼쪽 left   : {left}  [key {columns['key_left']}, amount {columns['amount_left']}]")
    echo(f"  오른쪽 right: {right}  [key {columns['key_right']}, amount {columns['amount_right']}]")
    echo("")
    rows = (
        ("행 rows", "rows"),
        ("키 keys", "keys"),
        ("합계 total (원)", "total"),
        ("오류 행 invalid rows", "invalid_rows"),
        ("중복 키 duplicate keys", "duplicate_keys"),
    )
    echo(f"  {_pad('', 26)}{_pad('left', 18, right=True)}{_pad('right', 18, right=True)}")
    for label, attr in rows:
        lv, rv = getattr(result.left, attr), getattr(result.right, attr)
        echo(f"  {_pad(label, 26)}{_pad(_n(lv), 18, right=True)}{_pad(_n(rv), 18, right=True)}")
    echo("")
    for label, value in (
        ("일치 matched", _n(result.matched)),
        ("불일치 mismatched", _n(result.mismatched)),
        ("왼쪽만 only left", _n(result.only_left)),
        ("오른쪽만 only right", _n(result.only_right)),
        ("차액 합계 left − right", f"{_n(result.difference_total)}원 (over mismatched keys)"),
    ):
        echo(f"  {_pad(label, 26)}{value}")
    echo("")
    echo(f"  결과 파일 files: {result.out_dir}/ (summary.json lists their SHA-256)")


def _parse_map(items: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        fname, sep, column = item.partition("=")
        if not sep or not fname.strip() or not column.strip():
            raise ValidationFailed([("map", f"--map takes FIELD=COLUMN, got {item!r}")])
        mapping[fname.strip()] = column.strip()
    return mapping


@click.command("audit-data")
@click.argument("file", type=_FILE)
@click.option("--profile", type=click.Choice(sorted(PROFILES)), required=True)
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Use COLUMN for FIELD (repeatable), e.g. --map business_reg_no=사업자번호.",
)
@click.option("--sheet", help="Sheet to read when FILE is a workbook with several sheets.")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Write audit.json here."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
def audit_data_command(
    file: Path,
    profile: str,
    mappings: tuple[str, ...],
    sheet: str | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """자료 점검: audit a delivered dataset for missing and invalid fields.

    Profiles: merchants (가맹점ID, 가맹점명, 사업자등록번호, 대표자명, 주소, 전화번호, 업종) and
    users (회원ID, 잔액). Columns are found by their usual names; --map overrides.
    """
    try:
        mapping = _parse_map(mappings)
        with open_ledger(file, sheet=sheet) as ledger:
            report = audit(ledger, profile, mapping or None, out_dir=out)
    except TrackerError as exc:
        raise _refusal(exc) from None
    if as_json:
        _print_json(report.to_json())
    else:
        _print_audit(report, file.name)


def _print_audit(report: AuditReport, name: str) -> None:
    echo = click.echo
    share = report.usable_rows / report.rows if report.rows else 0.0
    echo(f"자료 점검 / Data audit: {name} (profile {report.profile})")
    echo(f"  행 rows: {_n(report.rows)}   사용 가능 usable: {_n(report.usable_rows)} ({share:.1%})")
    echo(
        f"  중복 키 duplicate keys: {_n(report.duplicate_keys)} ({_n(report.duplicate_rows)} rows)"
    )
    echo("")
    head = _pad("field", 28) + _pad("column", 20)
    echo(f"  {head}{_pad('누락 missing', 14, right=True)}{_pad('오류 invalid', 14, right=True)}")
    for f in report.fields:
        name = f.name if f.required else f"{f.name} (optional)"
        cells = _pad(name, 28) + _pad(f.column or "(없음 absent)", 20)
        echo(f"  {cells}{_pad(_n(f.missing), 14, right=True)}{_pad(_n(f.invalid), 14, right=True)}")
        if f.missing_rows and f.column:
            echo(f"      누락 missing e.g. rows {', '.join(map(str, f.missing_rows))}")
        if f.invalid_examples:
            shown = ", ".join(f"{r} ({v!r})" for r, v in f.invalid_examples)
            echo(f"      오류 invalid e.g. rows {shown}")
    if report.out_path:
        echo("")
        echo(f"  보고서 report: {report.out_path}")


COMMANDS = (reconcile_command, audit_data_command)
