"""Exhibits: upload, list, describe, label, withdraw, link, view and download."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import db, storage
from ..errors import Conflict, ValidationFailed
from ..models.enums import Role
from ..services import access, demands, evidence, matters, records
from ..vault.names import content_disposition
from .forms import EvidenceForm, UploadForm
from .views import render_form, save, session, user

bp = Blueprint("evidence", __name__, url_prefix="/matters/<int:matter_id>/evidence")

# Stored files are served as data, never as part of our site.
SANDBOX_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@bp.route("/")
@login_required
def index(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    role = access.role_in(session(), user(), matter_id)
    form = UploadForm(parties=matters.parties(session(), matter_id))
    return render_template(
        "evidence/index.html",
        matter=matter,
        items=evidence.list_for_matter(session(), matter_id),
        label=lambda e: evidence.label_of(e, matter.label_scheme),
        form=form,
        can_edit=role in (Role.ADMIN, Role.EDITOR),
        limit_mb=storage.upload_limit() // (1024 * 1024),
    )


@bp.route("/upload", methods=["POST"])
@login_required
def upload(matter_id: int):
    access.matter_for(session(), user(), matter_id, Role.EDITOR)
    form = UploadForm(parties=matters.parties(session(), matter_id))
    files = [f for f in request.files.getlist("files") if f and (f.filename or f.content_length)]
    if not form.validate_on_submit():
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for("evidence.index", matter_id=matter_id))
    try:
        results = evidence.add_files(
            session=session(),
            vault=storage.vault(),
            actor=user(),
            matter_id=matter_id,
            uploads=[evidence.Upload(f.filename or "", f.stream) for f in files],
            max_bytes=storage.upload_limit(),
            **form.payload(),
        )
    except ValidationFailed as err:
        flash(" ".join(_(m) for _f, m in err.errors), "error")
        return redirect(url_for("evidence.index", matter_id=matter_id))
    for r in results:
        if r.error:
            flash(_("%(name)s: not stored. %(why)s", name=r.filename, why=_(r.error)), "error")
        elif not r.created:
            flash(_("%(name)s: already in this matter (same SHA-256).", name=r.filename), "info")
        else:
            flash(_("%(name)s: stored.", name=r.filename), "success")
        for problem in r.problems:
            flash(f"{r.filename}: {problem}", "info")
    return redirect(url_for("evidence.index", matter_id=matter_id))


@bp.route("/<int:evidence_id>", methods=["GET", "POST"])
@login_required
def detail(matter_id: int, evidence_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    item = evidence.get(session(), user(), matter_id, evidence_id)
    role = access.role_in(session(), user(), matter_id)
    parties = matters.parties(session(), matter_id)
    form = EvidenceForm(obj=item, parties=parties)
    if not form.is_submitted():
        form.source_party_id.data = str(item.source_party_id or "")
    done = save(
        form,
        lambda **v: evidence.update(
            session=session(), actor=user(), matter_id=matter_id, evidence_id=evidence_id, **v
        ),
    )
    if done:
        flash(_("Saved."), "success")
        return redirect(url_for("evidence.detail", matter_id=matter_id, evidence_id=evidence_id))
    all_items = evidence.list_for_matter(session(), matter_id)
    produced = evidence.productions(session(), matter_id)
    return render_form(
        "evidence/detail.html",
        form,
        matter=matter,
        item=item,
        label=evidence.label_of(item, matter.label_scheme),
        label_of=lambda e: evidence.label_of(e, matter.label_scheme),
        bundle_labels=_bundle_labels(matter, item),
        produced_in=produced.get(item.id, []),
        frozen_ids=set(produced),
        labelled=[e for e in all_items if e.label_number is not None and e.id != item.id],
        children=[e for e in all_items if e.parent_id == item.id],
        parent=next((e for e in all_items if e.id == item.parent_id), None),
        timeline=evidence.custody_timeline(session(), evidence_id),
        links=evidence.links_of(session(), evidence_id),
        targets=_link_targets(matter_id),
        can_edit=role in (Role.ADMIN, Role.EDITOR),
    )


def _bundle_labels(matter, item) -> list[tuple[str, str]]:
    """How the exhibit's one number prints in each kind of bundle."""
    if item.label_number is None:
        return []
    bundles = [
        (_("Civil"), "civil", "ko"),
        (_("Criminal"), "criminal", "ko"),
        (_("English"), "criminal", "en"),
    ]
    return [
        (name, evidence.label_of(item, evidence.dossier_scheme(matter, purpose, lang)))
        for name, purpose, lang in bundles
    ]


def _frozen_message(err: evidence.LabelFrozen) -> str:
    return _(err.msgid, **err.params)


def _link_targets(matter_id: int) -> dict[str, list[tuple[int, str]]]:
    s = session()
    return {
        "fact": [
            (f.id, f"{f.occurred_on or ''} {f.text[:60]}") for f in records.chronology(s, matter_id)
        ],
        "demand": [(d.id, d.title) for d in demands.demands_of(s, matter_id)],
        "response": [
            (r.id, f"{r.received_on} {r.summary or r.position}")
            for d in demands.demands_of(s, matter_id)
            for r in demands.responses_to(s, d.id)
        ],
        "correspondence": [
            (c.id, f"{c.occurred_on} {c.subject[:60]}")
            for c in records.correspondence_of(s, matter_id)
        ],
    }


