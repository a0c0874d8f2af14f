"""Settings: every TRACKER_* variable is checked at start, and a bad one stops the start with
one clear message naming it, its value and what is allowed (exit 2 on the CLI, no traceback).
Links follow the address `tracker serve` listens on when TRACKER_BASE_URL is unset."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.factories import make_matter, make_user
from tracker.config import Settings, default_base_url, follow_serve_address
from tracker.errors import ConfigError, TrackerError

TRACKER = str(Path(sys.executable).with_name("tracker"))


def settings_from(tmp_path, **variables) -> Settings:
    environ = {"TRACKER_INSTANCE_DIR": str(tmp_path / "instance"), "TRACKER_SECRET_KEY": "k"}
    environ.update({f"TRACKER_{k}": v for k, v in variables.items()})
    return Settings.from_env(environ=environ)


def problems(tmp_path, **variables) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, **variables)
    assert isinstance(caught.value, TrackerError)  # one root error type
    return caught.value.problems


def run_cli(tmp_path, *args, **variables) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update({"TRACKER_INSTANCE_DIR": str(tmp_path / "instance"), "TRACKER_SECRET_KEY": "k"})
    env.update({f"TRACKER_{k}": v for k, v in variables.items()})
    return subprocess.run(
        [TRACKER, *args], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )


@pytest.mark.parametrize(
    ("variable", "value", "allowed"),
    [
        ("MAX_UPLOAD_MB", "lots", "a whole number from 1 to 1048576"),
        ("MAX_UPLOAD_MB", "0", "a whole number from 1 to 1048576"),
        ("SMTP_PORT", "70000", "from 1 to 65535"),
        ("PORT", "http", "from 1 to 65535"),
        ("PROXY_HOPS", "one", "a whole number from 0 to 10"),
        ("PROXY_HOPS", "-1", "a whole number from 0 to 10"),
        ("BASE_URL", "tracker.example.org", "an http:// or https:// URL"),
        ("BASE_URL", "ftp://tracker.example.org", "an http:// or https:// URL"),
        ("BASE_URL", "http://tracker.example.org:port", "an http:// or https:// URL"),
        ("SIGN_TSA_URL", "tsa.example.org", "an http:// or https:// URL"),
        ("DATABASE_URL", "tracker.db", "sqlite:///PATH or postgresql+psycopg://"),
        ("DATABASE_URL", "mysql://u@h/db", "SQLite or PostgreSQL"),
        ("DATABASE_URL", "postgresql://u@h/db", "postgresql+psycopg://"),
        ("DATABASE_URL", "sqlite:////no/such/dir/tracker.db", "/no/such/dir does not exist"),
        ("REDIS_URL", "localhost:6379", "redis://HOST[:PORT]/DB"),
        ("REDIS_URL", "redis://redis:6379/zero", "must be a number"),
        ("DEFAULT_LOCALE", "ja", "ko or en"),
        ("LOGIN_LIMIT", "5 per fortnight", "Flask-Limiter syntax"),
        ("LOGIN_LIMIT", "five", "Flask-Limiter syntax"),
        ("SMTP_SENDER", "tracker", "an address, optionally with a name"),
        ("SMTP_HOST", "smtp://mail.example.org", "a host name or IP address"),
        ("SMTP_HOST", "mail.example.org:587", "put a port in its own variable"),
        ("SMTP_SECURITY", "tls", "ssl (TLS from the first byte"),
        ("SMTP_SECURITY", "yes", "none, starttls or ssl"),
        ("SIGN_PKCS12", "/no/such/signer.p12", "the path of a PKCS#12"),
    ],
)
def test_a_bad_value_names_the_variable_the_value_and_what_is_allowed(
    tmp_path, variable, value, allowed
):
    (problem,) = problems(tmp_path, **{variable: value})
    assert problem.startswith(f"TRACKER_{variable}={value!r}: ")
    assert allowed in problem


def test_good_values_are_taken(tmp_path):
    settings = settings_from(
        tmp_path,
        BASE_URL="https://tracker.example.org",
        MAX_UPLOAD_MB="2048",
        DATABASE_URL="postgresql+psycopg://tracker@db/tracker",
        REDIS_URL="rediss://:pw@redis:6380/1",
        DEFAULT_LOCALE="en",
        LOGIN_LIMIT="5/minute;50/day",
        SMTP_HOST="smtp.example.org",
        SMTP_PORT="587",
        SMTP_SECURITY="STARTTLS",
        SMTP_USER="tracker",
        SMTP_PASSWORD="s3cret",
        SMTP_SENDER="서울시 법무팀 <tracker@example.org>",
        PROXY_HOPS="1",
    )
    assert (settings.max_upload_mb, settings.smtp_port, settings.proxy_hops) == (2048, 587, 1)
    assert settings.smtp_security == "starttls"
    assert settings.base_url == "https://tracker.example.org"
    assert "s3cret" not in repr(settings)


def test_every_problem_is_reported_at_once_and_secrets_are_not_shown(tmp_path):
    found = problems(
        tmp_path,
        SMTP_PORT="x",
        DEFAULT_LOCALE="de",
        DATABASE_URL="postgresql://tracker:hunter2@db/tracker",
    )
    assert [p.split("=")[0] for p in found] == [
        "TRACKER_DATABASE_URL",
        "TRACKER_DEFAULT_LOCALE",
        "TRACKER_SMTP_PORT",
    ]
    assert "hunter2" not in "\n".join(found) and "tracker:***@db" in found[0]


def test_a_misspelt_variable_is_an_error_naming_the_setting_meant(tmp_path):
    (problem,) = problems(tmp_path, SMTP_SECURTY="starttls")
    assert problem.startswith("TRACKER_SMTP_SECURTY is not a tracker setting")
    assert "did you mean TRACKER_SMTP_SECURITY?" in problem
    assert "TRACKER_BASE_URL" in problem  # the list of known names
    settings_from(tmp_path, USER="kim@example.org")  # read by the CLI, not a typo


def test_a_smtp_password_never_goes_in_clear_text_over_the_network(tmp_path):
    (problem,) = problems(tmp_path, SMTP_HOST="smtp.example.org", SMTP_PASSWORD="pw")
    assert problem.startswith("TRACKER_SMTP_SECURITY='none' with TRACKER_SMTP_PASSWORD set")
    assert "smtp.example.org" in problem and "starttls or ssl" in problem
    assert "pw'" not in problem
    for host in ("localhost", "127.0.0.1", "::1"):
        assert settings_from(tmp_path, SMTP_HOST=host, SMTP_PASSWORD="pw").smtp_host == host
    ssl = settings_from(
        tmp_path, SMTP_HOST="smtp.example.org", SMTP_PASSWORD="pw", SMTP_SECURITY="ssl"
    )
    assert ssl.smtp_security == "ssl"


def test_an_instance_dir_that_is_a_file_is_refused(tmp_path):
    blocker = tmp_path / "instance"
    blocker.write_text("not a directory")
    (problem,) = problems(tmp_path)
    assert problem.startswith(f"TRACKER_INSTANCE_DIR={blocker}: is a file")


def test_the_cli_prints_the_problems_and_exits_2_without_a_traceback(tmp_path):
    result = run_cli(tmp_path, "verify", SMTP_SECURITY="tls", SMTP_SECURTY="ssl")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: TRACKER_SMTP_SECURITY='tls': 'tls' is ambiguous")
    assert lines[1].startswith("error: TRACKER_SMTP_SECURTY is not a tracker setting")
    assert len(lines) == 2


def test_make_run_stops_at_its_first_command_with_the_message(tmp_path):
    # `make run` starts with `tracker db upgrade`: the same message, and make stops there.
    result = run_cli(tmp_path, "db", "upgrade", PORT="80a")
    assert result.returncode == 2
    assert result.stderr == (
        "error: TRACKER_PORT='80a': not a whole number; allowed: a whole number from 1 to 65535\n"
    )


# --- links follow HOST/PORT ----------------------------------------------------------------------


def test_the_default_base_url_follows_host_and_port(tmp_path):
    assert settings_from(tmp_path).base_url == "http://127.0.0.1:5000"
    assert settings_from(tmp_path, PORT="8080").base_url == "http://127.0.0.1:8080"
    assert settings_from(tmp_path, HOST="192.0.2.7", PORT="80").base_url == "http://192.0.2.7:80"
    assert default_base_url("::1", 8080) == "http://[::1]:8080"
    explicit = settings_from(tmp_path, PORT="8080", BASE_URL="https://tracker.example.org")
    assert explicit.base_url == "https://tracker.example.org"


def test_serve_exports_its_address_for_its_children_unless_base_url_is_set(tmp_path):
    settings = settings_from(tmp_path)
    environ: dict[str, str] = {}
    assert follow_serve_address(settings, "10.0.0.5", 8080, environ) == "http://10.0.0.5:8080"
    assert settings.base_url == environ["TRACKER_BASE_URL"] == "http://10.0.0.5:8080"
    fixed = settings_from(tmp_path, BASE_URL="https://tracker.example.org")
    environ = {"TRACKER_BASE_URL": "https://tracker.example.org"}
    assert follow_serve_address(fixed, "192.0.2.7", 8080, environ) == "https://tracker.example.org"


def test_demo_prints_the_sign_in_link_on_the_port_make_run_serves(tmp_path):
    # `make run PORT=8080` runs the demo with TRACKER_HOST/TRACKER_PORT set.
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    assert run_cli(tmp_path, "db", "upgrade", **database).returncode == 0
    result = run_cli(tmp_path, "demo", PORT="8080", **database)
    assert result.returncode == 0, result.stderr
    assert "sign in at http://127.0.0.1:8080/login" in result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_links_served_by_tracker_serve_follow_its_port(tmp_path, app_config, session):
    from tracker.services import deadlines, users

    owner = make_user(session)
    matter = make_matter(session, owner)
    deadline = deadlines.create_deadline(
        session=session,
        actor=owner,
        matter_id=matter.id,
        title="정산 자료 제출",
        due_on="2022-03-02",
    )
    token = users.issue_feed_token(session=session, user=owner)
    session.commit()  # nothing of this test's may hold a lock the server's requests wait for
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(
        TRACKER_INSTANCE_DIR=str(app_config["instance_dir"]),
        TRACKER_DATABASE_URL=app_config["database_url"],
        TRACKER_STORAGE_DIR=str(app_config["storage_dir"]),
        TRACKER_SECRET_KEY="k",
    )
    log_path = tmp_path / "serve.log"
    # The server's output goes to a file: a pipe nobody reads fills up and stalls the server.
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [TRACKER, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        body = None
        deadline_at = time.monotonic() + 60
        while time.monotonic() < deadline_at:
            try:
                with urllib.request.urlopen(  # noqa: S310 - our own server on loopback
                    f"http://127.0.0.1:{port}/calendar/{token}.ics", timeout=5
                ) as response:
                    body = response.read().decode()
                break
            except OSError:
                assert server.poll() is None, log_path.read_text(errors="replace")
                time.sleep(0.1)
        assert body is not None, log_path.read_text(errors="replace")
    finally:
        server.terminate()
        server.wait(timeout=20)
    link = f"http://127.0.0.1:{port}/matters/{matter.id}/deadlines/{deadline.id}"
    assert link in body.replace("\r\n ", "")
