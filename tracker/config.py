"""Settings from ``TRACKER_*`` environment variables, checked once at start.

Defaults put everything under one instance directory, so a fresh clone runs with no set-up:
the SQLite database, the evidence vault and the generated secret key all live there.

Every variable is checked when the settings are read: a value that could not work (a port that
is not a number, a URL that does not parse, ``TRACKER_SMTP_SECURITY=tls``, a misspelt
variable name) stops the start with one :class:`~tracker.errors.ConfigError` that names each
bad variable, its value and what is allowed, instead of failing later at the first upload,
e-mail or sign-in.

Adding a setting: add a field with its default to :class:`Settings`; it is read from
``TRACKER_<FIELD NAME>``. Its type says how it is checked (``int``: a whole number ≥ 0,
``str``: any text, ``Path``: a path); when that is not enough, add a parser to ``PARSERS``.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

PREFIX = "TRACKER_"

#: ``TRACKER_*`` variables that are not settings of the app but are read elsewhere.
OTHER_VARIABLES = {
    "TRACKER_USER": "the CLI's acting user",
    "TRACKER_TEST_DATABASE_URL": "the PostgreSQL server the tests also run against",
}

SMTP_SECURITY = ("none", "starttls", "ssl")


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"{PREFIX}{name}")
    return value if value not in (None, "") else default


def default_base_url(host: str, port: int) -> str:
    """The root URL of a server listening on ``host``:``port`` (``http://127.0.0.1:5000``):
    what links in e-mails, feeds and CLI output point to when ``TRACKER_BASE_URL`` is unset."""
    host = host.strip()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port}"


def follow_serve_address(
    settings: Settings, host: str, port: int, environ: dict[str, str] | None = None
) -> str:
    """For ``tracker serve --host H --port P``: unless ``TRACKER_BASE_URL`` is set, links point
    to http://H:P, in this process (``settings.base_url``) and in every child it starts (the
    worker, web worker processes), through ``TRACKER_BASE_URL`` exported to the environment.
    Returns the base URL in force."""
    environ = os.environ if environ is None else environ
    if (environ.get(f"{PREFIX}BASE_URL") or "").strip():
        return settings.base_url
    settings.host, settings.port = host, port
    settings.base_url = default_base_url(host, port)
    environ[f"{PREFIX}BASE_URL"] = settings.base_url
    return settings.base_url


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
    secret_key: str = field(repr=False)
    #: Where ``tracker serve`` listens by default; links follow it unless BASE_URL is set.
    host: str = "127.0.0.1"
    port: int = 5000
    base_url: str = ""  # from_env fills in default_base_url(host, port)
    max_upload_mb: int = 1024
    #: Rows of each CSV/XLSX table printed in a dossier (the whole file is attached).
    dossier_data_rows: int = 200
    redis_url: str | None = None
    login_limit: str = "5 per 15 minutes"
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted.
    proxy_hops: int = 0
    default_locale: str = "ko"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: str = "none"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_sender: str = "tracker <tracker@localhost>"
    sign_pkcs12: str | None = None
    sign_passphrase: str | None = field(default=None, repr=False)
    sign_tsa_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(
        cls, overrides: dict[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Read and check every ``TRACKER_*`` variable of ``environ`` (``os.environ``).

        ``overrides`` (field names, or upper-case Flask config keys kept in ``extra``) win over
        the environment and are taken as given: they come from code, not from an operator.
        Raises ``ConfigError`` listing every problem found, never only the first.
        """
        environ = os.environ if environ is None else environ
        overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        reader = _Reader(environ)
        values: dict[str, Any] = {}
        for f in _setting_fields():
            if f.name in overrides:
                values[f.name] = overrides.pop(f.name)
            else:
                value = reader.read(f.name, _parser(f))
                if value is not None:
                    values[f.name] = value
        instance_dir = Path(values.get("instance_dir") or "instance").resolve()
        values["instance_dir"] = instance_dir
        reader.check(
            "instance_dir", instance_dir, _usable_dir, given="instance_dir" in reader.given
        )
        values.setdefault("database_url", f"sqlite:///{instance_dir / 'tracker.db'}")
        values["storage_dir"] = Path(values.get("storage_dir") or instance_dir / "vault")
        reader.check("storage_dir", values["storage_dir"], _not_a_file, given=True)
        host, port = values.get("host", cls.host), values.get("port", cls.port)
        values.setdefault("base_url", default_base_url(host, port))
        _check_smtp(reader, values)
        reader.unknown_variables(_known_variables())
        if reader.problems:
            raise ConfigError(reader.problems)
        if "secret_key" not in values:
            values["secret_key"] = _secret_key(instance_dir)
        settings = cls(**values)
        for key, value in overrides.items():
            settings.extra[key] = value
        return settings


