"""Input checks shared by services. Messages are msgids: the web layer translates them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from ..errors import ValidationFailed


def N_(message: str) -> str:
    """Mark a message for the translation catalog without translating it here."""
    return message


# Dates the app accepts: wide enough for any matter, and far enough from Python's year 9999
# that adding a period, a day for 24:00 or reminder days never leaves the calendar.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
DAY_RANGE = N_("Give a date between 1900-01-01 and 2999-12-31.")


def day_in_range(day: date) -> bool:
    """Whether ``day`` (a date, or a datetime's own calendar day) is one the app accepts."""
    return FIRST_DAY <= (day.date() if isinstance(day, datetime) else day) <= LAST_DAY


class Checks:
    """Collect every field error, then raise them together."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def fail(self, field: str, message: str) -> None:
        self.errors.append((field, message))

    def text(self, field: str, value: Any, *, required: bool = True, max_len: int = 0) -> str:
        value = (value or "").strip() if isinstance(value, str | type(None)) else str(value)
        if required and not value:
            self.fail(field, N_("This field is required."))
        elif max_len and len(value) > max_len:
            self.fail(field, N_("Too long."))
        if "\x00" in value:
            self.fail(field, N_("Contains a NUL character."))
        return value

    def choice(self, field: str, value: Any, enum: type[StrEnum], *, default=None) -> str:
        if (value is None or value == "") and default is not None:
            return str(default)
        try:
            return enum(value).value
        except ValueError:
            self.fail(field, N_("Not a valid choice."))
            return ""

    def day(self, field: str, value: Any, *, required: bool = True) -> date | None:
        if value is None or value == "":
            if required:
                self.fail(field, N_("This field is required."))
            return None
        if isinstance(value, date):
            day = value
        else:
            try:
                day = date.fromisoformat(str(value).strip())
            except ValueError:
                self.fail(field, N_("Not a valid date (YYYY-MM-DD)."))
                return None
        if not day_in_range(day):
            self.fail(field, DAY_RANGE)
            return None
        return day

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
