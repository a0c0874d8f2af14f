"""Errors the dossier engine raises on purpose. All derive from ``TrackerError``."""

from __future__ import annotations

from tracker.errors import TrackerError, ValidationFailed


class DossierError(TrackerError):
    """The dossier could not be built, signed or verified."""

    status_code = 500


class ContextInvalid(ValidationFailed):
    """The context dict is missing a key or carries a value of the wrong shape."""


class AssetRefused(DossierError):
    """The renderer asked for a resource outside our own fonts, CSS and images."""


class MissingGlyph(DossierError):
    """Some text needs a glyph the shipped Korean font does not have."""


class RenderFailed(DossierError):
    """WeasyPrint reported an error while laying out or drawing a part."""


class ExhibitIntegrityError(DossierError):
    """A stored exhibit is missing, or its bytes no longer match the recorded SHA-256."""


class SigningFailed(DossierError):
    """The PDF could not be signed or timestamped."""
