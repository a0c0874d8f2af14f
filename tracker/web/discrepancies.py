"""Discrepancies: the figure matrix, ledger reconciliations and data audits."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import jobs, storage
from ..errors import Conflict, TrackerError, ValidationFailed
from ..models import Evidence
from ..models.enums import Role
from ..services import access, discrepancies, evidence, matters
from .views import session, user

bp = Blueprint("discrepancies", __name__, url_prefix="/matters/<int:matter_id>/discrepancies")


def _errors(err: ValidationFailed) -> None:
    flash(" ".join(_(m) for _f, m in err.errors), "error")


@bp.route("/")
@login_required
def index(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    role = access.role_in(session(), user(), matter_id)
    baseline = request.args.get("baseline", type=int)
    tolerance = request.args.get("tolerance", default=0.0, type=float)
    rows, sources, baseline = discrepancies.matrix(
        session(), matter_id, baseline=baseline, tolerance_pct=tolerance
    )
    return render_template(
        "discrepancies/index.html",
        matter=matter,
        rows=rows,
        sources=sources,
        baseline=baseline,
        tolerance=tolerance,
        parties=matters.parties(session(), matter_id),
        exhibits=evidence.list_for_matter(session(), matter_id, include_withdrawn=False),
        analyses=discrepancies.analyses_of(session(), matter_id),
        can_edit=role in (Role.ADMIN, Role.EDITOR),
        profiles=("merchants", "users"),
    )


@bp.route("/figures", methods=["POST"])
@login_required
def add_figure(matter_id: int):
    form = request.form
    try:
        discrepancies.add_figure(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            metric=form.get("metric", ""),
            reference_date=form.get("reference_date", ""),
            source_party_id=form.get("source_party_id"),
            value=form.get("value", ""),
            unit=form.get("unit", "KRW"),
            evidence_id=form.get("evidence_id"),
            note=form.get("note", ""),
        )
        flash(_("Figure recorded."), "success")
    except ValidationFailed as err:
        _errors(err)
    return redirect(url_for("discrepancies.index", matter_id=matter_id))


@bp.route("/to-fact", methods=["POST"])
@login_required
def to_fact(matter_id: int):
    try:
        fact = discrepancies.figure_to_fact(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            metric=request.form.get("metric", ""),
            reference_date=request.form.get("reference_date", ""),
        )
        flash(_("Added to the chronology as a disputed fact."), "success")
        return redirect(url_for("facts.edit", matter_id=matter_id, fact_id=fact.id))
    except ValidationFailed as err:
        _errors(err)
    return redirect(url_for("discrepancies.index", matter_id=matter_id))


def _uploaded_or_chosen(matter_id: int, side: str) -> int | None:
    upload = request.files.get(f"{side}_file")
    if upload and upload.filename:
        result = evidence.add_files(
            session=session(),
            vault=storage.vault(),
            actor=user(),
            matter_id=matter_id,
            uploads=[evidence.Upload(upload.filename, upload.stream)],
            max_bytes=storage.upload_limit(),
            import_email=False,
        )[0]
        if result.error:
            raise ValidationFailed([(f"{side}_file", result.error)])
        return result.evidence.id
    chosen = request.form.get(f"{side}_evidence_id", "")
    return int(chosen) if chosen.isdigit() else None


def _headers(item: Evidence, sheet: str | None):
    return discrepancies.ledger_columns(storage.vault(), item, sheet or None)


@bp.route("/reconcile", methods=["POST"])
@login_required
def reconcile(matter_id: int):
    """Step 1 picks or uploads the two ledgers; step 2 (this page again) picks the columns,
    with suggestions from Korean or English headers; then the run starts."""
    matter = access.matter_for(session(), user(), matter_id, Role.EDITOR)
    form = request.form
    try:
        left_id = _uploaded_or_chosen(matter_id, "left")
        right_id = _uploaded_or_chosen(matter_id, "right")
        if not left_id or not right_id:
            raise ValidationFailed([("left", _("Choose or upload a ledger on each side."))])
        left = discrepancies._exhibit(session(), matter_id, left_id)
        right = discrepancies._exhibit(session(), matter_id, right_id)
        if form.get("key_left") and form.get("amount_left"):
            analysis = discrepancies.request_reconcile(
                session=session(),
                actor=user(),
                matter_id=matter_id,
                left_evidence_id=left.id,
                right_evidence_id=right.id,
                key_left=form["key_left"],
                amount_left=form["amount_left"],
                key_right=form.get("key_right", ""),
                amount_right=form.get("amount_right", ""),
                sheet_left=form.get("sheet_left", ""),
                sheet_right=form.get("sheet_right", ""),
            )
            where = jobs.start_analysis(analysis.id)
            flash(
                _("Reconciliation started.") if where == "worker" else _("Reconciliation done."),
                "success",
            )
            return redirect(
                url_for("discrepancies.analysis", matter_id=matter_id, analysis_id=analysis.id)
            )
        left_headers, left_guess = _headers(left, form.get("sheet_left"))
        right_headers, right_guess = _headers(right, form.get("sheet_right"))
    except TrackerError as err:
        if isinstance(err, ValidationFailed):
            _errors(err)
        else:
            flash(err.message, "error")
        return redirect(url_for("discrepancies.index", matter_id=matter_id))
    return render_template(
        "discrepancies/columns.html",
        matter=matter,
        left=left,
        right=right,
        left_headers=left_headers,
        right_headers=right_headers,
        left_guess=left_guess,
        right_guess=right_guess,
        sheet_left=form.get("sheet_left", ""),
        sheet_right=form.get("sheet_right", ""),
    )


@bp.route("/audit", methods=["POST"])
@login_required
def audit_data(matter_id: int):
    form = request.form
    mapping = {}
    for line in form.get("mapping", "").splitlines():
        field, sep, column = line.partition("=")
        if sep and field.strip() and column.strip():
            mapping[field.strip()] = column.strip()
    try:
        item_id = _uploaded_or_chosen(matter_id, "left")
        analysis = discrepancies.request_audit(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            evidence_id=item_id,
            profile=form.get("profile", ""),
            mapping=mapping,
            sheet=form.get("sheet_left", ""),
        )
    except ValidationFailed as err:
        _errors(err)
        return redirect(url_for("discrepancies.index", matter_id=matter_id))
    jobs.start_analysis(analysis.id)
    return redirect(url_for("discrepancies.analysis", matter_id=matter_id, analysis_id=analysis.id))


@bp.route("/analyses/<int:analysis_id>")
@login_required
def analysis(matter_id: int, analysis_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    row = discrepancies.current(
        session=session(), actor=user(), matter_id=matter_id, analysis_id=analysis_id
    )
    template = (
        "discrepancies/_progress.html"
        if request.headers.get("HX-Request")
        else "discrepancies/analysis.html"
    )
    outputs = {
        name: session().get(Evidence, eid) for name, eid in json.loads(row.outputs or "{}").items()
    }
    return render_template(
        template,
        matter=matter,
        analysis=row,
        summary=json.loads(row.summary or "{}"),
        outputs=outputs,
        largest=discrepancies.differences(storage.vault(), session(), row)
        if row.status == "done" and row.kind == "reconcile"
        else [],
        left=session().get(Evidence, row.left_evidence_id),
        right=session().get(Evidence, row.right_evidence_id) if row.right_evidence_id else None,
        report=_report(outputs) if row.kind == "audit" and row.status == "done" else None,
        can_edit=access.role_in(session(), user(), matter_id) in (Role.ADMIN, Role.EDITOR),
    )


@bp.route("/analyses/<int:analysis_id>/retry", methods=["POST"])
@login_required
def retry(matter_id: int, analysis_id: int):
    try:
        discrepancies.retry(
            session=session(), actor=user(), matter_id=matter_id, analysis_id=analysis_id
        )
    except Conflict as err:
        flash(_(err.message), "error")
    else:
        jobs.start_analysis(analysis_id)
    return redirect(url_for("discrepancies.analysis", matter_id=matter_id, analysis_id=analysis_id))


@bp.route("/analyses/<int:analysis_id>/cancel", methods=["POST"])
@login_required
def cancel(matter_id: int, analysis_id: int):
    try:
        discrepancies.cancel(
            session=session(), actor=user(), matter_id=matter_id, analysis_id=analysis_id
        )
        flash(_("Cancelled."), "success")
    except Conflict as err:
        flash(_(err.message), "error")
    return redirect(url_for("discrepancies.analysis", matter_id=matter_id, analysis_id=analysis_id))


def _report(outputs: dict) -> dict | None:
    item = outputs.get("audit.json")
    if item is None:
        return None
    with storage.vault().open(item.sha256) as fh:
        return json.loads(fh.read().decode("utf-8"))
