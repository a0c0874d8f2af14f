"""The app's evidence vault: built once per app from settings, like the database engine."""

from __future__ import annotations

from flask import Flask, current_app

from .vault.backend import VaultBackend
from .vault.local import LocalVault


def init_app(app: Flask) -> None:
    settings = app.config["TRACKER"]
    app.extensions["tracker.vault"] = LocalVault(
        settings.storage_dir, max_bytes=settings.max_upload_mb * 1024 * 1024
    )


def vault() -> VaultBackend:
    return current_app.extensions["tracker.vault"]


def upload_limit() -> int:
    return current_app.config["TRACKER"].max_upload_mb * 1024 * 1024
