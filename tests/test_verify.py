"""`tracker verify` and the start-up checks against real damage: a SQLite WAL lost or damaged
after committed writes, a corrupted database page, a tampered dossier PDF, a vault the serving
user may not write, an upload killed mid-way. Each runs the real `tracker` command."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from tests.factories import make_demand, make_matter, make_user
from tracker import create_app
from tracker.errors import TrackerError
from tracker.services import deadlines

TRACKER = str(Path(sys.executable).with_name("tracker"))


def cli_env(instance: Path, database_url: str, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(
        TRACKER_INSTANCE_DIR=str(instance),
        TRACKER_DATABASE_URL=database_url,
        TRACKER_SECRET_KEY="k",
        **extra,
    )
    return env


def verify(instance: Path, database_url: str, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TRACKER, "verify"],
        env=cli_env(instance, database_url, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def sqlite_db(sqlite_template, tmp_path) -> Path:
    path = tmp_path / "tracker.db"
    shutil.copy(sqlite_template, path)
    return path


def _holidays(app, email: str, days: range) -> None:
    from tracker.services import users

    with Session(app.extensions["tracker.engine"], expire_on_commit=False) as session:
        actor = users.by_email(session, email)
        for day in days:
            # One audited change and one commit each, as many users' clicks would be.
            deadlines.add_holiday(
                session=session,
                actor=actor,
                day=f"2031-{1 + day // 28:02d}-{1 + day % 28:02d}",
                name=f"임시공휴일 {day}",
            )


def _owner(app) -> str:
    with Session(app.extensions["tracker.engine"], expire_on_commit=False) as session:
        return make_user(session, is_admin=True).email


HOLDER = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
c.execute("select count(*) from sqlite_master").fetchall()
print("ready", flush=True)
time.sleep(600)
"""


def _lose_the_wal(db: Path, write) -> None:
    """Run ``write`` while another process holds the database open (so nothing checkpoints
    the WAL), SIGKILL that process, and return with the commits only in ``<db>-wal``."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HOLDER,
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        write()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()


def test_a_lost_wal_is_reported_as_the_events_missing_from_the_chain(sqlite_db, tmp_path):
    url = f"sqlite:///{sqlite_db}"
    instance = tmp_path / "instance"
    app = create_app({"instance_dir": instance, "database_url": url, "secret_key": "k"})
    owner = _owner(app)
    _holidays(app, owner, range(1, 4))  # history, checkpointed into the file at the last close
    first = verify(instance, url)
    assert first.returncode == 0, first.stderr
    assert "database intact: SQLite PRAGMA integrity_check" in first.stdout

    _lose_the_wal(sqlite_db, lambda: _holidays(app, owner, range(4, 24)))
    app.extensions["tracker.engine"].dispose()
    wal = Path(f"{sqlite_db}-wal")
    assert wal.stat().st_size > 0  # the 20 commits live only there
    wal.unlink()  # the failure: the WAL is gone (a bad disk, a copy without it, a careless rm)
    Path(f"{sqlite_db}-shm").unlink(missing_ok=True)

    result = verify(instance, url)
    assert result.returncode == 1, result.stdout
    assert "the audit chain ends before the anchor: 20 events missing" in result.stderr
    assert "audit chain intact" not in result.stdout
    # New work after the loss does not paper over it, not even once the chain is long again.
    app = create_app({"instance_dir": instance, "database_url": url, "secret_key": "k"})
    _holidays(app, owner, range(30, 55))
    app.extensions["tracker.engine"].dispose()
    again = verify(instance, url)
    assert again.returncode == 1
    assert "no longer has the hash it had when it was anchored" in again.stderr


def test_a_damaged_wal_is_reported_too(sqlite_db, tmp_path):
    url = f"sqlite:///{sqlite_db}"
    instance = tmp_path / "instance"
    app = create_app({"instance_dir": instance, "database_url": url, "secret_key": "k"})
    owner = _owner(app)
    _holidays(app, owner, range(1, 3))
    _lose_the_wal(sqlite_db, lambda: _holidays(app, owner, range(3, 23)))
    app.extensions["tracker.engine"].dispose()
    wal = Path(f"{sqlite_db}-wal")
    size = wal.stat().st_size
    with open(wal, "r+b") as fh:  # flip bytes in the middle: SQLite drops the frames from there
        fh.seek(size // 2)
        block = fh.read(64)
        fh.seek(size // 2)
        fh.write(bytes(b ^ 0xFF for b in block))
    Path(f"{sqlite_db}-shm").unlink(missing_ok=True)
    result = verify(instance, url)
    assert result.returncode == 1
    assert "the audit chain ends before the anchor:" in result.stderr
    missing = int(result.stderr.split("the audit chain ends before the anchor: ")[1].split()[0])
    assert 1 <= missing <= 20


def test_a_corrupted_database_page_is_reported(sqlite_db, tmp_path):
    url = f"sqlite:///{sqlite_db}"
    instance = tmp_path / "instance"
    app = create_app({"instance_dir": instance, "database_url": url, "secret_key": "k"})
    _holidays(app, _owner(app), range(1, 31))
    app.extensions["tracker.engine"].dispose()
    with sqlite3.connect(sqlite_db) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'holiday'"
        ).fetchone()
    conn.close()
    with open(sqlite_db, "r+b") as fh:  # scribble over an index page, as a bad sector would
        fh.seek((root - 1) * page_size + 8)
        fh.write(os.urandom(page_size - 16))
    result = verify(instance, url)
    assert result.returncode == 1
    assert "database DAMAGED (SQLite PRAGMA integrity_check)" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_database_check_on_each_backend(database_url, session, runner):
    postgresql = database_url.startswith("postgresql")
    if postgresql:
        session.exec(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        session.commit()
    owner = make_user(session)
    make_demand(session, make_matter(session, owner), owner)
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    expected = "PostgreSQL: " if postgresql else "SQLite PRAGMA integrity_check"
    assert f"database intact: {expected}" in result.output
    if postgresql:
        assert "B-tree indexes checked with amcheck" in result.output


def test_a_tampered_or_missing_dossier_pdf_is_named(runner, session, app, tmp_path):
    owner = make_user(session)
    matter = make_matter(session, owner, reference="2022-법무-007")
    make_demand(session, matter, owner)
    built = runner.invoke(
        args=[
            "dossier",
            "build",
            "--matter",
            matter.reference,
            "--purpose",
            "civil",
            "--at",
            "2022-03-02T09:00+09:00",
            "--out",
            str(tmp_path / "d.pdf"),
            "--as",
            owner.email,
        ]
    )
    assert built.exit_code == 0, built.output
    sha = built.output.split("sha256 ")[1].split()[0]
    assert "dossiers intact: 1 PDFs re-hashed" in runner.invoke(args=["verify"]).output
    stored = app.extensions["tracker.vault"].path_hint(sha)
    stored.chmod(0o644)
    with open(stored, "r+b") as fh:
        fh.seek(200)
        fh.write(b"X")
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert f"TAMPERED: dossier D-2022-법무-007-0001 (#1, matter {matter.id}) sha256 {sha}" in (
        result.output
    )
    stored.unlink()
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1 and "MISSING: dossier D-2022-법무-007-0001" in result.output


# --- start-up: the vault ------------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to user nobody needs root")
def test_a_vault_the_serving_user_cannot_write_stops_the_start():
    import pwd
    import tempfile

    nobody = pwd.getpwnam("nobody")
    # pytest's tmp_path is under a 0700 directory of root's: use one nobody can reach.
    tmp_path = Path(tempfile.mkdtemp(prefix="tracker-vault-"))
    vault = tmp_path / "vault"
    # Made by root (every module loaded too), then handed to a server running as nobody.
    create_app({"instance_dir": tmp_path / "made", "storage_dir": vault, "secret_key": "k"})
    for directory in (vault, vault / "objects", vault / "tmp"):
        directory.chmod(0o555)
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o777)
    instance.chmod(0o777)
    tmp_path.chmod(0o755)
    # The interpreter lives under /root, which nobody may not enter: fork, switch user, start.
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.setgid(nobody.pw_gid)
            os.setgroups([])
            os.setuid(nobody.pw_uid)
            config = {"instance_dir": instance, "storage_dir": vault, "secret_key": "k"}
            try:
                create_app({**config, "database_url": f"sqlite:///{instance / 'tracker.db'}"})
                answer = "started"
            except TrackerError as err:
                answer = f"{type(err).__name__}: {err.message}"
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                answer = repr(exc)
            os.write(write_end, answer.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(pid, 0)
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert answer.startswith(
        f"ConfigError: TRACKER_STORAGE_DIR={vault}: the evidence vault is not usable by user "
        f"nobody (uid {nobody.pw_uid}): {vault / 'tmp'}"
    ), answer
    assert "Permission denied" in answer and "writable by that user" in answer


# --- start-up: temp files of killed uploads ------------------------------------------------

UPLOADER = """
import sys, time
from tracker import create_app, db, storage
from tracker.services import evidence, users

