"""Deadlines: the list and form, a deadline's page (trace, status, extensions, reminders),
the matter's .ics download, each user's private calendar feed, and ad-hoc holidays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

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
from flask_login import current_user, login_required

from ..errors import Conflict, ValidationFailed
from ..mail.ics import calendar, deadline_event
from ..models import Deadline
from ..models.enums import Role
from ..services import access, audit, deadlines, demands, evidence, matters, users
from . import select_locale
from .forms import DeadlineForm
from .views import render_form, save, session, today, user

bp = Blueprint("deadlines", __name__)


def _form(matter_id: int, **kwargs) -> DeadlineForm:
    rows = demands.tracker(session(), matter_id, today())
    return DeadlineForm(
        members=matters.members(session(), matter_id),
        demands=demands.demands_of(session(), matter_id),
        items=[(r.item.id, f"{r.item.category} · {r.demand.title[:30]}") for r in rows],
        responses=[
            (resp.id, f"{resp.received_on} {resp.summary or resp.position}"[:60])
            for d in demands.demands_of(session(), matter_id)
            for resp in demands.responses_to(session(), d.id)
        ],
        **kwargs,
    )


@bp.route("/matters/<int:matter_id>/deadlines/new", methods=["GET", "POST"])
@login_required
def create(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id, Role.EDITOR)
    form = _form(matter_id)
    if not form.is_submitted():
        form.owner_id.data = str(user().id)
        form.demand_id.data = request.args.get("demand_id", "")
        form.item_id.data = request.args.get("item_id", "")
    deadline = save(
        form,
        lambda **v: deadlines.create_deadline(
            session=session(), actor=user(), matter_id=matter_id, **v
        ),
    )
    if deadline:
        flash(_("Deadline recorded: due %(day)s.", day=deadline.due_on.isoformat()), "success")
        return redirect(url_for("deadlines.detail", matter_id=matter_id, deadline_id=deadline.id))
    return render_form("deadlines/form.html", form, matter=matter, deadline=None)


@bp.route("/deadlines/compute", methods=["POST"])
@login_required
def compute():
    """htmx: preview a computed due date and its trace while the form is filled in."""
    trigger, period = request.form.get("trigger_on", ""), request.form.get("period", "")
    if not trigger or not period:
        return ""
    try:
        due = deadlines.compute(session(), trigger, period)
    except ValidationFailed as err:
        return render_template("deadlines/_trace.html", errors=[m for _f, m in err.errors])
    return render_template(
        "deadlines/_trace.html", due=due.due, trace=[s.to_json() for s in due.trace]
    )


@bp.route("/matters/<int:matter_id>/deadlines/<int:deadline_id>", methods=["GET", "POST"])
@login_required
def detail(matter_id: int, deadline_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    deadline = access.in_matter(session().get(Deadline, deadline_id), matter_id)
    role = access.role_in(session(), user(), matter_id)
    form = _form(matter_id, obj=deadline)
    if not form.is_submitted():
        form.owner_id.data = str(deadline.owner_id or "")
        form.demand_id.data = str(deadline.demand_id or "")
        form.due_on.data = deadline.due_on.isoformat()
    done = save(
        form,
        lambda title, kind, owner_id, schedule, notes, **_v: deadlines.update_deadline(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            deadline_id=deadline_id,
            title=title,
            kind=kind,
            owner_id=owner_id,
            schedule=schedule,
            notes=notes,
        ),
    )
    if done:
        flash(_("Saved."), "success")
        return redirect(url_for("deadlines.detail", matter_id=matter_id, deadline_id=deadline_id))
    members = matters.members(session(), matter_id)
    return render_form(
        "deadlines/detail.html",
        form,
        matter=matter,
        deadline=deadline,
        days_left=(deadline.due_on - today()).days,
        trace=deadlines.trace_of(deadline),
        period_text=deadlines.period_text(deadline, select_locale()),
        extensions=deadlines.extensions_of(session(), deadline_id),
        reminders=deadlines.reminders_of(session(), deadline_id),
        members=members,
        names={u.id: u.name for _m, u in members},
        watchers=deadlines.watcher_ids(session(), deadline_id),
        responses=[
            r
            for d in demands.demands_of(session(), matter_id)
            for r in demands.responses_to(session(), d.id)
        ],
        exhibits=evidence.list_for_matter(session(), matter_id, include_withdrawn=False),
        can_edit=role in (Role.ADMIN, Role.EDITOR),
        history=audit.history(session(), entity="Deadline", entity_id=deadline_id),
    )


def _back(matter_id: int, deadline_id: int):
    return redirect(url_for("deadlines.detail", matter_id=matter_id, deadline_id=deadline_id))


def _flash(err: ValidationFailed) -> None:
    flash(" ".join(_(m) for _f, m in err.errors), "error")


@bp.route("/matters/<int:matter_id>/deadlines/<int:deadline_id>/status", methods=["POST"])
@login_required
def status(matter_id: int, deadline_id: int):
    try:
        deadlines.set_status(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            deadline_id=deadline_id,
            status=request.form.get("status", ""),
            note=request.form.get("note", ""),
            met_by_response_id=request.form.get("met_by_response_id"),
            met_by_evidence_id=request.form.get("met_by_evidence_id"),
        )
        flash(_("Status saved."), "success")
    except ValidationFailed as err:
        _flash(err)
    return _back(matter_id, deadline_id)


@bp.route("/matters/<int:matter_id>/deadlines/<int:deadline_id>/extend", methods=["POST"])
@login_required
def extend(matter_id: int, deadline_id: int):
    try:
        deadlines.extend(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            deadline_id=deadline_id,
            new_due_on=request.form.get("new_due_on", ""),
            reason=request.form.get("reason", ""),
        )
        flash(_("Deadline moved. Remaining reminders follow the new date."), "success")
    except ValidationFailed as err:
        _flash(err)
    except Conflict as err:
        flash(_(err.message), "error")
    return _back(matter_id, deadline_id)


@bp.route("/matters/<int:matter_id>/deadlines/<int:deadline_id>/watchers", methods=["POST"])
@login_required
def watchers(matter_id: int, deadline_id: int):
    try:
        deadlines.set_watchers(
            session=session(),
            actor=user(),
            matter_id=matter_id,
            deadline_id=deadline_id,
            user_ids=request.form.getlist("watchers"),
        )
        flash(_("Watchers saved."), "success")
    except ValidationFailed as err:
        _flash(err)
    return _back(matter_id, deadline_id)


# --- calendar --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    deadline_id: int
    matter_reference: str
    title: str
    due_on: date
    url: str
    sequence: int
    kind: str


def _ics(rows, name: str) -> Response:
    base = current_app.config["TRACKER"].base_url.rstrip("/")
    domain = urlsplit(base).hostname or "tracker"
    events = [
        deadline_event(
            _Event(
                d.id,
                m.reference,
                d.title,
                d.due_on,
                f"{base}/matters/{m.id}/deadlines/{d.id}",
                d.sequence,
                d.kind,
            ),
            uid_domain=domain,
            status="CANCELLED" if d.status == "cancelled" else "CONFIRMED",
        )
        for d, m in rows
    ]
    body = calendar(events, name=name)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/matters/<int:matter_id>/deadlines.ics")
@login_required
def matter_ics(matter_id: int):
    matter = access.matter_for(session(), user(), matter_id)
    response = _ics(
        [(d, matter) for d in deadlines.of_matter(session(), matter_id)],
        f"{matter.reference} {matter.title}",
    )
    response.headers["Content-Disposition"] = f"attachment; filename=deadlines-{matter.id}.ics"
    return response


@bp.route("/calendar/<token>.ics")
def feed(token: str):
    """The private feed: no sign-in, the secret URL is the key. Wrong or revoked: 404."""
    owner = users.by_feed_token(session(), token)
    return _ics(deadlines.for_user(session(), owner), f"tracker · {owner.name}")


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
def calendar_page():
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            users.revoke_feed_token(session=session(), user=user())
            flash(_("The calendar feed address was revoked."), "success")
        else:
            users.issue_feed_token(session=session(), user=user())
            flash(
                _("A new calendar feed address was made; the old one no longer works."), "success"
            )
        return redirect(url_for("deadlines.calendar_page"))
    token = current_user.feed_token
    base = current_app.config["TRACKER"].base_url.rstrip("/")
    return render_template(
        "deadlines/calendar.html", feed_url=f"{base}/calendar/{token}.ics" if token else None
    )


@bp.route("/holidays", methods=["GET", "POST"])
@login_required
def holidays():
    if request.method == "POST":
        try:
            deadlines.add_holiday(
                session=session(),
                actor=user(),
                day=request.form.get("day"),
                name=request.form.get("name"),
            )
            flash(_("Holiday added. New computations count it."), "success")
        except ValidationFailed as err:
            _flash(err)
        return redirect(url_for("deadlines.holidays"))
    return render_template("deadlines/holidays.html", holidays=deadlines.holidays(session()))
