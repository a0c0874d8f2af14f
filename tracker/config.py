"""Settings from ``TRACKER_*`` environment variables.

Defaults put everything under one instance directory, so a fresh clone runs with no set-up:
the SQLite database, the evidence vault and the generated secret key all live there.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"TRACKER_{name}")
    return value if value not in (None, "") else default


def _secret_key(instance_dir: Path) -> str:
    """Read the key kept in the instance dir, or make one once and keep it (mode 600)."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


@dataclass
class Settings:
    instance_dir: Path
    database_url: str
    storage_dir: Path
    secret_key: str
    base_url: str = "http://127.0.0.1:5000"
    max_upload_mb: int = 1024
    redis_url: str | None = None
    login_limit: str = "5 per 15 minutes"
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted.
    proxy_hops: int = 0
    default_locale: str = "ko"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: str = "none"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "tracker <tracker@localhost>"
    sign_pkcs12: str | None = None
    sign_passphrase: str | None = None
    sign_tsa_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, overrides: dict[str, Any] | None = None) -> Settings:
        overrides = dict(overrides or {})
        instance_dir = Path(
            overrides.pop("instance_dir", None) or _env("INSTANCE_DIR", "instance")
        ).resolve()
        instance_dir.mkdir(parents=True, exist_ok=True)
        database_url = overrides.pop("database_url", None) or _env(
            "DATABASE_URL", f"sqlite:///{instance_dir / 'tracker.db'}"
        )
        storage_dir = Path(
            overrides.pop("storage_dir", None) or _env("STORAGE_DIR", str(instance_dir / "vault"))
        )
        secret_key = (
            overrides.pop("secret_key", None) or _env("SECRET_KEY") or _secret_key(instance_dir)
        )
        settings = cls(
            instance_dir=instance_dir,
            database_url=database_url,
            storage_dir=storage_dir,
            secret_key=secret_key,
            base_url=_env("BASE_URL", "http://127.0.0.1:5000"),
            max_upload_mb=int(_env("MAX_UPLOAD_MB", "1024")),
            redis_url=_env("REDIS_URL"),
            login_limit=_env("LOGIN_LIMIT", "5 per 15 minutes"),
            proxy_hops=int(_env("PROXY_HOPS", "0")),
            default_locale=_env("DEFAULT_LOCALE", "ko"),
            smtp_host=_env("SMTP_HOST"),
            smtp_port=int(_env("SMTP_PORT", "25")),
            smtp_security=_env("SMTP_SECURITY", "none"),
            smtp_user=_env("SMTP_USER"),
            smtp_password=_env("SMTP_PASSWORD"),
            smtp_sender=_env("SMTP_SENDER", "tracker <tracker@localhost>"),
            sign_pkcs12=_env("SIGN_PKCS12"),
            sign_passphrase=_env("SIGN_PASSPHRASE"),
            sign_tsa_url=_env("SIGN_TSA_URL"),
        )
        for key, value in overrides.items():
            if hasattr(settings, key):
                setattr(settings, key, value)
            else:
                settings.extra[key] = value
        return settings
