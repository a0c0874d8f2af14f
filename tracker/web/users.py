"""Accounts: the site admin's list and forms, and everyone's own password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user

from ..errors import Conflict, NotFound, ValidationFailed
from ..models import User
from ..services import users
from .forms import PasswordForm, UserForm
from .views import apply_errors, render_form, save, session, user

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.route("/")
@login_required
def index():
    return render_template(
        "users/index.html", users=users.list_users(session=session(), actor=user())
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    users.list_users(session=session(), actor=user())  # site admins only
    form = UserForm()
    try:
        made = save(
            form,
            lambda active=True, **v: users.create_user(session=session(), actor=user(), **v),
        )
    except Conflict as err:
        form.email.errors = [_(err.message)]
        made = None
    if made:
        flash(_("Account %(email)s created.", email=made.email), "success")
        return redirect(url_for("users.index"))
    return render_form("users/form.html", form, account=None)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit(user_id: int):
    users.list_users(session=session(), actor=user())
    account = session().get(User, user_id)
    if account is None:
        raise NotFound("user")
    form = UserForm(obj=account)
    done = save(
        form,
        lambda name, is_admin, active, **_v: users.update_user(
            session=session(),
            actor=user(),
            user_id=user_id,
            name=name,
            is_admin=is_admin,
            active=active,
        ),
    )
    if done:
        flash(_("Saved."), "success")
        return redirect(url_for("users.index"))
    return render_form("users/form.html", form, account=account)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(
                session=session(), user=user(), current=form.current.data, new=form.new.data
            )
            # The change ended every sign-in; this browser signs in again with the new token.
            cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user(), remember=cookie in request.cookies)
            flash(_("Password changed."), "success")
            return redirect(url_for("dashboard.index"))
        except ValidationFailed as err:
            apply_errors(form, err)
    return render_form("users/password.html", form)
