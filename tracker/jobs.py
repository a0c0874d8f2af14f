"""The background queue (Huey): SQLite storage under the instance dir, Redis when configured.

The Huey instance is built per app by ``init_app`` (nothing at import time), and its tasks run
inside that app's context. ``tracker worker`` runs the consumer; ``tracker serve --with-worker``
(what ``make run`` uses) starts one next to the web server.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey

log = logging.getLogger(__name__)


def build_huey(app: Flask) -> Huey:
    settings = app.config["TRACKER"]
    if settings.redis_url:
        huey: Huey = RedisHuey("tracker", url=settings.redis_url, utc=True)
    else:
        huey = SqliteHuey("tracker", filename=str(settings.instance_dir / "queue.db"), utc=True)
    if app.config.get("TRACKER_JOBS_IMMEDIATE"):
        huey.immediate = True

    # 03:00 KST: the vault is re-hashed while nobody is working.
    @huey.periodic_task(crontab(hour="18", minute="0"), name="integrity_check")
    def integrity_check():
        with app.app_context():
            return run_integrity_check(trigger="worker")

    @huey.periodic_task(crontab(minute="*/15"), name="send_reminders")
    def send_reminders():
        with app.app_context():
            return run_reminders()

    @huey.task(name="run_analysis")
    def run_analysis(analysis_id: int):
        with app.app_context():
            return run_analysis_now(analysis_id)

    @huey.task(name="build_dossier")
    def build_dossier(dossier_id: int):
        with app.app_context():
            return build_dossier_now(dossier_id)

    @huey.periodic_task(crontab(minute="*"), name="heartbeat")
    def heartbeat():
        huey.put(HEARTBEAT, time.time())

    @huey.on_startup()
    def _started():
        huey.put(HEARTBEAT, time.time())

    app.extensions["tracker.jobs"] = {
        "integrity_check": integrity_check,
        "send_reminders": send_reminders,
        "run_analysis": run_analysis,
        "build_dossier": build_dossier,
    }
    return huey


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


HEARTBEAT = "worker-heartbeat"


def worker_alive(max_age: float = 150.0) -> bool:
    """Whether a worker reported in recently (it does every minute)."""
    stamp = huey().get(HEARTBEAT, peek=True)
    return stamp is not None and time.time() - float(stamp) < max_age


def run_analysis_now(analysis_id: int):
    from . import db, storage
    from .services import discrepancies

    return discrepancies.run(engine=db.engine(), vault=storage.vault(), analysis_id=analysis_id)


def start_analysis(analysis_id: int) -> str:
    """In the worker when one is running, otherwise here and now. Returns where it ran."""
    if worker_alive():
        current_app.extensions["tracker.jobs"]["run_analysis"](analysis_id)
        return "worker"
    run_analysis_now(analysis_id)
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
    build_dossier_now(dossier_id)
    return "inline"


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


def init_app(app: Flask) -> None:
    app.extensions["tracker.huey"] = build_huey(app)


def huey() -> Huey:
    return current_app.extensions["tracker.huey"]
