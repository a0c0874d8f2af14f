"""Real ``python -m tracker.cli worker`` (and ``serve``) processes on a test's instance."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, select

from tracker.models import WorkerProcess

ROOT = Path(__file__).resolve().parent.parent


def instance_env(app_config: dict, **extra: str) -> dict[str, str]:
    """The test app's settings for a child process, and nothing from the developer's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env |= {
        "TRACKER_INSTANCE_DIR": str(app_config["instance_dir"]),
        "TRACKER_DATABASE_URL": app_config["database_url"],
        "TRACKER_STORAGE_DIR": str(app_config["storage_dir"]),
        "TRACKER_SECRET_KEY": app_config["secret_key"],
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


def start(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tracker.cli", *args],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for(what: str, check: Callable[[], object], timeout: float = 90.0, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def worker_row(engine, pid: int) -> WorkerProcess | None:
    with Session(engine) as s:
        return s.exec(select(WorkerProcess).where(WorkerProcess.pid == pid)).first()


def start_worker(env, engine, log: Path, *args: str) -> subprocess.Popen:
    """A worker, once it has registered (so jobs.worker_alive() sees it)."""
    proc = start(env, "worker", *args, log=log)
    wait_for(
        f"worker {proc.pid} to report in ({log})",
        lambda: worker_row(engine, proc.pid) or _exited(proc, log),
    )
    return proc


def _exited(proc: subprocess.Popen, log: Path) -> None:
    if proc.poll() is not None:
        raise AssertionError(f"process exited {proc.returncode}: {log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL for whatever is left in its process group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=10)
