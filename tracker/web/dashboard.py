"""The first page after sign-in."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from ..services import dashboard, deadlines, evidence, workers
from .views import session, today, user

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@login_required
def index():
    return render_template(
        "dashboard/index.html",
        overview=dashboard.overview(session(), user(), today()),
        integrity=evidence.last_check(session()),
        workers=workers.health(session()),
        deadlines=deadlines.dashboard(session(), user(), today()),
        today=today(),
    )
