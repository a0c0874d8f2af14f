"""Matters: list, create, the matter page, edit, parties, members, history."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..errors import Conflict
from ..models import Party
from ..models.enums import Role
from ..services import access, audit, deadlines, demands, matters, records
from .forms import MatterForm, MemberForm, PartyForm
from .labels import choices
from .views import render_form, save, session, today, user

bp = Blueprint("matters", __name__, url_prefix="/matters")


@bp.route("/")
@login_required
def index():
    return render_template("matters/index.html", rows=matters.matters_for(session(), user()))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    form = MatterForm()
    matter = save(form, lambda **v: matters.create_matter(session=session(), actor=user(), **v))
    if matter:
        flash(_("Matter %(ref)s created.", ref=matter.reference), "success")
        return redirect(url_for("matters.detail", matter_id=matter.id))
    return render_form("matters/form.html", form, matter=None)


@bp.route("/<int:matter_id>")
@login_required
def detail(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    role = access.role_in(session(), user(), matter_id)
    parties = matters.parties(session(), matter_id)
    return render_template(
        "matters/detail.html",
        matter=matter,
        role=role,
        can_edit=role in (Role.ADMIN, Role.EDITOR),
        parties=parties,
        rows=demands.tracker(session(), matter_id, today()),
        facts=records.chronology(session(), matter_id),
        letters=records.correspondence_of(session(), matter_id),
        party_names={p.id: p.short_name or p.name for p in parties},
        status_choices=choices("item_status"),
        deadlines=deadlines.of_matter(session(), matter_id),
        today=today(),
    )


@bp.route("/<int:matter_id>/edit", methods=["GET", "POST"])
@login_required
def edit(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id, Role.EDITOR)
    form = MatterForm(obj=matter)
    form.reference.render_kw = {"readonly": True}
    done = save(
        form,
        lambda reference=None, **v: matters.update_matter(
            session=session(), actor=user(), matter_id=matter_id, **v
        ),
    )
    if done:
        flash(_("Saved."), "success")
        return redirect(url_for("matters.detail", matter_id=matter_id))
    return render_form(
        "matters/form.html",
        form,
        matter=matter,
        history=audit.history(session(), entity="Matter", entity_id=matter_id),
    )


@bp.route("/<int:matter_id>/parties/new", methods=["GET", "POST"])
@login_required
def party_create(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id, Role.EDITOR)
    form = PartyForm()
    if save(
        form,
        lambda **v: matters.add_party(session=session(), actor=user(), matter_id=matter_id, **v),
    ):
        flash(_("Party added."), "success")
        return redirect(url_for("matters.detail", matter_id=matter_id, _anchor="parties"))
    return render_form("matters/party_form.html", form, matter=matter, party=None)


@bp.route("/<int:matter_id>/parties/<int:party_id>", methods=["GET", "POST"])
@login_required
def party_edit(matter_id: int, party_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    party = access.in_matter(session().get(Party, party_id), matter_id)
    form = PartyForm(obj=party)
    done = save(
        form,
        lambda **v: matters.update_party(
            session=session(), actor=user(), matter_id=matter_id, party_id=party_id, **v
        ),
    )
    if done:
        flash(_("Saved."), "success")
        return redirect(url_for("matters.detail", matter_id=matter_id, _anchor="parties"))
    return render_form(
        "matters/party_form.html",
        form,
        matter=matter,
        party=party,
        can_edit=access.role_in(session(), user(), matter_id) in (Role.ADMIN, Role.EDITOR),
        history=audit.history(session(), entity="Party", entity_id=party_id),
    )


@bp.route("/<int:matter_id>/parties/<int:party_id>/delete", methods=["POST"])
@login_required
def party_delete(matter_id: int, party_id: int):
    try:
        matters.delete_party(
            session=session(), actor=user(), matter_id=matter_id, party_id=party_id
        )
        flash(_("Party removed."), "success")
    except Conflict as err:
        flash(_(err.message), "error")
    return redirect(url_for("matters.detail", matter_id=matter_id, _anchor="parties"))


@bp.route("/<int:matter_id>/members", methods=["GET", "POST"])
@login_required
def members(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id, Role.ADMIN)
    form = MemberForm()
    try:
        done = save(
            form,
            lambda **v: matters.set_member(
                session=session(), actor=user(), matter_id=matter_id, **v
            ),
        )
    except Conflict as err:
        flash(_(err.message), "error")
        done = None
    if done:
        flash(_("Member saved."), "success")
        return redirect(url_for("matters.members", matter_id=matter_id))
    return render_form(
        "matters/members.html", form, matter=matter, members=matters.members(session(), matter_id)
    )


@bp.route("/<int:matter_id>/members/<int:membership_id>/delete", methods=["POST"])
@login_required
def member_delete(matter_id: int, membership_id: int):
    try:
        matters.remove_member(
            session=session(), actor=user(), matter_id=matter_id, membership_id=membership_id
        )
        flash(_("Member removed."), "success")
    except Conflict as err:
        flash(_(err.message), "error")
    return redirect(url_for("matters.members", matter_id=matter_id))


@bp.route("/<int:matter_id>/history")
@login_required
def history(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    return render_template(
        "matters/history.html", matter=matter, history=audit.for_matter(session(), matter_id)
    )
