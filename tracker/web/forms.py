"""WTForms for every record. Forms parse and report; services decide what is valid."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..services.checks import FIRST_DAY, LAST_DAY, day_in_range
from .labels import choices

REQUIRED = DataRequired(message=_l("This field is required."))
DATE_MSG = _l("Not a valid date (YYYY-MM-DD).")
RANGE_MSG = _l("Give a date between 1900-01-01 and 2999-12-31.")
# The browser's date picker offers only the days the services accept.
DATE_BOUNDS = {"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}


def _in_range(_form, field) -> None:
    if field.data is not None and not day_in_range(field.data):
        raise ValidationError(str(RANGE_MSG))


def required_date(label):
    return DateField(
        label, validators=[REQUIRED, _in_range], format="%Y-%m-%d", render_kw=DATE_BOUNDS
    )


def optional_date(label):
    return DateField(
        label, validators=[Optional(), _in_range], format="%Y-%m-%d", render_kw=DATE_BOUNDS
    )


class TrackerForm(FlaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Services check every choice against the matter (and say which field is wrong);
        # a missing optional select must reach them as "" rather than fail here.
        for field in self:
            if isinstance(field, SelectField):
                field.validate_choice = False

    def payload(self) -> dict:
        """The form's values as service keyword arguments."""
        return {k: v for k, v in self.data.items() if k not in ("csrf_token", "submit")}

    def process_date_errors(self) -> None:
        for field in self:
            if isinstance(field, DateField) and field.errors:
                field.errors = [
                    e if str(e) == str(RANGE_MSG) or "date" not in str(e).lower() else DATE_MSG
                    for e in field.errors
                ]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[REQUIRED, Length(max=254)])
    password = PasswordField(_l("Password"), validators=[REQUIRED])
    remember = BooleanField(_l("Keep me signed in"))