app = create_app()
with app.app_context():
    session = db.get_session()
    actor = users.by_email(session, sys.argv[1])

    def body():
        for n in range(1 << 20):
            yield bytes([n % 251]) * (1 << 20)  # 1 MiB a chunk, far more than we will send
            if n == 63:
                print("streaming", flush=True)
                time.sleep(600)  # the browser stalls; then the process is killed

    evidence.add_files(
        session=session, vault=storage.vault(), actor=actor, matter_id=int(sys.argv[2]),
        uploads=[evidence.Upload("큰 파일.pdf", body())],
    )
"""


def test_a_killed_upload_leaves_nothing_after_the_next_start(app_config, session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    instance = Path(app_config["instance_dir"])
    env = cli_env(instance, app_config["database_url"])
    env["TRACKER_STORAGE_DIR"] = str(app_config["storage_dir"])
    uploader = subprocess.Popen(
        [sys.executable, "-c", UPLOADER, owner.email, str(matter.id)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    tmp_dir = Path(app_config["storage_dir"]) / "tmp"
    try:
        assert uploader.stdout.readline().strip() == "streaming"
        (part,) = tmp_dir.iterdir()
        assert part.stat().st_size == 64 << 20
        # While the upload lives, a start (another process's or this one's) leaves it alone.
        during = create_app(app_config).extensions["tracker.vault_sweep"]
        assert (during.removed, during.in_use) == (0, 1)
        assert part.exists()
    finally:
        uploader.send_signal(signal.SIGKILL)
        uploader.wait()
    assert part.exists()  # what the kill leaves behind
    result = verify(instance, app_config["database_url"], TRACKER_STORAGE_DIR=str(tmp_dir.parent))
    assert result.returncode == 0, result.stderr
    assert (
        f"vault temp: removed 1 file(s), {64 << 20:,} bytes, left by interrupted uploads"
        in result.stdout
    )
    assert list(tmp_dir.iterdir()) == []
    again = verify(instance, app_config["database_url"], TRACKER_STORAGE_DIR=str(tmp_dir.parent))
    assert "vault temp: nothing left by interrupted uploads" in again.stdout
