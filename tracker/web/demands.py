"""Demands, their items and responses."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..errors import Conflict, ValidationFailed
from ..models import Demand, DemandItem, Party, Response
from ..models.enums import Role
from ..services import access, audit, demands, matters
from .forms import DemandForm, ItemForm, NewDemandForm, ResponseForm
from .labels import choices
from .views import exhibits, render_form, save, session, today, user

bp = Blueprint("demands", __name__, url_prefix="/matters/<int:matter_id>/demands")


def parse_items(text: str) -> list[demands.ItemInput]:
    """One item per line; ``category @ YYYY-MM-DD`` adds a reference date."""
    items = []
    for line in (text or "").splitlines():
        category, _sep, ref = line.partition("@")
        if category.strip():
            items.append(demands.ItemInput(category.strip(), ref.strip() or None))
    return items


def _item_label(item: DemandItem) -> str:
    if item.reference_date:
        return f"{item.category} ({item.reference_date.isoformat()})"
    return item.category


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id, Role.EDITOR)
    form = NewDemandForm(parties=matters.parties(session(), matter_id))
    demand = save(
        form,
        lambda items, **v: demands.create_demand(
            session=session(), actor=user(), matter_id=matter_id, items=parse_items(items), **v
        ),
    )
    if demand:
        flash(_("Demand recorded."), "success")
        return redirect(url_for("demands.detail", matter_id=matter_id, demand_id=demand.id))
    return render_form("demands/form.html", form, matter=matter, demand=None)


@bp.route("/<int:demand_id>")
@login_required
def detail(matter_id: int, demand_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    demand = access.in_matter(session().get(Demand, demand_id), matter_id)
    role = access.role_in(session(), user(), matter_id)
    rows = [r for r in demands.tracker(session(), matter_id, today()) if r.demand.id == demand_id]
    responses = demands.responses_to(session(), demand_id)
    answered = {r.id: demands.response_item_ids(session(), r.id) for r in responses}
    items = {i.id: i for i in demands.items_of(session(), demand_id)}
    return render_template(
        "demands/detail.html",
        matter=matter,
        demand=demand,
        party=session().get(Party, demand.party_id),
        rows=rows,
        responses=responses,
        answered=answered,
        items=items,
        item_label=_item_label,
        can_edit=role in (Role.ADMIN, Role.EDITOR),
        history=audit.history(session(), entity="Demand", entity_id=demand_id),
        exhibits=exhibits(matter, "demand", demand_id),
        today=today(),
    )


@bp.route("/<int:demand_id>/edit", methods=["GET", "POST"])
@login_required
def edit(matter_id: int, demand_id: int):
    matter = access.matter_for(session(), user(), matter_id, Role.EDITOR)
    demand = access.in_matter(session().get(Demand, demand_id), matter_id)
    form = DemandForm(obj=demand, parties=matters.parties(session(), matter_id))
    if not form.is_submitted():
        form.party_id.data = str(demand.party_id)
    done = save(
        form,
        lambda **v: demands.update_demand(
            session=session(), actor=user(), matter_id=matter_id, demand_id=demand_id, **v
        ),
    )
    if done:
        flash(_("Saved."), "success")
        return redirect(url_for("demands.detail", matter_id=matter_id, demand_id=demand_id))
    return render_form("demands/form.html", form, matter=matter, demand=demand)


@bp.route("/<int:demand_id>/items/new", methods=["POST"])
@login_required
def item_create(matter_id: int, demand_id: int):
    form = ItemForm()
    form.status.data = "outstanding"
    try:
        demands.add_item(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            demand_id=demand_id,
            category=form.category.data,
            reference_date=form.reference_date.raw_data[0]
            if form.reference_date.raw_data
            else None,
        )
        flash(_("Item added."), "success")
    except ValidationFailed as err:
        flash(" ".join(_(m) for _f, m in err.errors), "error")
    return redirect(url_for("demands.detail", matter_id=matter_id, demand_id=demand_id))


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@login_required
def item(matter_id: int, item_id: int):
    """The item's own page: the whole exchange, and its status form for editors."""
    matter = access.matter_for(session(), user(), matter_id)
    item = access.in_matter(session().get(DemandItem, item_id), matter_id)
    role = access.role_in(session(), user(), matter_id)
    form = ItemForm(obj=item)
    done = save(
        form,
        lambda **v: demands.update_item(
            session=session(), actor=user(), matter_id=matter_id, item_id=item_id, **v
        ),
    )
    if done:
        flash(_("Saved."), "success")
        return redirect(url_for("demands.item", matter_id=matter_id, item_id=item_id))
    demand = session().get(Demand, item.demand_id)
    row = next(r for r in demands.tracker(session(), matter_id, today()) if r.item.id == item_id)
    return render_form(
        "demands/item.html",
        form,
        matter=matter,
        item=item,
        demand=demand,
        row=row,
        party=row.party,
        responses=demands.responses_for_item(session(), item_id),
        can_edit=role in (Role.ADMIN, Role.EDITOR),
        history=audit.history(session(), entity="DemandItem", entity_id=item_id),
        today=today(),
    )


