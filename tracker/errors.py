"""One root error type. Services raise these; the web and CLI layers map them to answers.

Services never raise HTTP errors: a ``NotFound`` becomes a 404 page in the browser, a JSON
error in the API and a non-zero exit in the CLI.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Root of every error the tracker raises on purpose."""

    status_code = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(TrackerError):
    """Input was refused. ``errors`` pairs a field name (or ``""``) with a message."""

    status_code = 422

    def __init__(self, errors: list[tuple[str, str]] | str, message: str = "") -> None:
        if isinstance(errors, str):
            errors = [("", errors)]
        self.errors = list(errors)
        super().__init__(message or "; ".join(m for _, m in self.errors))

    def for_field(self, field: str) -> list[str]:
        return [m for f, m in self.errors if f == field]


class NotFound(TrackerError):
    status_code = 404


class Forbidden(TrackerError):
    status_code = 403


class Conflict(TrackerError):
    status_code = 409


class TooLarge(TrackerError):
    status_code = 413


class ConfigError(TrackerError):
    """A setting that cannot work, found at start before anything is served or written.

    ``problems`` holds one sentence per bad setting, each naming the variable, its value
    (secrets hidden) and what is allowed; the CLI prints them and exits 2.
    """

    status_code = 500

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
