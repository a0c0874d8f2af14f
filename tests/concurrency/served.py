"""A real served app in a subprocess and people saving through its forms, for the concurrency
test and the saves benchmark.

``served_app`` prepares an instance the way an operator would (``tracker db upgrade``,
``tracker demo``, ``tracker user create``), adds the people as editors of the demo matter
through the members page, then runs ``tracker serve --with-worker`` on a free loopback port.
``run_load`` signs each person in through the login form (the CSRF token read from the page)
and has them save facts and demand-item statuses until the time is up. Only the standard
library talks HTTP here (urllib with a cookie jar), so nothing extra is installed.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
STATUSES = ("outstanding", "partial", "refused", "delivered", "verified")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@dataclass
class Person:
    email: str
    password: str
    user_id: int = 0


@dataclass
class Served:
    base_url: str
    database_url: str
    env: dict[str, str]
    matter_id: int
    item_ids: list[int]
    people: list[Person]
    log_path: Path

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return _cli(self.env, *args, stdin=stdin)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "tracker.cli", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _checked(done: subprocess.CompletedProcess) -> str:
    if done.returncode != 0:
        raise RuntimeError(f"{done.args} exited {done.returncode}: {done.stdout}{done.stderr}")
    return done.stdout


def _env(instance_dir: Path, database_url: str) -> dict[str, str]:
    # Only this instance's settings: nothing from the developer's own TRACKER_* variables.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env |= {
        "TRACKER_INSTANCE_DIR": str(instance_dir),
        "TRACKER_DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
    }
    return env


def _wait_until_up(base_url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"serve exited {server.returncode}: {log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/login", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"serve did not answer within 60 s: {log_path.read_text()}")


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM (serve stops its worker too), then the whole group if anything is left."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait(timeout=10)


def _create_users(env: dict[str, str], people: list[Person], first: int) -> None:
    """``tracker user create`` for each, all at once."""
    creating = [
        subprocess.Popen(
            [
                PYTHON,
                "-m",
                "tracker.cli",
                "user",
                "create",
                "--email",
                person.email,
                "--name",
                f"저장자 {first + n}",
            ],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for n, person in enumerate(people)
    ]
    for person, process in zip(people, creating, strict=True):
        output, _ = process.communicate(person.password + "\n", timeout=300)
        if process.returncode != 0:
            raise RuntimeError(f"user create {person.email} exited {process.returncode}: {output}")


@contextmanager
def served_app(workdir: Path, database_url: str | None = None, people: int = 8) -> Iterator[Served]:
    """The demo instance with ``people`` editors, served (with its worker) until the block ends.
    ``database_url`` defaults to SQLite in ``workdir``."""
    instance = workdir / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    database_url = database_url or f"sqlite:///{instance / 'tracker.db'}"
    env = _env(instance, database_url)
    _checked(_cli(env, "db", "upgrade"))
    _checked(_cli(env, "demo"))
    admin = Person("admin@example.com", (instance / "admin-password.txt").read_text().strip())
    crowd = [Person(f"saver{n}@example.com", secrets.token_urlsafe(12)) for n in range(people)]
    # The first eight with ``tracker user create``, all at once (CLI writes meet each other
    # too); any more through the accounts page below, which is quicker than a process each.
    _create_users(env, crowd[:8], first=0)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = workdir / "serve.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [PYTHON, "-m", "tracker.cli", "serve", "--with-worker", "--host", "127.0.0.1",
             "--port", str(port)],
            env=env | {"TRACKER_BASE_URL": base_url},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_up(base_url, server, log_path)
        # The demo admin (site admin, and the matter's) makes any further accounts on the
        # accounts page and adds everyone as an editor on the members page.
        browser = Browser(base_url)
        browser.sign_in(admin)
        for n, person in enumerate(crowd[8:], start=8):
            token = browser.token("/users/new")
            status, body = browser.post(
                "/users/new",
                {"email": person.email, "name": f"저장자 {n}", "password": person.password,
                 "locale": "ko", "active": "y", "csrf_token": token},
            )  # fmt: skip
            if status != 302:
                raise RuntimeError(f"creating {person.email}: {status} {body[:300]}")
        engine = create_engine(database_url)
        try:
            with engine.connect() as conn:
                matter_id = conn.execute(
                    text("SELECT id FROM matter WHERE reference = '2022-법무-001'")
                ).scalar_one()
                item_ids = list(
                    conn.execute(
                        text(
                            "SELECT demanditem.id FROM demanditem JOIN demand"
                            " ON demand.id = demanditem.demand_id"
                            " WHERE demand.matter_id = :m ORDER BY demanditem.id"
                        ),
                        {"m": matter_id},
                    ).scalars()
                )
                ids = dict(conn.execute(text('SELECT email, id FROM "user"')).all())
        finally:
            engine.dispose()
        for person in crowd:
            person.user_id = ids[person.email]
        for person in crowd:
            token = browser.token(f"/matters/{matter_id}/members")
            status, body = browser.post(
                f"/matters/{matter_id}/members",
                {"email": person.email, "role": "editor", "csrf_token": token},
            )
            if status != 302:
                raise RuntimeError(f"adding {person.email} as editor: {status} {body[:300]}")
        yield Served(base_url, database_url, env, matter_id, item_ids, crowd, log_path)
    finally:
        _stop(server)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: its own cookies, no redirects followed (a save answers 302)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base_url + path, data=body)  # noqa: S310 - http://127.0.0.1
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")

    def get(self, path: str) -> tuple[int, str]:
        return self.request(path)

    def post(self, path: str, data: dict) -> tuple[int, str]:
        return self.request(path, data)

    def token(self, path: str) -> str:
        status, body = self.get(path)
        match = _CSRF.search(body)
        if status != 200 or match is None:
            raise RuntimeError(f"no CSRF token on {path} ({status}): {body[:300]}")
        return match.group(1) or match.group(2)

    def sign_in(self, person: Person) -> None:
        token = self.token("/login")
        status, body = self.post(
            "/login", {"email": person.email, "password": person.password, "csrf_token": token}
        )
        if status != 302:
            raise RuntimeError(f"sign-in of {person.email} answered {status}: {body[:300]}")


@dataclass
class Failure:
    person: str
    what: str
    status: int
    body: str


@dataclass
class Outcome:
    """What the people saw: every acknowledged save, every failure, and the page reads."""

    seconds: float
    facts: dict[str, list[str]] = field(default_factory=dict)  # email -> texts acknowledged
    statuses: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # (item, status)
    reads: int = 0
    failures: list[Failure] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds per save attempt

    @property
    def saves(self) -> int:
        return sum(map(len, self.facts.values())) + sum(map(len, self.statuses.values()))

    @property
    def attempts(self) -> int:
        return self.saves + sum(1 for f in self.failures if f.what != "read")

    @property
    def failure_rate(self) -> float:
        return (self.attempts - self.saves) / self.attempts if self.attempts else 0.0


def _save_loop(
    served: Served, index: int, person: Person, seconds: float, start: threading.Barrier,
    outcome: Outcome, lock: threading.Lock, reads_every: int,
) -> None:  # fmt: skip
    browser = Browser(served.base_url)
    browser.sign_in(person)
    matter = served.matter_id
    token = browser.token(f"/matters/{matter}/facts/new")
    item = served.item_ids[index % len(served.item_ids)]
    facts: list[str] = []
    statuses: list[tuple[int, str]] = []
    failures: list[Failure] = []
    reads = 0
    latencies: list[float] = []
    start.wait()
    # The clock starts once everyone is signed in (a sign-in hashes a password).
    until = time.monotonic() + seconds
    n = 0
    while time.monotonic() < until:
        n += 1
        if reads_every and n % reads_every == 0:
            # A person also reads the matter page now and then; a read must never fail either.
            status, body = browser.get(f"/matters/{matter}")
            if status == 200:
                reads += 1
            else:
                failures.append(Failure(person.email, "read", status, body[:500]))
            continue
        began = time.perf_counter()
        if n % 2:
            words = f"동시 저장 {person.email} #{n} {secrets.token_hex(4)}"
            status, body = browser.post(
                f"/matters/{matter}/facts/new",
                {"occurred_on": "2022-03-02", "precision": "day", "text": words,
                 "status": "undisputed", "sources": "", "csrf_token": token},
            )  # fmt: skip
            if status == 302:
                facts.append(words)
            else:
                failures.append(Failure(person.email, "fact", status, body[:500]))
        else:
            new_status = STATUSES[(n // 2) % len(STATUSES)]
            status, body = browser.post(
                f"/matters/{matter}/demands/items/{item}/status",
                {"status": new_status, "csrf_token": token},
            )
            if status == 200:
                statuses.append((item, new_status))
            else:
                failures.append(Failure(person.email, "status", status, body[:500]))
        latencies.append(time.perf_counter() - began)
    with lock:
        outcome.facts[person.email] = facts
        outcome.statuses[person.email] = statuses
        outcome.failures.extend(failures)
        outcome.reads += reads
        outcome.latencies.extend(latencies)


def run_load(
    served: Served, seconds: float, people: list[Person] | None = None, reads_every: int = 5
) -> Outcome:
    """Everyone signs in, then all save at once for ``seconds``: a fact, then their item's
    status, alternately, with a read of the matter page every ``reads_every``-th step."""
    people = people if people is not None else served.people
    start = threading.Barrier(len(people) + 1)
    outcome = Outcome(seconds=seconds)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(index: int, person: Person) -> None:
        try:
            _save_loop(served, index, person, seconds, start, outcome, lock, reads_every)
        except BaseException as err:  # noqa: BLE001 - reported to the caller below
            errors.append(err)
            start.abort()

    threads = [
        threading.Thread(target=worker, args=(i, p), daemon=True) for i, p in enumerate(people)
    ]
    for thread in threads:
        thread.start()
    try:
        start.wait()
    except threading.BrokenBarrierError:
        pass
    began = time.monotonic()
    for thread in threads:
        thread.join(seconds + 120)
    outcome.seconds = time.monotonic() - began
    if errors:
        raise errors[0]
    return outcome
