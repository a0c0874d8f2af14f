"""The background queue (Huey): SQLite storage under the instance dir, Redis when configured.

The Huey instance is built per app by ``init_app`` (nothing at import time), and its tasks run
inside that app's context. ``tracker worker`` runs the consumer (:func:`run_worker`);
``tracker serve --with-worker`` (what ``make run`` uses) keeps one running next to the web
server and restarts it when it dies.

What keeps work from being lost or done twice lives in the database, not in the queue, so it
holds for SQLite-Huey and Redis-Huey alike:

- every worker registers and writes a heartbeat (services.workers), which the dashboard shows;
- a dossier or analysis row is claimed by one process and carries its own heartbeat; the sweep
  (at worker start, every 30 s in each worker, and on the job's page) marks a job whose
  process died as failed, with a reason to show (services.jobstate);
- a periodic task runs once per schedule slot, however many workers' schedulers enqueue it;
- SIGTERM lets running jobs finish for ``--grace`` seconds; what is still running then (or
  at Ctrl-C) is put back in the queue for the next worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from huey.signals import SIGNAL_INTERRUPTED

log = logging.getLogger(__name__)

SCHEDULES = {
    # 03:00 KST: the vault is re-hashed while nobody is working.
    "integrity_check": crontab(hour="18", minute="0"),
    "send_reminders": crontab(minute="*/15"),
}
SWEEP_SECONDS = 30.0


def build_huey(app: Flask) -> Huey:
    settings = app.config["TRACKER"]
    if settings.redis_url:
        huey: Huey = RedisHuey("tracker", url=settings.redis_url, utc=True)
    else:
        huey = SqliteHuey("tracker", filename=str(settings.instance_dir / "queue.db"), utc=True)
    if app.config.get("TRACKER_JOBS_IMMEDIATE"):
        huey.immediate = True

    @huey.periodic_task(SCHEDULES["integrity_check"], name="integrity_check")
    def integrity_check():
        with app.app_context():
            return run_periodic("integrity_check")

    @huey.periodic_task(SCHEDULES["send_reminders"], name="send_reminders")
    def send_reminders():
        with app.app_context():
            return run_periodic("send_reminders")

    @huey.task(name="run_analysis")
    def run_analysis(analysis_id: int):
        with app.app_context():
            return run_analysis_now(analysis_id).status

    @huey.task(name="build_dossier")
    def build_dossier(dossier_id: int):
        with app.app_context():
            return build_dossier_now(dossier_id).status

    tasks = {
        "integrity_check": integrity_check,
        "send_reminders": send_reminders,
        "run_analysis": run_analysis,
        "build_dossier": build_dossier,
    }

    @huey.signal(SIGNAL_INTERRUPTED)
    def _interrupted(_signal, task):
        # The worker is stopping with this task still running: give it to the next worker.
        with app.app_context():
            _requeue(huey, tasks, task)

    app.extensions["tracker.jobs"] = tasks
    return huey


# --- periodic tasks: once per slot -----------------------------------------------------------

# task name → (slot, claimant) while this process runs it, to give the claim back if interrupted
_in_flight: dict[str, tuple[datetime, str]] = {}


def _periodic_work(name: str) -> Callable[[], dict]:
    return {
        "integrity_check": lambda: run_integrity_check(trigger="worker"),
        "send_reminders": run_reminders,
    }[name]


def run_periodic(name: str, now: datetime | None = None) -> dict:
    """Run periodic task ``name`` unless another worker already ran it for this slot."""
    from . import db
    from .models import utcnow
    from .services import jobstate, workers

    engine = db.engine()
    slot = workers.slot_of(SCHEDULES[name], now or utcnow())
    by = jobstate.process_name()
    if not workers.claim_slot(engine, name, slot, by):
        log.info("%s for %s: already run by another worker", name, slot.isoformat())
        return {"skipped": True, "slot": slot.isoformat()}
    _in_flight[name] = (slot, by)
    try:
        outcome = _periodic_work(name)()
    finally:
        _in_flight.pop(name, None)
    workers.finish_slot(engine, name, slot, outcome)
    return outcome


def _requeue(huey: Huey, tasks: dict, task) -> None:
    from . import db
    from .models import Analysis, Dossier
    from .services import jobstate, workers

    engine = db.engine()
    if task.name in _in_flight:
        slot, by = _in_flight.pop(task.name)
        workers.release_slot(engine, task.name, slot, by)
        huey.enqueue(task)
        log.warning("%s interrupted by shutdown: queued again", task.name)
        return
    kinds = {"build_dossier": (Dossier, "dossier"), "run_analysis": (Analysis, "analysis")}
    if task.name not in kinds or not task.args:
        return
    model, kind = kinds[task.name]
    if jobstate.Job(engine, model, task.args[0], kind).requeue():
        tasks[task.name](task.args[0])
        log.warning("%s %s interrupted by shutdown: queued again", kind, task.args[0])


def run_integrity_check(trigger: str) -> dict:
    from . import db, storage
    from .services import evidence

    report = evidence.verify_vault(session=db.get_session(), vault=storage.vault(), trigger=trigger)
    summary = {
        "ok": report.ok,
        "objects": report.check.objects_checked,
        "tampered": len(report.tampered),
        "missing": len(report.missing),
        "orphans": len(report.orphans),
    }
    (log.info if report.ok else log.error)("integrity check: %s", summary)
    return summary


def run_reminders(now=None) -> dict:
    from . import db
    from .models import utcnow
    from .services import reminders

    report = reminders.run_with_settings(
        engine=db.engine(), settings=current_app.config["TRACKER"], now=now or utcnow()
    )
    summary = {
        "sent": len(report.sent),
        "skipped": len(report.skipped),
        "failed": len(report.failed),
    }
    (log.info if not report.failed else log.warning)("reminders: %s", summary)
    return summary


# --- jobs started from the web ---------------------------------------------------------------


def worker_alive() -> bool:
    """Whether a worker reported in within the last minute (each does every 10 s)."""
    from sqlmodel import Session

    from . import db
    from .services import workers

    # A read of its own: the caller's session may be a writer (on SQLite, holding the lock).
    with Session(db.engine()) as s:
        return workers.any_alive(s)


def _run_here(run: Callable[[int], object], row_id: int) -> None:
    from . import db

    # The run writes from sessions of its own; the caller's (a POST request, a CLI command)
    # must not hold SQLite's writer lock meanwhile.
    db.get_session().commit()
    run(row_id)


def run_analysis_now(analysis_id: int):
    from . import db, storage
    from .services import discrepancies

    return discrepancies.run(engine=db.engine(), vault=storage.vault(), analysis_id=analysis_id)


def start_analysis(analysis_id: int) -> str:
    """In the worker when one is running, otherwise here and now. Returns where it ran."""
    if worker_alive():
        current_app.extensions["tracker.jobs"]["run_analysis"](analysis_id)
        return "worker"
    _run_here(run_analysis_now, analysis_id)
    return "inline"


def build_dossier_now(dossier_id: int):
    from . import db, storage
    from .services import dossiers

    return dossiers.run_build(
        engine=db.engine(),
        vault=storage.vault(),
        settings=current_app.config["TRACKER"],
        dossier_id=dossier_id,
    )


def start_dossier(dossier_id: int) -> str:
    """Build in the worker when one is running (the page shows progress), otherwise now."""
    if worker_alive():
        current_app.extensions["tracker.jobs"]["build_dossier"](dossier_id)
        return "worker"
    _run_here(build_dossier_now, dossier_id)
    return "inline"


# --- the worker process ----------------------------------------------------------------------


def _keep_alive(engine, name: str, stop: threading.Event) -> None:
    from .services import jobstate, workers

    last_sweep = time.monotonic()
    while not stop.wait(jobstate.HEARTBEAT_SECONDS):
        try:
            workers.beat(engine, name)
            if time.monotonic() - last_sweep >= SWEEP_SECONDS:
                last_sweep = time.monotonic()
                jobstate.sweep(engine)
        except Exception:  # a locked or unreachable database: the next beat tries again
            log.warning("worker heartbeat not written", exc_info=True)


def run_worker(*, threads: int = 1, grace: float = 60.0, restarts: int = 0) -> None:
    """Run the consumer until SIGTERM or Ctrl-C. SIGTERM lets running jobs finish for
    ``grace`` seconds; Ctrl-C (or the grace running out) puts them back in the queue."""
    from .services import jobstate, workers

    engine = current_app.extensions["tracker.engine"]
    name = jobstate.process_name()
    workers.register(engine, name, threads=threads, restarts=restarts)
    for entity, row_id in jobstate.sweep(engine):
        log.warning("%s %s: its worker had stopped; marked failed", entity, row_id)
    stop = threading.Event()
    keeper = threading.Thread(
        target=_keep_alive, args=(engine, name, stop), name="tracker-heartbeat", daemon=True
    )
    keeper.start()
    consumer = huey().create_consumer(
        workers=threads,
        periodic=True,
        check_worker_health=True,
        graceful_signal="TERM",
        shutdown_timeout=grace,
    )
    try:
        consumer.run()
    finally:
        stop.set()
        workers.stopped(engine, name)
        log.info("worker %s stopped", name)


def init_app(app: Flask) -> None:
    app.extensions["tracker.huey"] = build_huey(app)


def huey() -> Huey:
    return current_app.extensions["tracker.huey"]
