"""Discrepancy evidence: conflicting figures, ledger reconciliations and data audits.

Analyses read exhibits from the vault and store every output file back as an exhibit, with
the SHA-256 of the inputs, the parameters and the engine version in ``summary.json``, so anyone
can re-run them and get the same bytes.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from ..domain.amounts import AmountError, parse_amount
from ..errors import TrackerError, ValidationFailed
from ..models import Analysis, Evidence, Fact, Figure, Matter, Party, User, utcnow
from ..models.enums import Role
from ..vault.backend import VaultBackend
from . import access, audit, evidence, jobstate
from .checks import N_, Checks

METRICS = ("issuance_fee", "outstanding_balance", "merchant_count", "user_count", "other")
UNITS = ("KRW", "count")


# --- figures ---------------------------------------------------------------------------------


def add_figure(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    metric: str,
    reference_date,
    source_party_id,
    value,
    unit: str = "KRW",
    evidence_id=None,
    note: str = "",
) -> Figure:
    """Record one metric as one source reported it. Amounts accept ``1,234,500원`` forms."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    checks = Checks()
    metric = checks.text("metric", metric, max_len=100)
    ref = checks.day("reference_date", reference_date)
    if unit not in UNITS:
        checks.fail("unit", N_("Not a valid choice."))
    number = None
    try:
        number = value if isinstance(value, int) else parse_amount(str(value or ""))
    except AmountError:
        checks.fail("value", N_("Not a readable amount (e.g. 1,234,500원)."))
    party = (
        session.get(Party, int(source_party_id)) if str(source_party_id or "").isdigit() else None
    )
    if party is None or party.matter_id != matter_id:
        checks.fail("source_party_id", N_("Choose a party of this matter."))
    exhibit = None
    if evidence_id not in (None, "", 0, "0"):
        exhibit = session.get(Evidence, int(evidence_id)) if str(evidence_id).isdigit() else None
        if exhibit is None or exhibit.matter_id != matter_id:
            checks.fail("evidence_id", N_("Not a valid choice."))
    checks.done()
    figure = Figure(
        matter_id=matter_id,
        metric=metric,
        reference_date=ref,
        source_party_id=party.id,
        value=number,
        unit=unit,
        evidence_id=exhibit.id if exhibit else None,
        note=note or "",
    )
    session.add(figure)
    audit.created(session, actor, figure, matter_id=matter_id)
    session.commit()
    return figure


@dataclass
class MatrixRow:
    metric: str
    reference_date: object
    unit: str
    values: dict[int, int | None]  # party id → value
    diffs: dict[int, tuple[int, float | None] | None]  # party id → (abs diff, % of baseline)
    flagged: bool
    figures: dict[int, Figure]


def matrix(
    session: Session, matter_id: int, *, baseline: int | None = None, tolerance_pct: float = 0.0
) -> tuple[list[MatrixRow], list[Party], int | None]:
    """Metric × reference date × source, with each source's difference from the baseline
    source (absolute and %), flagged when any difference exceeds the tolerance."""
    figures = list(
        session.exec(
            select(Figure)
            .where(Figure.matter_id == matter_id)
            .order_by(Figure.metric, Figure.reference_date, Figure.id)
        )
    )
    source_ids = sorted({f.source_party_id for f in figures})
    parties = [session.get(Party, pid) for pid in source_ids]
    if baseline not in source_ids:
        baseline = source_ids[0] if source_ids else None
    groups: dict[tuple, dict[int, Figure]] = {}
    for f in figures:
        groups.setdefault((f.metric, f.reference_date, f.unit), {})[f.source_party_id] = f
    rows = []
    for (metric, ref, unit), by_source in groups.items():
        base = by_source.get(baseline)
        diffs: dict[int, tuple[int, float | None] | None] = {}
        flagged = False
        for pid in source_ids:
            fig = by_source.get(pid)
            if fig is None or base is None or pid == baseline:
                diffs[pid] = None
                continue
            delta = fig.value - base.value
            pct = (delta / base.value * 100.0) if base.value else None
            diffs[pid] = (delta, pct)
            if delta != 0 and (pct is None or abs(pct) > tolerance_pct):
                flagged = True
        rows.append(
            MatrixRow(
                metric,
                ref,
                unit,
                {pid: (by_source[pid].value if pid in by_source else None) for pid in source_ids},
                diffs,
                flagged,
                by_source,
            )
        )
    return rows, parties, baseline


