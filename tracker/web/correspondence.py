"""Correspondence: every letter, email, meeting and call, in or out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..models import Correspondence
from ..models.enums import Role
from ..services import access, audit, demands, evidence, matters, records
from .forms import CorrespondenceForm
from .views import exhibits, render_form, save, session, user

bp = Blueprint("correspondence", __name__, url_prefix="/matters/<int:matter_id>/correspondence")


def _form(matter_id: int, **kwargs) -> CorrespondenceForm:
    return CorrespondenceForm(
        parties=matters.parties(session(), matter_id),
        demands=demands.demands_of(session(), matter_id),
        **kwargs,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id, Role.EDITOR)
    form = _form(matter_id)
    if save(
        form,
        lambda **v: records.add_correspondence(
            session=session(), actor=user(), matter_id=matter_id, **v
        ),
    ):
        flash(_("Correspondence logged."), "success")
        return redirect(url_for("matters.detail", matter_id=matter_id, _anchor="correspondence"))
    return render_form("correspondence/form.html", form, matter=matter, entry=None)


@bp.route("/<int:entry_id>", methods=["GET", "POST"])
@login_required
def edit(matter_id: int, entry_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    entry = access.in_matter(session().get(Correspondence, entry_id), matter_id)
    form = _form(matter_id, obj=entry)
    if not form.is_submitted():
        form.party_id.data = str(entry.party_id or "")
        form.demand_id.data = str(entry.demand_id or "")
    done = save(
        form,
        lambda **v: records.update_correspondence(
            session=session(), actor=user(), matter_id=matter_id, entry_id=entry_id, **v
        ),
    )
    if done:
        flash(_("Saved."), "success")
        return redirect(url_for("matters.detail", matter_id=matter_id, _anchor="correspondence"))
    return render_form(
        "correspondence/form.html",
        form,
        matter=matter,
        entry=entry,
        can_edit=access.role_in(session(), user(), matter_id) in (Role.ADMIN, Role.EDITOR),
        history=audit.history(session(), entity="Correspondence", entity_id=entry_id),
        exhibits=exhibits(matter, "correspondence", entry_id),
        attachments=[
            (row, item, evidence.label_of(item, matter.label_scheme) if item else "")
            for row, item in evidence.attachments_of(session(), matter_id, entry_id)
        ],
    )