def _setting_fields() -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(Settings) if f.name != "extra"]


def _known_variables() -> list[str]:
    return sorted([PREFIX + f.name.upper() for f in _setting_fields()] + list(OTHER_VARIABLES))


# -- reading and reporting -----------------------------------------------------------------------

SECRETS = frozenset({"secret_key", "smtp_password", "sign_passphrase"})


class _Reader:
    """Reads variables and collects one sentence per problem."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []
        self.given: set[str] = set()

    def read(self, name: str, parse: Callable[[str], Any]) -> Any:
        raw = self.environ.get(PREFIX + name.upper())
        if raw is None or raw.strip() == "":
            return None  # unset or empty: the default
        self.given.add(name)
        try:
            return parse(raw.strip())
        except ValueError as exc:
            self.fail(name, raw, str(exc))
            return None

    def check(self, name: str, value: Any, test: Callable[[Any], None], *, given: bool) -> None:
        try:
            test(value)
        except ValueError as exc:
            shown = str(value) if given else f"{value} (the default)"
            self.problems.append(f"{PREFIX}{name.upper()}={shown}: {exc}")

    def fail(self, name: str, raw: str | None, allowed: str) -> None:
        self.problems.append(f"{PREFIX}{name.upper()}={_shown(name, raw)}: {allowed}")

    def unknown_variables(self, known: list[str]) -> None:
        for name in sorted(self.environ):
            if not name.startswith(PREFIX) or name in known:
                continue
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.problems.append(
                f"{name} is not a tracker setting{hint}; the settings are: {', '.join(known)}"
            )


def _shown(name: str, raw: str | None) -> str:
    if raw is None:
        return "(unset)"
    if name in SECRETS:
        return "(hidden)"
    # A URL may carry a password: user:secret@host → user:***@host.
    return repr(re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", raw))


# -- parsers: each returns the value or raises ValueError saying what is allowed -----------------


def _whole_number(low: int = 0, high: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        allowed = f"a whole number from {low}" + (f" to {high}" if high is not None else " up")
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            raise ValueError(f"not a whole number; allowed: {allowed}") from None
        if value < low or (high is not None and value > high):
            raise ValueError(f"out of range; allowed: {allowed}")
        return value

    return parse


def _text(raw: str) -> str:
    if "\x00" in raw:
        raise ValueError("contains a NUL character")
    return raw


def _path(raw: str) -> Path:
    return Path(_text(raw)).expanduser()


def _http_url(raw: str) -> str:
    allowed = "an http:// or https:// URL with a host, e.g. https://tracker.example.org"
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"not a URL; allowed: {allowed}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not allowed; use {allowed}")
    if parts.query or parts.fragment:
        raise ValueError(f"has a query or fragment; use {allowed}")
    return raw


def _database_url(raw: str) -> str:
    from sqlalchemy.engine import make_url

    allowed = "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
    try:
        url = make_url(raw)
        url.port  # noqa: B018
    except Exception:  # SQLAlchemy raises ArgumentError, ValueError or a plugin error
        raise ValueError(f"not a database URL; allowed: {allowed}") from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "sqlite":
        if url.database and url.database != ":memory:":
            parent = Path(url.database).expanduser().resolve().parent
            if not parent.is_dir():
                raise ValueError(f"the directory {parent} does not exist")
        return raw
    if backend in ("postgresql", "postgres"):
        if driver != "psycopg":
            raise ValueError(
                "PostgreSQL is reached through psycopg 3: write postgresql+psycopg://…"
            )
        if not url.host and "host" not in url.query:
            raise ValueError(f"names no host; allowed: {allowed}")
        return raw
    raise ValueError(f"the tracker runs on SQLite or PostgreSQL; allowed: {allowed}")


def _redis_url(raw: str) -> str:
    allowed = "redis://HOST[:PORT]/DB, rediss://… (TLS) or unix:///PATH"
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018
    except ValueError:
        raise ValueError(f"not a URL; allowed: {allowed}") from None
    if parts.scheme in ("redis", "rediss") and parts.hostname:
        db = parts.path.strip("/")
        if db and not db.isdigit():
            raise ValueError(f"the database after the host must be a number; allowed: {allowed}")
        return raw
    if parts.scheme == "unix" and parts.path:
        return raw
    raise ValueError(f"not a Redis URL; allowed: {allowed}")


def _login_limit(raw: str) -> str:
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        raise ValueError(
            "not a rate limit; allowed: Flask-Limiter syntax, e.g. '5 per 15 minutes' or "
            "'5/minute;50/day'"
        ) from None
    return raw


def _locale(raw: str) -> str:
    if raw not in ("ko", "en"):
        raise ValueError("allowed: ko or en")
    return raw


def _host(raw: str) -> str:
    allowed = "a host name or IP address, e.g. smtp.example.org (no scheme, no port)"
    if re.search(r"\s|/|@", raw):
        raise ValueError(f"not a host; allowed: {allowed}")
    if ":" in raw:
        try:
            ipaddress.IPv6Address(raw.strip("[]"))
        except ValueError:
            raise ValueError(f"not a host (put a port in its own variable); {allowed}") from None
    return raw


def _smtp_security(raw: str) -> str:
    value = raw.lower()
    if value == "tls":
        raise ValueError(
            "'tls' is ambiguous; allowed: ssl (TLS from the first byte, usually port 465), "
            "starttls (upgrade to TLS, usually port 587) or none (no encryption)"
        )
    if value not in SMTP_SECURITY:
        raise ValueError("allowed: none, starttls or ssl")
    return value


def _mailbox(raw: str) -> str:
    from .mail.addresses import parse_mailbox

    try:
        parse_mailbox(raw)
    except ValueError:
        raise ValueError(
            "not an e-mail sender; allowed: an address, optionally with a name, e.g. "
            "'tracker <tracker@example.org>'"
        ) from None
    return raw


def _certificate(raw: str) -> str:
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ValueError("no such file; allowed: the path of a PKCS#12 (.p12) file")
    if not os.access(path, os.R_OK):
        raise ValueError("the file is not readable by this user")
    return raw


#: How a field is read when its type alone does not say.
PARSERS: dict[str, Callable[[str], Any]] = {
    "host": _host,
    "port": _whole_number(1, 65535),
    "base_url": _http_url,
    "database_url": _database_url,
    "max_upload_mb": _whole_number(1, 1 << 20),
    "dossier_data_rows": _whole_number(1, 10_000),
    "redis_url": _redis_url,
    "login_limit": _login_limit,
    "proxy_hops": _whole_number(0, 10),
    "default_locale": _locale,
    "smtp_host": _host,
    "smtp_port": _whole_number(1, 65535),
    "smtp_security": _smtp_security,
    "smtp_sender": _mailbox,
    "sign_pkcs12": _certificate,
    "sign_tsa_url": _http_url,
}

_BY_TYPE: dict[str, Callable[[str], Any]] = {"int": _whole_number(0), "Path": _path}


def _parser(f: dataclasses.Field) -> Callable[[str], Any]:
    if f.name in PARSERS:
        return PARSERS[f.name]
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
    return _BY_TYPE.get(kind.replace(" | None", ""), _text)


# -- checks on the values together ----------------------------------------------------------------


def _usable_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ValueError("is a file, not a directory") from None
    except OSError as exc:
        raise ValueError(f"cannot make the directory: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValueError("the directory is not writable by this user")


def _not_a_file(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise ValueError("is a file; allowed: a directory for the evidence vault")


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_smtp(reader: _Reader, values: dict[str, Any]) -> None:
    host = values.get("smtp_host")
    if "smtp_security" in reader.given and "smtp_security" not in values:
        return  # already reported as not allowed
    security = values.get("smtp_security", Settings.smtp_security)
    if host and security == "none" and values.get("smtp_password") and not _is_loopback(host):
        reader.problems.append(
            f"{PREFIX}SMTP_SECURITY={security!r} with {PREFIX}SMTP_PASSWORD set: the password "
            f"would cross the network to {host} in clear text; allowed: starttls or ssl "
            "(none only for a server on this machine: localhost, 127.0.0.1, ::1)"
        )
