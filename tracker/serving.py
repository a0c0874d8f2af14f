"""``tracker serve``: the app under gunicorn, and with ``--with-worker`` a background worker
kept alive next to it.

The web server is gunicorn with gthread workers: a request (a 1 GB upload over a slow link)
runs in a thread while the worker process keeps reporting to the arbiter, so ``--timeout``
only ever stops a web process that hung, never a slow upload. This process supervises both
children: a worker that dies is started again after a backoff (1, 2, 4 … 60 s), and the
worker records how many restarts it took, for the dashboard. SIGTERM or Ctrl-C stops both:
the web server finishes its requests, the worker its running jobs (``--grace`` seconds).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

GUNICORN_APP = "tracker:create_app()"
MAX_BACKOFF = 60.0
HEALTHY_AFTER = 60.0  # a worker that ran this long before dying starts again at once
WEB_GRACE = 30


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 5000
    web_workers: int = 2
    threads: int = 8
    timeout: int = 60
    with_worker: bool = False
    grace: float = 60.0


def gunicorn_command(opts: ServeOptions) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        "gthread",
        "--workers",
        str(opts.web_workers),
        "--threads",
        str(opts.threads),
        "--timeout",
        str(opts.timeout),
        "--graceful-timeout",
        str(WEB_GRACE),
        "--bind",
        f"{opts.host}:{opts.port}",
        "--no-control-socket",  # one per user by default: two instances would fight over it
        GUNICORN_APP,
    ]


def worker_command(opts: ServeOptions, restarts: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tracker.cli",
        "worker",
        "--grace",
        str(opts.grace),
        "--restarts",
        str(restarts),
    ]


def _stop(proc: subprocess.Popen | None, wait: float) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def serve(opts: ServeOptions, echo: Callable[[str], None]) -> int:
    """Run until a signal (exit 0) or until the web server dies (its exit code)."""
    stopping = threading.Event()

    def _on_signal(_signum, _frame):
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _on_signal)

    web = subprocess.Popen(gunicorn_command(opts))
    worker, restarts, backoff = None, 0, 1.0
    started = restart_at = 0.0
    if opts.with_worker:
        worker, started = subprocess.Popen(worker_command(opts, 0)), time.monotonic()
        echo(f"worker started (pid {worker.pid})")
    echo(f"tracker on http://{opts.host}:{opts.port}/  (Ctrl-C stops it)")
    code = 0
    try:
        while not stopping.wait(0.2):
            if web.poll() is not None:
                echo(f"the web server exited ({web.returncode}); stopping")
                code = web.returncode or 1
                break
            if worker is not None and worker.poll() is not None and not restart_at:
                if time.monotonic() - started > HEALTHY_AFTER:
                    backoff = 1.0
                echo(f"worker exited ({worker.returncode}); restarting in {backoff:.0f} s")
                restart_at = time.monotonic() + backoff
                backoff = min(backoff * 2, MAX_BACKOFF)
            if restart_at and time.monotonic() >= restart_at:
                restarts += 1
                worker = subprocess.Popen(worker_command(opts, restarts))
                started, restart_at = time.monotonic(), 0.0
                echo(f"worker restarted (pid {worker.pid}, restart {restarts})")
    finally:
        # Both at once: each finishes its own work (requests, running jobs) in parallel.
        for proc in (web, worker):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        _stop(web, WEB_GRACE + 5)
        _stop(worker, opts.grace + 10)
    return code
