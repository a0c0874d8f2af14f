"""The app's evidence vault: built once per app from settings, like the database engine.

At start the vault is made sure to be usable by the user the app runs as (a probe file is
written and removed, as an upload would), so a vault the serving user may not write fails the
start with a clear ``ConfigError`` instead of a ``PermissionError`` on the first upload. Temp
files left by killed uploads are removed then too (what was removed is kept for ``verify``).
"""

from __future__ import annotations

import logging
import os
import pwd

from flask import Flask, current_app

from .errors import ConfigError
from .vault.backend import VaultBackend
from .vault.local import LocalVault, TmpSweep

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    settings = app.config["TRACKER"]
    where = f"TRACKER_STORAGE_DIR={settings.storage_dir}"
    try:
        vault = LocalVault(settings.storage_dir, max_bytes=settings.max_upload_mb * 1024 * 1024)
        vault.probe_writable()
    except OSError as exc:
        place = exc.filename or settings.storage_dir
        raise ConfigError(
            f"{where}: the evidence vault is not usable by user {_user()}: {place}: "
            f"{exc.strerror or exc}. Make the directory writable by that user (e.g. chown -R) "
            "or point TRACKER_STORAGE_DIR to one that is."
        ) from None
    sweep = vault.clean_tmp()
    if sweep.removed:
        log.warning(
            "removed %d temp file(s), %d bytes, left in %s by interrupted uploads",
            sweep.removed,
            sweep.bytes,
            vault.tmp_dir,
        )
    app.extensions["tracker.vault"] = vault
    app.extensions["tracker.vault_sweep"] = sweep


def vault() -> VaultBackend:
    return current_app.extensions["tracker.vault"]


def start_sweep() -> TmpSweep:
    """The temp files this process removed from the vault when it started."""
    return current_app.extensions["tracker.vault_sweep"]


def upload_limit() -> int:
    return current_app.config["TRACKER"].max_upload_mb * 1024 * 1024


def _user() -> str:
    uid = os.geteuid()
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"