class MatterForm(TrackerForm):
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=64)])
    title = StringField(_l("Title"), validators=[REQUIRED, Length(max=300)])
    kind = SelectField(_l("Kind"))
    status = SelectField(_l("Status"))
    our_side = StringField(_l("Our side"), validators=[Length(max=200)])
    label_scheme = SelectField(_l("Exhibit labels"))
    summary = TextAreaField(_l("Summary"))
    court = StringField(
        _l("Court"), validators=[Length(max=100)], render_kw={"placeholder": "서울중앙지방법원"}
    )
    case_number = StringField(
        _l("Case number"), validators=[Length(max=64)], render_kw={"placeholder": "2022가합12345"}
    )
    case_name = StringField(
        _l("Case name"), validators=[Length(max=200)], render_kw={"placeholder": "정산금 등"}
    )
    procedural_role = SelectField(_l("Our procedural role"))
    criminal_addressee = StringField(
        _l("Criminal complaint addressed to"),
        validators=[Length(max=200)],
        render_kw={"placeholder": "서울중앙지방검찰청 검사장"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices("matter_kind")
        self.status.choices = choices("matter_status")
        self.label_scheme.choices = choices("label_scheme")
        self.procedural_role.choices = choices("procedural_role", blank=_l("Not yet known"))


class PartyForm(TrackerForm):
    name = StringField(_l("Name"), validators=[REQUIRED, Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Length(max=60)])
    role = SelectField(_l("Role"))
    contact = TextAreaField(_l("Contact"))
    address = StringField(_l("Address"), validators=[Length(max=500)])
    representative = StringField(
        _l("Representative"),
        validators=[Length(max=200)],
        render_kw={"placeholder": "대표이사 홍길동"},
    )
    notes = TextAreaField(_l("Notes"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices("party_role")


class MemberForm(TrackerForm):
    email = EmailField(_l("Email"), validators=[REQUIRED])
    role = SelectField(_l("Role"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices("role")


class DemandForm(TrackerForm):
    title = StringField(_l("What we demand"), validators=[REQUIRED, Length(max=300)])
    party_id = SelectField(_l("Of whom"), coerce=str)
    kind = SelectField(_l("Kind"))
    sent_on = required_date(_l("Sent on"))
    channel = SelectField(_l("Channel"))
    due_on = optional_date(_l("Deadline"))
    basis = TextAreaField(_l("Legal basis"))
    notes = TextAreaField(_l("Notes"))

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.party_id.choices = [(str(p.id), p.name) for p in parties]
        self.kind.choices = choices("demand_kind")
        self.channel.choices = choices("channel")


class NewDemandForm(DemandForm):
    items = TextAreaField(
        _l("Items asked for"),
        description=_l("One per line. Add a reference date after '@', e.g. 잔액 @ 2021-12-31"),
    )


class ItemForm(TrackerForm):
    category = StringField(_l("Item"), validators=[REQUIRED, Length(max=300)])
    reference_date = optional_date(_l("Reference date"))
    status = SelectField(_l("Status"))
    notes = TextAreaField(_l("Notes"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = choices("item_status")


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ResponseForm(TrackerForm):
    received_on = required_date(_l("Received on"))
    position = SelectField(_l("Position"))
    channel = SelectField(_l("Channel"))
    item_ids = MultiCheckbox(_l("Items it answers"), coerce=str)
    grounds = TextAreaField(_l("Grounds stated"))
    conditions = TextAreaField(_l("Conditions attached"))
    summary = TextAreaField(_l("Summary"))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.position.choices = choices("position")
        self.channel.choices = choices("channel")
        self.item_ids.choices = list(items)


class CorrespondenceForm(TrackerForm):
    occurred_on = required_date(_l("Date"))
    direction = SelectField(_l("Direction"))
    channel = SelectField(_l("Channel"))
    subject = StringField(_l("Subject"), validators=[REQUIRED, Length(max=500)])
    party_id = SelectField(_l("Party"), coerce=str)
    demand_id = SelectField(_l("Demand"), coerce=str)
    summary = TextAreaField(_l("Summary"))

    def __init__(self, *args, parties=(), demands=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.direction.choices = choices("direction")
        self.channel.choices = choices("channel")
        self.party_id.choices = [("", "—")] + [(str(p.id), p.name) for p in parties]
        self.demand_id.choices = [("", "—")] + [(str(d.id), d.title) for d in demands]


class FactForm(TrackerForm):
    occurred_on = optional_date(_l("Date"))
    precision = SelectField(_l("Date certainty"))
    text = TextAreaField(_l("What happened"), validators=[REQUIRED, Length(max=10000)])
    status = SelectField(_l("Status"))
    sources = StringField(_l("Sources"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.precision.choices = choices("precision")
        self.status.choices = choices("fact_status")


class UserForm(TrackerForm):
    email = EmailField(_l("Email"), validators=[REQUIRED, Length(max=254)])
    name = StringField(_l("Name"), validators=[REQUIRED, Length(max=120)])
    password = PasswordField(_l("Password"), validators=[Optional()])
    locale = SelectField(_l("Language"), choices=[("ko", "한국어"), ("en", "English")])
    is_admin = BooleanField(_l("Site admin (manages accounts)"))
    active = BooleanField(_l("Active"), default=True)


class PasswordForm(TrackerForm):
    current = PasswordField(_l("Current password"), validators=[REQUIRED])
    new = PasswordField(_l("New password"), validators=[REQUIRED])


class EvidenceForm(TrackerForm):
    """What the user records about an exhibit (the 증거설명서 columns and its source)."""

    title = StringField(_l("Title (서증명)"), validators=[Length(max=500)])
    author = StringField(_l("Author (작성자)"), validators=[Length(max=200)])
    made_on = optional_date(_l("Document date (작성일)"))
    is_original = BooleanField(_l("Original (원본)"))
    proves = TextAreaField(_l("What it proves (입증취지)"))
    source_party_id = SelectField(_l("Received from"), coerce=str)
    source_person = StringField(_l("Person"), validators=[Length(max=200)])
    obtained_how = StringField(_l("How obtained"), validators=[Length(max=200)])
    received_on = optional_date(_l("Date received"))
    tags = StringField(_l("Tags"), validators=[Length(max=500)])

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.source_party_id.choices = [("", "—")] + [(str(p.id), p.name) for p in parties]


class UploadForm(TrackerForm):
    source_party_id = SelectField(_l("Received from"), coerce=str)
    source_person = StringField(_l("Person"), validators=[Length(max=200)])
    obtained_how = StringField(_l("How obtained"), validators=[Length(max=200)])
    received_on = optional_date(_l("Date received"))

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.source_party_id.choices = [("", "—")] + [(str(p.id), p.name) for p in parties]


class DeadlineForm(TrackerForm):
    title = StringField(_l("What is due"), validators=[REQUIRED, Length(max=300)])
    kind = SelectField(_l("Kind"))
    owner_id = SelectField(_l("Owner"), coerce=str)
    due_on = StringField(_l("Fixed due date"), render_kw={"type": "date", **DATE_BOUNDS})
    trigger_on = StringField(
        _l("Triggering event on"),
        description=_l("YYYY-MM-DD, or YYYY-MM-DDT00:00 when the period starts at midnight"),
    )
    period = StringField(
        _l("Period"), description=_l("e.g. 10 days, 2 weeks, 1 month, 1 year (10일, 1개월)")
    )
    demand_id = SelectField(_l("Demand"), coerce=str)
    item_id = SelectField(_l("Demand item"), coerce=str)
    response_id = SelectField(_l("Response"), coerce=str)
    schedule = StringField(
        _l("Reminder days before"), description=_l("Default 14,7,3,1,0, then daily while overdue")
    )
    notes = TextAreaField(_l("Notes"))

    def __init__(self, *args, members=(), demands=(), items=(), responses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices("deadline_kind")
        self.owner_id.choices = [("", "—")] + [(str(u.id), u.name) for _m, u in members]
        self.demand_id.choices = [("", "—")] + [(str(d.id), d.title) for d in demands]
        self.item_id.choices = [("", "—")] + [(str(i), text) for i, text in items]
        self.response_id.choices = [("", "—")] + [(str(r), text) for r, text in responses]
