"""Input checks shared by services. Messages are msgids: the web layer translates them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from ..errors import ValidationFailed


def N_(message: str) -> str:
    """Mark a message for the translation catalog without translating it here."""
    return message


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
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(field, N_("Not a valid date (YYYY-MM-DD)."))
            return None

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
