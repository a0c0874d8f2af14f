"""The life of a background job (a dossier build, an analysis): queued, claimed and running
with a heartbeat, then done, failed with a reason, or cancelled. Never "running" forever.

One process claims a queued row with a conditional UPDATE and writes its name into
``worker`` (host:pid:start), so two workers never run it twice. Every later write of the run
is guarded by that claim: a run that lost it (cancelled, swept as dead, requeued at shutdown)
stops at its next step and never overwrites what replaced it. While it runs, a thread
refreshes ``heartbeat_at``; :func:`sweep` marks a running row failed once its heartbeat is
stale or its process is gone.

Why a job failed is stored as a stable code and parameters (``error_code``,
``error_params``) and rendered in the reader's language by :func:`reason`; exception details
go to the log, never to the page. ``error`` keeps the untranslated text for old rows and for
anyone reading the table directly.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, SQLModel, col, select

from ..errors import Conflict, NotFound, TrackerError, ValidationFailed
from ..models import Analysis, Dossier, User, utcnow
from . import audit, workers
from .checks import N_

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
# Six missed heartbeats: a worker busy rendering on a loaded machine still makes one in time.
STALE_AFTER = timedelta(seconds=60)
# A queued job nobody picked up while no worker was alive.
QUEUED_STALE_AFTER = timedelta(minutes=10)

ACTIVE = ("queued", "running")
ENDED = ("failed", "cancelled")
JOB_MODELS: tuple[type[SQLModel], ...] = (Dossier, Analysis)

REASONS = {
    "worker_stopped": N_("The worker stopped before this job finished. Retry it."),
    "no_worker": N_("No worker picked this job up. Start the worker, then retry it."),
    "interrupted": N_("The job was interrupted before it finished. Retry it."),
    "cancelled": N_("Cancelled by %(by)s."),
    "refused": N_("The input was refused: %(details)s"),
    "input_missing": N_(
        "An input file is missing from the evidence vault. Run `tracker verify`, then retry."
    ),
    "exhibit_integrity": N_(
        "A stored exhibit is missing or no longer matches its recorded SHA-256. "
        "Run `tracker verify`."
    ),
    "missing_glyph": N_("Some text uses a character the dossier font does not have."),
    "render_failed": N_(
        "The PDF could not be laid out (reference %(reference)s). Retry it; if it fails again, "
        "tell your administrator."
    ),
    "signing_failed": N_(
        "The PDF could not be signed or timestamped. Check the signing certificate and the "
        "timestamp authority, then retry."
    ),
    "unexpected": N_(
        "An unexpected error stopped the job (reference %(reference)s); the details are in the "
        "server log. Retry it; if it fails again, tell your administrator."
    ),
}


class JobStopped(Exception):
    """This run no longer holds its row (cancelled, swept or requeued): stop quietly."""


# Who runs a job: the worker registry's process names (host:pid:start).
process_name = workers.process_name
process_gone = workers.process_gone


# --- reasons ---------------------------------------------------------------------------------


def _render(translate: Callable[..., str], code: str, params: dict[str, Any]) -> str:
    values = dict(params)
    if "messages" in values:
        values["details"] = " ".join(translate(m) for m in values.pop("messages"))
    template = REASONS.get(code)
    if template is None:
        template, values = REASONS["unexpected"], {"reference": values.get("reference", code)}
    return translate(template, **values)


def _plain(message: str, **values: Any) -> str:
    return message % values if values else message


def reason(row: Any, locale: str | None = None) -> str:
    """Why the job failed or was cancelled, in the reader's language (the request's locale,
    or ``locale``). Empty while it has not ended."""
    if not row.error_code:
        return row.error or ""
    from flask_babel import force_locale, gettext

    params = json.loads(row.error_params or "{}")
    with force_locale(locale) if locale else nullcontext():
        return _render(gettext, row.error_code, params)


# A Python repr that slipped into a message (``<_io.BytesIO object at 0x7f…>``): never shown.
_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>|\bat 0x[0-9a-fA-F]+\b")


def _clean(message: str) -> str:
    return _REPR.sub("(…)", message)


def failure_of(err: TrackerError, known: dict[type, str] | None = None) -> tuple[str, dict]:
    """The code and parameters for an error a job raised on purpose. Messages keep what the
    reader needs (a file's name, a column) and lose any Python repr."""
    for cls, code in (known or {}).items():
        if isinstance(err, cls):
            return code, {}
    if isinstance(err, ValidationFailed):
        return "refused", {"messages": [_clean(m) for _f, m in err.errors if m]}
    if isinstance(err, NotFound):
        return "input_missing", {}
    return "unexpected", {}


# --- one run ---------------------------------------------------------------------------------


class Job:
    """One process's run of one row. ``kind`` names it in logs and references."""

    def __init__(self, engine: Engine, model: type[SQLModel], row_id: int, kind: str) -> None:
        self.engine, self.model, self.row_id, self.kind = engine, model, row_id, kind
        self.name = process_name()
        self.attempt = 0

    @property
    def reference(self) -> str:
        return f"{self.kind}-{self.row_id}-{self.attempt}"

    def claim(self) -> bool:
        """Take a queued row. False when it is not queued (cancelled, done, or another
        process runs it): then this run does nothing."""
        m = self.model
        with Session(self.engine) as s:
            result = s.exec(
                update(m)
                .where(m.id == self.row_id, m.status == "queued")
                .values(
                    status="running",
                    worker=self.name,
                    heartbeat_at=utcnow(),
                    attempts=m.attempts + 1,
                    progress=0,
                    error="",
                    error_code="",
                    error_params="{}",
                    finished_at=None,
                )
            )
            s.commit()
            if result.rowcount != 1:
                return False
            self.attempt = s.exec(select(m.attempts).where(m.id == self.row_id)).one()
        return True

    def _mine(self):
        m = self.model
        return (m.id == self.row_id, m.status == "running", m.worker == self.name)

    def set(self, **values: Any) -> None:
        """Write progress (and the heartbeat) while this run still holds the row."""
        m = self.model
        with Session(self.engine) as s:
            result = s.exec(update(m).where(*self._mine()).values(heartbeat_at=utcnow(), **values))
            s.commit()
        if result.rowcount != 1:
            raise JobStopped(self.reference)

    def hold(self, session: Session) -> None:
        """First statement of the run's final transaction: re-assert the claim (on SQLite this
        takes the write lock before anything is read), or stop."""
        result = session.exec(update(self.model).where(*self._mine()).values(heartbeat_at=utcnow()))
        if result.rowcount != 1:
            session.rollback()
            raise JobStopped(self.reference)

    @contextmanager
    def heartbeat(self) -> Iterator[None]:
        """Refresh ``heartbeat_at`` from a thread while the block runs, however long one step
        of the work takes."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(HEARTBEAT_SECONDS):
                try:
                    self.set()
                except JobStopped:
                    return
                except Exception:  # a locked or unreachable database: try again next beat
                    log.warning("%s: heartbeat not written", self.reference, exc_info=True)

        thread = threading.Thread(target=beat, name=f"heartbeat-{self.reference}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=HEARTBEAT_SECONDS)

    def fail(self, code: str, **params: Any) -> bool:
        """Record why this run failed (audited). False when it no longer held the row."""
        return _end(
            self.engine,
            self.model,
            self.row_id,
            where=self._mine(),
            status="failed",
            code=code,
            params=params,
            actor=f"worker:{self.name}",
            before={"status": "running"},
        )

    def fail_unexpected(self, err: BaseException) -> bool:
        log.error(
            "%s %s failed unexpectedly (reference %s)",
            self.kind,
            self.row_id,
            self.reference,
            exc_info=err,
        )
        return self.fail("unexpected", reference=self.reference)

    def fail_on_purpose(self, err: TrackerError, known: dict[type, str] | None = None) -> bool:
        code, params = failure_of(err, known)
        if code in ("unexpected", "render_failed"):
            params["reference"] = self.reference
        log.warning("%s %s failed (reference %s): %s", self.kind, self.row_id, self.reference, err)
        return self.fail(code, **params)

    def requeue(self) -> bool:
        """Give the row back to the queue (the worker is shutting down). True when it was ours."""
        m = self.model
        with Session(self.engine) as s:
            result = s.exec(
                update(m)
                .where(*self._mine())
                .values(status="queued", worker="", progress=0, heartbeat_at=utcnow())
            )
            s.commit()
        return result.rowcount == 1


@contextmanager
def running(job: Job, known: dict[type, str] | None = None) -> Iterator[None]:
    """Run the block as ``job``'s work: a heartbeat meanwhile, and any exception ends in a
    recorded failure (the caller gets the row back, never a raised error) — except a
    Ctrl-C or exit, which is recorded as an interruption and goes on up."""
    try:
        with job.heartbeat():
            yield
    except JobStopped:
        log.info("%s stopped: the row was cancelled, swept or requeued", job.reference)
    except TrackerError as err:
        job.fail_on_purpose(err, known)
    except Exception as err:
        job.fail_unexpected(err)
    except BaseException:
        job.fail("interrupted")
        raise


def _end(
    engine: Engine,
    model: type[SQLModel],
    row_id: int,
    *,
    where: tuple,
    status: str,
    code: str,
    params: dict[str, Any],
    actor: User | str,
    before: dict[str, Any],
) -> bool:
    now = utcnow()
    values = {
        "status": status,
        "error_code": code,
        "error_params": json.dumps(params, ensure_ascii=False, sort_keys=True),
        "error": _render(_plain, code, params),
        "progress": 100,
        "finished_at": now,
    }
    with Session(engine) as s:
        # The UPDATE comes first: on SQLite it waits for the write lock instead of failing on
        # a snapshot another process made stale.
        result = s.exec(update(model).where(*where).values(**values))
        if result.rowcount != 1:
            s.rollback()
            return False
        matter_id = s.exec(select(model.matter_id).where(model.id == row_id)).one()
        audit.record(
            s,
            actor=actor,
            action="update",
            entity=model.__name__,
            entity_id=row_id,
            matter_id=matter_id,
            before=before,
            after={k: v for k, v in values.items() if k != "finished_at"},
            at=now,
        )
        s.commit()
    return True


# --- the sweep -------------------------------------------------------------------------------


def sweep(engine: Engine, *, now: datetime | None = None, only: tuple | None = None) -> list:
    """Mark failed every running job whose process died (stale heartbeat, or gone from this
    host) and every queued job nobody picked up while no worker was alive. ``only`` is a
    (model, id) pair to look at one row (a page view). Returns the (entity, id) swept."""
    now = now or utcnow()
    swept = []
    with Session(engine) as s:
        candidates = []
        for model in JOB_MODELS:
            if only and only[0] is not model:
                continue
            query = select(
                model.id, model.status, model.worker, model.heartbeat_at, model.created_at
            ).where(col(model.status).in_(ACTIVE))
            if only:
                query = query.where(model.id == only[1])
            candidates += [(model, *row) for row in s.exec(query).all()]
        if not candidates:
            return []
        anyone = workers.any_alive(s, now)
        s.commit()
    for model, row_id, status, worker, beat, created in candidates:
        last = beat or created
        if status == "running":
            dead = (worker and process_gone(worker)) or now - last > STALE_AFTER
            code = "worker_stopped"
        else:
            dead = not anyone and now - last > QUEUED_STALE_AFTER
            code = "no_worker"
        if not dead:
            continue
        # Only the state just read: a row claimed or refreshed since then is left alone.
        where = (model.id == row_id, model.status == status, model.worker == worker)
        if beat is not None:
            where += (model.heartbeat_at == beat,)
        if _end(
            engine,
            model,
            row_id,
            where=where,
            status="failed",
            code=code,
            params={},
            actor="worker-sweep",
            before={"status": status, "worker": worker},
        ):
            log.warning("%s %s was %s in %s: marked failed (%s)", model.__name__, row_id, status,
                        worker or "no worker", code)  # fmt: skip
            swept.append((model.__name__, row_id))
    return swept


# --- what a person may do --------------------------------------------------------------------


def _status(session: Session, model: type[SQLModel], row_id: int) -> str:
    status = session.exec(select(model.status).where(model.id == row_id)).first()
    session.commit()  # end the read: the write below starts its own transaction with the UPDATE
    if status is None:
        raise NotFound(model.__name__.lower())
    return status


def retry(*, session: Session, actor: User, model: type[SQLModel], row_id: int) -> None:
    """Put a failed or cancelled job back in the queue (audited). The caller checked the
    actor's role, and starts the job."""
    old = _status(session, model, row_id)
    m = model
    values = {
        "status": "queued",
        "progress": 0,
        "worker": "",
        "error": "",
        "error_code": "",
        "error_params": "{}",
        "heartbeat_at": utcnow(),
        "finished_at": None,
    }
    result = session.exec(update(m).where(m.id == row_id, m.status == old).values(**values))
    if old not in ENDED or result.rowcount != 1:
        session.rollback()
        raise Conflict(N_("Only a failed or cancelled job can be retried."))
    matter_id = session.exec(select(m.matter_id).where(m.id == row_id)).one()
    audit.record(
        session,
        actor=actor,
        action="update",
        entity=m.__name__,
        entity_id=row_id,
        matter_id=matter_id,
        before={"status": old},
        after={"status": "queued", "error_code": ""},
    )
    session.commit()
    session.expire_all()


def cancel(*, session: Session, actor: User, model: type[SQLModel], row_id: int) -> None:
    """Stop a queued or running job (audited). A running one stops at its next step and
    stores nothing."""
    for _attempt in range(3):  # queued may turn running between the read and the write
        old = _status(session, model, row_id)
        if old not in ACTIVE:
            raise Conflict(N_("This job has already ended."))
        if _end(
            session.get_bind(),
            model,
            row_id,
            where=(model.id == row_id, model.status == old),
            status="cancelled",
            code="cancelled",
            params={"by": audit.Actor.of(actor).label},
            actor=actor,
            before={"status": old},
        ):
            session.expire_all()
            return
    raise Conflict(N_("This job has already ended."))