@bp.route("/items/<int:item_id>/status", methods=["POST"])
@login_required
def item_status(matter_id: int, item_id: int):
    """htmx: change an item's status from the tracker; answers with the updated row."""
    matter = access.matter_for(session(), user(), matter_id, Role.EDITOR)
    demands.set_item_status(
        session=session(),
        actor=user(),
        matter_id=matter_id,
        item_id=item_id,
        status=request.form.get("status", ""),
    )
    row = next(r for r in demands.tracker(session(), matter_id, today()) if r.item.id == item_id)
    return render_template(
        "matters/_tracker_row.html",
        r=row,
        matter=matter,
        can_edit=True,
        status_choices=choices("item_status"),
    )


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
@login_required
def item_delete(matter_id: int, item_id: int):
    item = access.in_matter(session().get(DemandItem, item_id), matter_id)
    try:
        demands.delete_item(session=session(), actor=user(), matter_id=matter_id, item_id=item_id)
        flash(_("Item removed."), "success")
    except Conflict as err:
        flash(_(err.message), "error")
        return redirect(url_for("demands.item", matter_id=matter_id, item_id=item_id))
    return redirect(url_for("demands.detail", matter_id=matter_id, demand_id=item.demand_id))


def _response_form(demand: Demand, **kwargs) -> ResponseForm:
    items = [(str(i.id), _item_label(i)) for i in demands.items_of(session(), demand.id)]
    return ResponseForm(items=items, **kwargs)


@bp.route("/<int:demand_id>/responses/new", methods=["GET", "POST"])
@login_required
def response_create(matter_id: int, demand_id: int):
    matter = access.matter_for(session(), user(), matter_id, Role.EDITOR)
    demand = access.in_matter(session().get(Demand, demand_id), matter_id)
    form = _response_form(demand)
    if not form.is_submitted():
        form.item_ids.data = [str(i.id) for i in demands.items_of(session(), demand_id)]
    done = save(
        form,
        lambda **v: demands.record_response(
            session=session(), actor=user(), matter_id=matter_id, demand_id=demand_id, **v
        ),
    )
    if done:
        flash(_("Response recorded."), "success")
        return redirect(url_for("demands.detail", matter_id=matter_id, demand_id=demand_id))
    return render_form(
        "demands/response_form.html", form, matter=matter, demand=demand, response=None
    )


@bp.route("/responses/<int:response_id>", methods=["GET", "POST"])
@login_required
def response_edit(matter_id: int, response_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    response = access.in_matter(session().get(Response, response_id), matter_id)
    demand = session().get(Demand, response.demand_id)
    form = _response_form(demand, obj=response)
    if not form.is_submitted():
        form.item_ids.data = [str(i) for i in demands.response_item_ids(session(), response_id)]
    done = save(
        form,
        lambda **v: demands.update_response(
            session=session(), actor=user(), matter_id=matter_id, response_id=response_id, **v
        ),
    )
    if done:
        flash(_("Saved."), "success")
        return redirect(url_for("demands.detail", matter_id=matter_id, demand_id=demand.id))
    return render_form(
        "demands/response_form.html",
        form,
        matter=matter,
        demand=demand,
        response=response,
        can_edit=access.role_in(session(), user(), matter_id) in (Role.ADMIN, Role.EDITOR),
        history=audit.history(session(), entity="Response", entity_id=response_id),
        exhibits=exhibits(matter, "response", response_id),
    )
