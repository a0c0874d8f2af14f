"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..services import users
from .extensions import limiter
from .forms import LoginForm
from .views import session as db_session

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the dashboard."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("dashboard.index")


def _login_limit() -> str:
    return current_app.config["TRACKER"].login_limit


def _login_key() -> str:
    """Failed sign-ins count per account and client address: one person's typos do not lock
    out colleagues behind the same proxy, and guessing one account's password still stops.
    The address is the client's as ProxyFix saw it (TRACKER_PROXY_HOPS)."""
    try:
        email = (request.form.get("email") or "").strip().lower()[:254]
    except RequestEntityTooLarge:
        # Refused anyway (413); raising here would make the limiter think its storage died.
        email = ""
    return f"login:{request.remote_addr or ''}:{email}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_limit,
    key_func=_login_key,
    methods=["POST"],
    deduct_when=lambda r: r.status_code != 302,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = users.authenticate(
            session=db_session(), email=form.email.data, password=form.password.data
        )
        if user is not None:
            session.clear()
            login_user(user, remember=form.remember.data)
            session["lang"] = user.locale
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = [_("Wrong email or password.")]
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    users.sign_out_everywhere(session=db_session(), user=current_user._get_current_object())
    # Clear first: logout_user leaves the note that makes Flask-Login delete the remember
    # cookie, and clearing after it dropped that note.
    session.clear()
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code in ("ko", "en"):
        session["lang"] = code
        if current_user.is_authenticated:
            users.set_locale(session=db_session(), user=current_user, locale=code)
    return redirect(_safe_next(request.form.get("next")))