def _back(matter_id: int, evidence_id: int):
    return redirect(url_for("evidence.detail", matter_id=matter_id, evidence_id=evidence_id))


def _flash_errors(err: ValidationFailed) -> None:
    flash(" ".join(_(m) for _f, m in err.errors), "error")


@bp.route("/<int:evidence_id>/label", methods=["POST"])
@login_required
def label(matter_id: int, evidence_id: int):
    branch_of = request.form.get("branch_of") or None
    override = bool(request.form.get("override_produced"))
    try:
        item = evidence.mark_for_production(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            evidence_id=evidence_id,
            branch_of=int(branch_of) if branch_of and branch_of.isdigit() else None,
            override_produced=override,
            reason=request.form.get("reason", ""),
        )
        flash(_("Label given."), "success")
        if override and item.label_branch:
            _flash_contradicted(matter_id, [int(branch_of)])
    except ValidationFailed as err:
        _flash_errors(err)
    except evidence.LabelFrozen as err:
        flash(_frozen_message(err), "error")
    except Conflict as err:
        flash(_(err.message), "error")
    return _back(matter_id, evidence_id)


def _flash_contradicted(matter_id: int, evidence_ids: list[int]) -> None:
    """After an override: name the registered dossiers that print the old label."""
    produced = evidence.productions(session(), matter_id, evidence_ids)
    names = ", ".join(p.describe() for rows in produced.values() for p in rows)
    if names:
        flash(
            _(
                "Override recorded. These registered dossiers print the old label: %(dossiers)s.",
                dossiers=names,
            ),
            "info",
        )


@bp.route("/<int:evidence_id>/renumber", methods=["POST"])
@login_required
def renumber(matter_id: int, evidence_id: int):
    form = request.form
    try:
        evidence.renumber(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            evidence_id=evidence_id,
            number=int(form.get("number", "0")) if form.get("number", "").isdigit() else 0,
            branch=int(form.get("branch") or 0) if (form.get("branch") or "0").isdigit() else -1,
            reason=form.get("reason", ""),
            override_produced=bool(form.get("override_produced")),
        )
        flash(_("Label changed."), "success")
        if form.get("override_produced"):
            _flash_contradicted(matter_id, [evidence_id])
    except ValidationFailed as err:
        _flash_errors(err)
    except evidence.LabelFrozen as err:
        flash(_frozen_message(err), "error")
    return _back(matter_id, evidence_id)


@bp.route("/<int:evidence_id>/withdraw", methods=["POST"])
@login_required
def withdraw(matter_id: int, evidence_id: int):
    try:
        evidence.withdraw(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            evidence_id=evidence_id,
            reason=request.form.get("reason", ""),
        )
        flash(_("Exhibit withdrawn. Its bytes and label are kept."), "success")
    except ValidationFailed as err:
        _flash_errors(err)
    except Conflict as err:
        flash(_(err.message), "error")
    return _back(matter_id, evidence_id)


@bp.route("/<int:evidence_id>/link", methods=["POST"])
@login_required
def link(matter_id: int, evidence_id: int):
    target_type, _sep, target_id = request.form.get("target", "").partition(":")
    try:
        evidence.link(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            evidence_id=evidence_id,
            target_type=target_type,
            target_id=target_id,
        )
        flash(_("Linked."), "success")
    except ValidationFailed as err:
        _flash_errors(err)
    return _back(matter_id, evidence_id)


@bp.route("/<int:evidence_id>/unlink", methods=["POST"])
@login_required
def unlink(matter_id: int, evidence_id: int):
    target_type, _sep, target_id = request.form.get("target", "").partition(":")
    evidence.unlink(
        session=session(),
        actor=user(),
        matter_id=matter_id,
        evidence_id=evidence_id,
        target_type=target_type,
        target_id=int(target_id) if target_id.isdigit() else 0,
    )
    return _back(matter_id, evidence_id)


def _send(matter_id: int, evidence_id: int, *, inline: bool) -> Response:
    item = evidence.record_access(
        session=session(),
        actor=user(),
        matter_id=matter_id,
        evidence_id=evidence_id,
        # No purpose from the URL: a crafted link would write its sender's text into the
        # custody record under the name of whoever clicked it.
        kind="viewed" if inline else "downloaded",
    )
    vault = storage.vault()

    def chunks():
        with vault.open(item.sha256) as fh:
            while block := fh.read(1024 * 1024):
                yield block

    # Only types a browser shows without running anything are shown inline; a file whose
    # name claims another type is never previewed.
    media_type = item.media_type if inline else "application/octet-stream"
    response = Response(chunks(), mimetype=media_type, direct_passthrough=True)
    response.headers["Content-Length"] = str(item.size)
    response.headers["Content-Disposition"] = content_disposition(
        item.original_filename, inline=inline
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Evidence-SHA256"] = item.sha256
    return response


@bp.route("/<int:evidence_id>/view")
@login_required
@db.writes  # the custody event is committed before the bytes go out
def view(matter_id: int, evidence_id: int):
    item = evidence.get(session(), user(), matter_id, evidence_id)
    if not item.inline_safe or item.type_mismatch:
        abort(404)
    return _send(matter_id, evidence_id, inline=True)


@bp.route("/<int:evidence_id>/download")
@login_required
@db.writes  # the custody event is committed before the bytes go out
def download(matter_id: int, evidence_id: int):
    return _send(matter_id, evidence_id, inline=False)
