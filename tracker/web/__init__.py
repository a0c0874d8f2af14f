"""The web layer: extensions, blueprints, error pages, locale and template helpers."""

from __future__ import annotations

import json

from flask import Flask, current_app, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .. import db
from ..domain.calendar import format_day, format_moment
from ..errors import TrackerError, ValidationFailed
from ..models import User
from ..services import users as accounts
from .extensions import babel, csrf, limiter, login_manager
from .labels import label

LOCALES = ("ko", "en")


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.locale
    return current_app.config["TRACKER"].default_locale


# The sign-in form and the language switch are all an anonymous client may post.
ANONYMOUS_BODY_LIMIT = 64 * 1024


def _limit_anonymous_bodies() -> None:
    """Registered before CSRF, whose check reads the whole form: a client that has not signed
    in is refused (413) from the Content-Length alone, before the server reads or spools any
    of a large body."""
    if not current_user.is_authenticated:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        request.max_content_length = min(ANONYMOUS_BODY_LIMIT, limit or ANONYMOUS_BODY_LIMIT)


def init_app(app: Flask) -> None:
    settings = app.config["TRACKER"]
    app.before_request(_limit_anonymous_bodies)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_timezone="Asia/Seoul")
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url or "memory://")
    # Redis down must not stop sign-in: count in this process's memory (Flask-Limiter logs a
    # warning) and go back to Redis once it answers again.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(login_id: str) -> User | None:
        # The id carries the user's session token, so a replaced token (sign-out, password
        # change) refuses old sessions and "remember me" cookies alike.
        session = db.get_session()
        user = accounts.by_login_id(session, login_id)
        # End this first transaction here: on SQLite a write request's transaction holds the
        # writer lock from its first read, and what comes next (CSRF reading a slow upload
        # off the network) must not hold it. The view's first statement begins a new one.
        session.commit()
        return user

    from . import (
        auth,
        correspondence,
        dashboard,
        deadlines,
        demands,
        discrepancies,
        dossiers,
        evidence,
        facts,
        matters,
        users,
    )

    modules = (
        auth,
        dashboard,
        matters,
        demands,
        correspondence,
        facts,
        evidence,
        deadlines,
        discrepancies,
        dossiers,
        users,
    )
    for module in modules:
        app.register_blueprint(module.bp)

    _register_errors(app)
    _register_template_helpers(app)

    @app.after_request
    def _security_headers(response):
        # Evidence responses set their own, stricter headers.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            # Served over https (TRACKER_BASE_URL): browsers refuse plain http from now on.
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def _error_page(status: int, title: str, message: str):
    db.get_session().rollback()
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": title, "message": message}, status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _register_errors(app: Flask) -> None:
    @app.errorhandler(TrackerError)
    def tracker_error(err: TrackerError):
        titles = {
            404: _("Not found"),
            403: _("Not allowed"),
            409: _("Conflict"),
            413: _("Too large"),
            422: _("Check your input"),
        }
        status = err.status_code
        if status == 404:
            message = _("There is no such page, or you do not have access to it.")
        elif status == 403:
            message = _("Your role on this matter does not allow this change.")
        elif isinstance(err, ValidationFailed):
            message = " ".join(_(m) for _f, m in err.errors)
        else:
            message = _(err.message) if err.message else ""
        return _error_page(status, titles.get(status, _("Error")), message)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_err):
        if not current_user.is_authenticated:
            return _error_page(413, _("Too large"), _("Sign in before sending files."))
        limit = app.config["TRACKER"].max_upload_mb
        return _error_page(
            413, _("Too large"), _("The upload is over the limit of %(mb)s MB.", mb=limit)
        )

    @app.errorhandler(CSRFError)
    def csrf_error(_err):
        message = _("The form's security token was missing or expired. Reload and try again.")
        return _error_page(400, _("Form expired"), message)

    @app.errorhandler(429)
    def rate_limited(_err):
        return _error_page(
            429,
            _("Too many attempts"),
            _("Too many failed sign-ins. Wait a few minutes and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if err.code == 404:
            return _error_page(
                404, _("Not found"), _("There is no such page, or you do not have access to it.")
            )
        return _error_page(err.code or 500, err.name, err.description or "")

    @app.errorhandler(500)
    def server_error(_err):
        return _error_page(
            500, _("Something went wrong"), _("Nothing was saved. Please try again.")
        )


def _register_template_helpers(app: Flask) -> None:
    @app.template_filter("day")
    def _day(value):
        return format_day(value, select_locale())

    @app.template_filter("moment")
    def _moment(value):
        return format_moment(value, select_locale())

    @app.template_filter("label")
    def _label(value, kind):
        return label(kind, value)

    @app.template_filter("filesize")
    def _filesize(value):
        size = float(value or 0)
        for unit in ("B", "KB", "MB", "GB"):
            if size < 1024 or unit == "GB":
                return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
            size /= 1024
        return f"{size:.1f} GB"

    @app.template_filter("number")
    def _number(value, sign: bool = False):
        try:
            n = int(str(value).strip())
        except (TypeError, ValueError):
            return value
        return f"{n:+,}" if sign else f"{n:,}"

    @app.template_filter("fromjson")
    def _fromjson(value):
        return json.loads(value) if value else None

    @app.context_processor
    def _globals():
        return {"current_lang": select_locale(), "label": label}
