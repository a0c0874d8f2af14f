"""Chronology facts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..models import Fact
from ..models.enums import Role
from ..services import access, audit, records
from .forms import FactForm
from .views import exhibits, render_form, save, session, user

bp = Blueprint("facts", __name__, url_prefix="/matters/<int:matter_id>/facts")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id, Role.EDITOR)
    form = FactForm()
    if save(
        form,
        lambda **v: records.add_fact(session=session(), actor=user(), matter_id=matter_id, **v),
    ):
        flash(_("Fact added to the chronology."), "success")
        return redirect(url_for("matters.detail", matter_id=matter_id, _anchor="chronology"))
    return render_form("facts/form.html", form, matter=matter, fact=None)


@bp.route("/<int:fact_id>", methods=["GET", "POST"])
@login_required
def edit(matter_id: int, fact_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    fact = access.in_matter(session().get(Fact, fact_id), matter_id)
    form = FactForm(obj=fact)
    done = save(
        form,
        lambda **v: records.update_fact(
            session=session(), actor=user(), matter_id=matter_id, fact_id=fact_id, **v
        ),
    )
    if done:
        flash(_("Saved."), "success")
        return redirect(url_for("matters.detail", matter_id=matter_id, _anchor="chronology"))
    return render_form(
        "facts/form.html",
        form,
        matter=matter,
        fact=fact,
        can_edit=access.role_in(session(), user(), matter_id) in (Role.ADMIN, Role.EDITOR),
        history=audit.history(session(), entity="Fact", entity_id=fact_id),
        exhibits=exhibits(matter, "fact", fact_id),
    )


@bp.route("/<int:fact_id>/delete", methods=["POST"])
@login_required
def delete(matter_id: int, fact_id: int):
    records.delete_fact(session=session(), actor=user(), matter_id=matter_id, fact_id=fact_id)
    flash(_("Fact deleted."), "success")
    return redirect(url_for("matters.detail", matter_id=matter_id, _anchor="chronology"))
