"""Small helpers every blueprint's views share: parse, call one service, render or redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..domain.calendar import kst_today
from ..errors import ValidationFailed
from ..models import utcnow


def session():
    return db.get_session()


def today():
    return kst_today(utcnow())


def user():
    return current_user._get_current_object()


def apply_errors(form, err: ValidationFailed) -> None:
    """Put a service's field errors next to the form fields they belong to."""
    for field, message in err.errors:
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, _(message)]
        else:
            form.form_errors.append(_(message))


def save(form, call: Callable[..., Any], **extra) -> Any | None:
    """Run ``call`` with the form's values when the form was posted and parses; else None."""
    if not form.validate_on_submit():
        if hasattr(form, "process_date_errors"):
            form.process_date_errors()
        return None
    try:
        return call(**{**form.payload(), **extra})
    except ValidationFailed as err:
        apply_errors(form, err)
        return None


def render_form(template: str, form, **context):
    """A form page; 422 when it carries errors, so scripts and tests can tell."""
    has_errors = bool(form.errors) or bool(getattr(form, "form_errors", None))
    return render_template(template, form=form, **context), (422 if has_errors else 200)


def exhibits(matter, target_type: str, target_id: int) -> list[tuple[str, Any]]:
    """(label, exhibit) pairs linked to one record, for the record's page."""
    from ..services import evidence

    return [
        (evidence.label_of(e, matter.label_scheme), e)
        for e in evidence.exhibits_for(session(), matter.id, target_type, target_id)
    ]
