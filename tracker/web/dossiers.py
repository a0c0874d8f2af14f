"""Dossiers: the build form, progress, the list of past dossiers, download and verify."""

from __future__ import annotations

import json
from datetime import date

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from .. import db, jobs, storage
from ..errors import Conflict, ValidationFailed
from ..models.enums import Role
from ..services import access, court_papers, dossiers, evidence, jobstate
from ..services.checks import DAY_RANGE, day_in_range
from .views import session, user

bp = Blueprint("dossiers", __name__, url_prefix="/matters/<int:matter_id>/dossiers")

SECTIONS = (
    "summary",
    "chronology",
    "demands",
    "deadlines",
    "correspondence",
    "discrepancies",
    "evidence_statement",
    "custody",
)


@bp.route("/", methods=["GET", "POST"])
@login_required
def index(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    if request.method == "POST":
        form = request.form
        try:
            row = dossiers.request_build(
                session=session(),
                actor=user(),
                matter_id=matter_id,
                purpose=form.get("purpose", ""),
                lang=form.get("lang", "ko"),
                sections=form.getlist("sections") or None,
                date_from=_day(form.get("date_from")),
                date_to=_day(form.get("date_to")),
                evidence_ids=[int(x) for x in form.getlist("evidence_ids") if x.isdigit()] or None,
            )
        except ValidationFailed as err:
            flash(" ".join(_(m) for _f, m in err.errors), "error")
            return redirect(url_for("dossiers.index", matter_id=matter_id))
        jobs.start_dossier(row.id)
        return redirect(url_for("dossiers.detail", matter_id=matter_id, dossier_id=row.id))
    labelled = [
        e
        for e in evidence.list_for_matter(session(), matter_id, include_withdrawn=False)
        if e.label_number is not None
    ]
    return render_template(
        "dossiers/index.html",
        matter=matter,
        can_build=access.may_change(session(), user(), matter_id),
        rows=dossiers.of_matter(session(), matter_id),
        exhibits=[(evidence.label_of(e, matter.label_scheme), e) for e in labelled],
        sections=SECTIONS,
    )


def _day(text: str | None) -> date | None:
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        raise ValidationFailed([("date_from", "Not a valid date (YYYY-MM-DD).")]) from None
    if day is not None and not day_in_range(day):
        raise ValidationFailed([("date_from", DAY_RANGE)])
    return day


@bp.app_template_global("job_reason")
def job_reason(row) -> str:
    """Why a dossier or analysis failed, in the reader's language."""
    return jobstate.reason(row)


@bp.route("/<int:dossier_id>")
@login_required
def detail(matter_id: int, dossier_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    row = dossiers.current(
        session=session(), actor=user(), matter_id=matter_id, dossier_id=dossier_id
    )
    template = (
        "dossiers/_progress.html" if request.headers.get("HX-Request") else "dossiers/detail.html"
    )
    return render_template(
        template,
        matter=matter,
        dossier=row,
        inside=json.loads(row.exhibits or "[]"),
        can_edit=access.role_in(session(), user(), matter_id) in (Role.ADMIN, Role.EDITOR),
        warnings=court_papers.of_dossier(row),
    )


@bp.route("/<int:dossier_id>/retry", methods=["POST"])
@login_required
def retry(matter_id: int, dossier_id: int):
    try:
        row = dossiers.retry(
            session=session(), actor=user(), matter_id=matter_id, dossier_id=dossier_id
        )
    except Conflict as err:
        flash(_(err.message), "error")
    else:
        jobs.start_dossier(row.id)
    return redirect(url_for("dossiers.detail", matter_id=matter_id, dossier_id=dossier_id))


@bp.route("/<int:dossier_id>/cancel", methods=["POST"])
@login_required
def cancel(matter_id: int, dossier_id: int):
    try:
        dossiers.cancel(session=session(), actor=user(), matter_id=matter_id, dossier_id=dossier_id)
        flash(_("Cancelled."), "success")
    except Conflict as err:
        flash(_(err.message), "error")
    return redirect(url_for("dossiers.detail", matter_id=matter_id, dossier_id=dossier_id))


@bp.route("/<int:dossier_id>/download")
@login_required
@db.writes  # a custody event on every exhibit inside, committed before the bytes go out
def download(matter_id: int, dossier_id: int):
    row = dossiers.record_download(
        session=session(), actor=user(), matter_id=matter_id, dossier_id=dossier_id
    )
    vault = storage.vault()

    def chunks():
        with vault.open(row.sha256) as fh:
            while block := fh.read(1024 * 1024):
                yield block

    response = Response(chunks(), mimetype="application/pdf", direct_passthrough=True)
    response.headers["Content-Length"] = str(row.size)
    response.headers["Content-Disposition"] = (
        f"attachment; filename={row.id}.pdf; filename*=UTF-8''{_quote(row.number)}.pdf"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@bp.route("/verify", methods=["POST"])
@login_required
def verify(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    upload = request.files.get("pdf")
    if not upload or not upload.filename:
        flash(_("Choose a PDF to verify."), "error")
        return redirect(url_for("dossiers.index", matter_id=matter_id))
    report = dossiers.verify_file(session(), upload.read(), current_app.config["TRACKER"])
    if report["dossier"] and report["dossier"]["matter_id"] != matter_id:
        report["dossier"] = {"number": "(another matter)"}
    return render_template(
        "dossiers/verify.html", matter=matter, report=report, filename=upload.filename
    )
