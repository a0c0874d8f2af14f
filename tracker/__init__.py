"""tracker: a legal dispute evidence and case tracker.

``create_app`` is the only way in: nothing (app, engine, settings) is built at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from .config import Settings

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings → database → web (blueprints, errors) → CLI.

    Raises ``ConfigError`` (naming each bad ``TRACKER_*`` variable, its value and what is
    allowed) before anything is served when a setting cannot work or the vault is not
    writable by this user.
    """
    settings = Settings.from_env(config)
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PACKAGE_DIR / "static"),
        instance_path=str(settings.instance_dir),
    )
    app.config.update(
        TRACKER=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # Served over https: the browser must never send the sign-in cookies in the clear.
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        REMEMBER_COOKIE_SECURE=settings.base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
        WTF_I18N_ENABLED=True,
        # Babel's default is the language of the msgids (English): Flask-Babel falls back to it
        # for untranslated strings. The reader's default (Korean) is chosen in select_locale.
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
    )
    for key, value in settings.extra.items():
        if key.isupper():
            app.config[key] = value

    from . import cli, db, jobs, storage, web

    db.init_app(app)
    from .services import audit

    audit.keep_anchor(app.extensions["tracker.engine"], settings.instance_dir / audit.ANCHOR_FILE)
    storage.init_app(app)
    jobs.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    if settings.proxy_hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only as many hops as there are proxies: a client can forge the headers beyond them.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app