def figure_to_fact(
    *, session: Session, actor: User, matter_id: int, metric: str, reference_date
) -> Fact:
    """Turn a disagreement into a disputed chronology fact, citing every source's figure."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    checks = Checks()
    ref = checks.day("reference_date", reference_date)
    checks.done()
    figures = list(
        session.exec(
            select(Figure).where(
                Figure.matter_id == matter_id, Figure.metric == metric, Figure.reference_date == ref
            )
        )
    )
    if len({f.value for f in figures}) < 2:
        raise ValidationFailed([("metric", N_("These figures do not disagree."))])
    parts = []
    for f in figures:
        party = session.get(Party, f.source_party_id)
        unit = "원" if f.unit == "KRW" else "건"
        parts.append(f"{party.short_name or party.name} {f.value:,}{unit}")
    fact = Fact(
        matter_id=matter_id,
        occurred_on=ref,
        precision="day",
        text=f"{ref.isoformat()} 기준 {metric} 보고 금액 불일치: " + ", ".join(parts),
        status="disputed_by_them",
        sources=", ".join(f"figure #{f.id}" for f in figures),
    )
    session.add(fact)
    audit.created(session, actor, fact, matter_id=matter_id)
    session.commit()
    return fact


# --- analyses --------------------------------------------------------------------------------


def _exhibit(session: Session, matter_id: int, evidence_id) -> Evidence:
    item = session.get(Evidence, int(evidence_id)) if str(evidence_id or "").isdigit() else None
    if item is None or item.matter_id != matter_id:
        raise ValidationFailed([("evidence_id", N_("Choose an exhibit of this matter."))])
    return item


def request_reconcile(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    left_evidence_id,
    right_evidence_id,
    key_left: str,
    amount_left: str,
    key_right: str,
    amount_right: str,
    sheet_left: str = "",
    sheet_right: str = "",
    title: str = "",
) -> Analysis:
    """Queue a reconciliation of two exhibits. It runs in the worker, or at once via ``run``."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    left = _exhibit(session, matter_id, left_evidence_id)
    right = _exhibit(session, matter_id, right_evidence_id)
    params = {
        "key_left": key_left,
        "amount_left": amount_left,
        "key_right": key_right,
        "amount_right": amount_right,
        "sheet_left": sheet_left or None,
        "sheet_right": sheet_right or None,
    }
    if not all((key_left, amount_left, key_right, amount_right)):
        raise ValidationFailed(
            [("key_left", N_("Choose the key and amount columns on each side."))]
        )
    analysis = Analysis(
        matter_id=matter_id,
        kind="reconcile",
        title=title or f"{left.display_name} ↔ {right.display_name}",
        left_evidence_id=left.id,
        right_evidence_id=right.id,
        params=json.dumps(params, ensure_ascii=False),
        created_by=audit.Actor.of(actor).label,
    )
    session.add(analysis)
    audit.created(session, actor, analysis, matter_id=matter_id)
    session.commit()
    return analysis


def request_audit(
    *,
    session: Session,
    actor: User,
    matter_id: int,
    evidence_id,
    profile: str,
    mapping: dict | None = None,
    sheet: str = "",
    title: str = "",
) -> Analysis:
    """Queue a data-completeness audit of a delivered dataset (an exhibit)."""
    from ..reconcile import PROFILES

    access.matter_for(session, actor, matter_id, Role.EDITOR)
    item = _exhibit(session, matter_id, evidence_id)
    if profile not in PROFILES:
        raise ValidationFailed([("profile", N_("Not a valid choice."))])
    analysis = Analysis(
        matter_id=matter_id,
        kind="audit",
        title=title or f"{profile}: {item.display_name}",
        left_evidence_id=item.id,
        params=json.dumps(
            {"profile": profile, "mapping": mapping or {}, "sheet": sheet or None},
            ensure_ascii=False,
        ),
        created_by=audit.Actor.of(actor).label,
    )
    session.add(analysis)
    audit.created(session, actor, analysis, matter_id=matter_id)
    session.commit()
    return analysis


