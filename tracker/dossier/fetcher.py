"""A WeasyPrint URL fetcher that serves only our own fonts, CSS and images.

Everything else is refused: http(s), ftp, data: URLs, and file:// URLs outside the two asset
roots (after resolving ``..`` and symlinks). A refusal stops the render: the fetcher is built
with ``fail_on_errors=True``, so WeasyPrint raises its ``FatalURLFetchingError`` (a
``BaseException``), which ``render.render_part`` turns into ``AssetRefused``.

Every URL asked for is recorded in ``requested`` so tests can prove what was (not) fetched.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from .errors import AssetRefused

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = REPO_ROOT / "templates" / "dossier"
STATIC_DIR = REPO_ROOT / "tracker" / "static"
ALLOWED_ROOTS: tuple[Path, ...] = (STATIC_DIR.resolve(), TEMPLATE_DIR.resolve())
_ALLOWED_SUFFIXES = {".css", ".ttf", ".otf", ".woff", ".woff2", ".png", ".jpg", ".jpeg", ".svg"}


class LockedFetcher(URLFetcher):
    """Serve ``file://`` URLs under ``ALLOWED_ROOTS`` with an allowed suffix; refuse the rest."""

    def __init__(self, roots: tuple[Path, ...] = ALLOWED_ROOTS) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=True)
        self.roots = tuple(Path(root).resolve() for root in roots)
        self.requested: list[str] = []
        self.refused: list[str] = []

    def resolve(self, url: str) -> Path:
        """The local file ``url`` names, or ``AssetRefused``."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise AssetRefused(f"refused to fetch {url[:200]!r}: not one of our files")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise AssetRefused(f"refused to fetch {url[:200]!r}: outside the dossier assets")
        if path.suffix.lower() not in _ALLOWED_SUFFIXES or not path.is_file():
            raise AssetRefused(f"refused to fetch {url[:200]!r}: not a font, style or image")
        return path

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        self.requested.append(url)
        try:
            path = self.resolve(url)
        except AssetRefused:
            self.refused.append(url)
            raise
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix.lower() == ".ttf":
            media_type = "font/ttf"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": media_type}
        )