def _progress(job: jobstate.Job, analysis_id: int, **values) -> None:
    # A single guarded UPDATE: on SQLite it waits for the lock instead of failing on a snapshot
    # another process made stale (see reminders._finish), and it raises JobStopped once this
    # run no longer holds the row (cancelled, or swept).
    job.set(**values)


def open_exhibit_ledger(vault: VaultBackend, item: Evidence, *, sheet=None, workdir=None):
    """Open an exhibit as a ledger under its original file name (for messages and reports).

    The reader follows the content, so the vault's suffix-less object file is read in place;
    a backend without local files (S3) hands a stream, copied to a temporary file that
    closing the ledger removes.
    """
    from ..reconcile import open_ledger

    hint = vault.path_hint(item.sha256)
    name = item.original_filename or item.display_name
    if hint is not None:
        return open_ledger(hint, name=name, sheet=sheet or None, workdir=workdir)
    with vault.open(item.sha256) as stream:
        return open_ledger(stream, name=name, sheet=sheet or None, workdir=workdir)


def ledger_columns(vault: VaultBackend, item: Evidence, sheet=None) -> tuple[list, dict]:
    """An exhibit's ledger headers and the suggested key and amount columns."""
    from ..reconcile import suggest_columns

    with open_exhibit_ledger(vault, item, sheet=sheet) as ledger:
        headers = list(ledger.headers)
    return headers, suggest_columns(headers)


def run(*, engine: Engine, vault: VaultBackend, analysis_id: int) -> Analysis:
    """Run a queued analysis once and store its outputs as exhibits. One another process runs,
    or one cancelled, is left alone. Any failure is recorded on the analysis (status
    ``failed``, a reason code shown in the reader's language, details in the log), never
    half-stored as exhibits; the row is never left ``running``."""
    job = jobstate.Job(engine, Analysis, analysis_id, "analysis")
    if job.claim():
        with jobstate.running(job):
            _analyse(job, engine=engine, vault=vault, analysis_id=analysis_id)
    with Session(engine, expire_on_commit=False) as s:
        return s.get(Analysis, analysis_id)


def _analyse(job: jobstate.Job, *, engine: Engine, vault: VaultBackend, analysis_id: int):
    from ..reconcile import reconcile
    from ..reconcile.audit import audit as audit_dataset

    with Session(engine, expire_on_commit=False) as s:
        analysis = s.get(Analysis, analysis_id)
        params = json.loads(analysis.params)
        left = s.get(Evidence, analysis.left_evidence_id)
        right = s.get(Evidence, analysis.right_evidence_id) if analysis.right_evidence_id else None
    _progress(job, analysis_id, progress=10)
    workdir = Path(tempfile.mkdtemp(prefix="tracker-analysis-"))
    try:
        out_dir = workdir / "out"
        out_dir.mkdir()
        names = {}
        try:
            if analysis.kind == "reconcile":
                lledger = open_exhibit_ledger(
                    vault, left, sheet=params.get("sheet_left"), workdir=workdir
                )
                rledger = open_exhibit_ledger(
                    vault, right, sheet=params.get("sheet_right"), workdir=workdir
                )
                _progress(job, analysis_id, progress=40)
                result = reconcile(
                    lledger,
                    rledger,
                    key_left=params["key_left"],
                    amount_left=params["amount_left"],
                    key_right=params["key_right"],
                    amount_right=params["amount_right"],
                    out_dir=out_dir,
                )
                summary = result.to_json()
            else:
                ledger = open_exhibit_ledger(
                    vault, left, sheet=params.get("sheet"), workdir=workdir
                )
                _progress(job, analysis_id, progress=40)
                report = audit_dataset(
                    ledger, params["profile"], params.get("mapping") or None, out_dir=out_dir
                )
                summary = report.to_json()
        except TrackerError as err:
            job.fail_on_purpose(err)
            return
        _progress(job, analysis_id, progress=80)
        with Session(engine, expire_on_commit=False) as s:
            job.hold(s)  # first: still ours (not cancelled), and the write lock on SQLite
            row = s.get(Analysis, analysis_id)
            matter = s.get(Matter, row.matter_id)
            actor = audit.Actor(None, f"analysis:{row.id}")
            outputs = {}
            for path in sorted(out_dir.iterdir()):
                stored, _created = evidence._store_one(
                    s,
                    vault,
                    actor,
                    matter,
                    evidence.Upload(
                        f"analysis-{row.id}-{path.name}", io.BytesIO(path.read_bytes())
                    ),
                    {
                        "obtained_how": f"{row.kind} output (analysis #{row.id})",
                        "title": f"{row.title} · {path.name}",
                    },
                    max_bytes=None,
                    parent=s.get(Evidence, row.left_evidence_id),
                )
                outputs[path.name] = stored.id
                names[path.name] = stored.sha256
            row.outputs = json.dumps(outputs)
            row.summary = json.dumps(summary, ensure_ascii=False)
            row.result_evidence_id = outputs.get("summary.json") or outputs.get("audit.json")
            row.status, row.progress, row.finished_at = "done", 100, utcnow()
            s.add(row)
            audit.record(
                s,
                actor=actor,
                action="update",
                entity="Analysis",
                entity_id=row.id,
                matter_id=row.matter_id,
                after={"status": "done", "outputs": names},
            )
            s.commit()
            return row
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def retry(*, session: Session, actor: User, matter_id: int, analysis_id: int) -> Analysis:
    """Queue a failed or cancelled analysis again (editors; audited). The caller starts it."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    access.in_matter(session.get(Analysis, analysis_id), matter_id)
    jobstate.retry(session=session, actor=actor, model=Analysis, row_id=analysis_id)
    return session.get(Analysis, analysis_id)


def cancel(*, session: Session, actor: User, matter_id: int, analysis_id: int) -> Analysis:
    """Stop a queued or running analysis (editors; audited): no output is stored."""
    access.matter_for(session, actor, matter_id, Role.EDITOR)
    access.in_matter(session.get(Analysis, analysis_id), matter_id)
    jobstate.cancel(session=session, actor=actor, model=Analysis, row_id=analysis_id)
    return session.get(Analysis, analysis_id)


def current(*, session: Session, actor: User, matter_id: int, analysis_id: int) -> Analysis:
    """A member's view of an analysis, after checking that one shown as running still has a
    live worker (otherwise it is marked failed now, with the reason)."""
    access.matter_for(session, actor, matter_id)
    row = access.in_matter(session.get(Analysis, analysis_id), matter_id)
    if row.status in jobstate.ACTIVE:
        session.commit()
        if jobstate.sweep(session.get_bind(), only=(Analysis, analysis_id)):
            session.expire_all()
            row = session.get(Analysis, analysis_id)
    return row


def analyses_of(session: Session, matter_id: int) -> list[Analysis]:
    return list(
        session.exec(
            select(Analysis).where(Analysis.matter_id == matter_id).order_by(Analysis.id.desc())
        )
    )


def differences(
    vault: VaultBackend, session: Session, analysis: Analysis, limit: int = 50
) -> list[dict]:
    """The largest differences first, read back from the stored differences.csv exhibit."""
    import csv

    from ..reconcile import cells

    outputs = json.loads(analysis.outputs or "{}")
    item = (
        session.get(Evidence, outputs["differences.csv"]) if "differences.csv" in outputs else None
    )
    if item is None:
        return []
    rows = []
    with vault.open(item.sha256) as fh:
        reader = csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8", newline=""))
        for n, row in enumerate(reader):
            if n >= limit:
                break
            # The CSV guards formula-like keys with a leading ' (reconcile/cells.py); the
            # page shows the true key, escaped as HTML by the template.
            row["key"] = cells.unescape(row["key"])
            rows.append(row)
    return rows
