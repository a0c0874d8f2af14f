"""``tracker …`` commands. Each is a thin call into services.

Commands that touch a matter act as a user (``--as EMAIL`` or ``TRACKER_USER``), and that
user's role on the matter is checked exactly as in the browser.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from . import create_app, db
from .errors import ConfigError, TrackerError, ValidationFailed
from .models import User

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def fail(err: TrackerError) -> None:
    if isinstance(err, ValidationFailed):
        for field, message in err.errors:
            click.echo(f"error: {field + ': ' if field else ''}{message}", err=True)
    elif isinstance(err, ConfigError):
        for problem in err.problems:
            click.echo(f"error: {problem}", err=True)
    else:
        click.echo(f"error: {err.message or type(err).__name__}", err=True)
    sys.exit(2 if isinstance(err, ValidationFailed | ConfigError) else 1)


def acting_user(email: str | None) -> User:
    from .services import users

    if not email:
        raise click.UsageError("say who you are: --as EMAIL or TRACKER_USER=EMAIL")
    try:
        return users.by_email(db.get_session(), email)
    except TrackerError as err:
        raise click.UsageError(err.message) from None


def open_matter(reference: str, as_email: str | None):
    """(session, acting user, matter) for a command that reads a matter; exits cleanly when the
    user may not see it."""
    from .services import access

    session = db.get_session()
    actor = acting_user(as_email)
    try:
        return session, actor, access.matter_for(session, actor, reference)
    except TrackerError as err:
        fail(err)


def _check_moment(moment) -> None:
    """--at and --now: the dates the services accept, so later arithmetic cannot overflow."""
    from .services.checks import DAY_RANGE, day_in_range

    if not day_in_range(moment):
        raise click.BadParameter(DAY_RANGE)


as_option = click.option(
    "--as", "as_email", envvar="TRACKER_USER", help="Act as this user (or set TRACKER_USER)."
)


def alembic_config():
    from alembic.config import Config

    cfg = Config(str(MIGRATIONS.parent / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = current_app.config["TRACKER"].database_url
    return cfg


@click.group("db")
def db_group() -> None:
    """Schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(), revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(), revision)


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    from alembic import command

    command.current(alembic_config())


@click.group("user")
def user_group() -> None:
    """Accounts."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--admin", is_flag=True, help="Site admin: may manage accounts.")
@click.option("--locale", type=click.Choice(["ko", "en"]), default="ko")
@with_appcontext
def user_create(email: str, name: str, admin: bool, locale: str) -> None:
    """Create an account. The password is read from stdin, or asked for at a terminal."""
    from .services import users

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        user = users.create_user(
            session=db.get_session(),
            actor="cli",
            email=email,
            name=name,
            password=password,
            is_admin=admin,
            locale=locale,
        )
    except TrackerError as err:
        fail(err)
    click.echo(f"created {user.email}")


@click.command("demo")
@click.option("--owner", help="Email of the account that owns the demo matter (default: admin).")
@with_appcontext
def demo_command(owner: str | None) -> None:
    """Load the demo matter (idempotent). The last word printed is its reference."""
    from .services import demo

    session = db.get_session()
    settings = current_app.config["TRACKER"]
    admin, password = demo.ensure_admin(session, settings.instance_dir)
    user = acting_user(owner) if owner else admin
    matter = demo.load(session, user)
    from . import storage

    demo.add_exhibits(session, storage.vault(), user, matter, settings.instance_dir / "demo-files")
    from .services import evidence as evidence_service

    if evidence_service.last_check(session) is None:
        evidence_service.verify_vault(session=session, vault=storage.vault(), trigger="demo")
    click.echo(f"sign in at {settings.base_url}/login")
    click.echo(f"  email:    {admin.email}")
    if password:
        click.echo(f"  password: {password}")
    click.echo(f"demo matter: {matter.reference}")


@click.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check the database, walk the audit hash chain and re-hash every stored exhibit and
    dossier.

    Exit 0 when all are intact; otherwise name what is damaged (the database's problems, the
    first broken event or the events missing from the chain's end, every tampered, missing and
    orphan object) and exit 1. Also reports the temp files of interrupted uploads removed at
    start.
    """
    from sqlalchemy.exc import DBAPIError

    from . import storage
    from .services import evidence, integrity

    session = db.get_session()
    failed = False
    database = integrity.check_database(db.engine())
    if database.ok:
        click.echo(f"database intact: {database.method}")
    else:
        failed = True
        click.echo(f"database DAMAGED ({database.method}):", err=True)
        for problem in database.problems:
            click.echo(f"  {problem}", err=True)
    try:
        failed |= _verify_chain(session)
        report = evidence.verify_vault(session=session, vault=storage.vault(), trigger="cli")
        dossiers = integrity.verify_dossiers(session, storage.vault())
    except DBAPIError as exc:
        click.echo(f"error: the database cannot be read to the end: {exc.orig}", err=True)
        sys.exit(1)
    for kind, entries in (("TAMPERED", report.tampered), ("MISSING", report.missing)):
        for entry in entries:
            click.echo(
                f"{kind}: exhibit #{entry['evidence_id']} (matter {entry['matter_id']}) "
                f"{entry['filename']} sha256 {entry['sha256']}",
                err=True,
            )
    for sha in report.orphans:
        click.echo(f"ORPHAN: object {sha} is in the vault but no exhibit refers to it", err=True)
    if report.ok:
        click.echo(f"vault intact: {report.check.objects_checked} objects re-hashed")
    for kind, entries in (("TAMPERED", dossiers.tampered), ("MISSING", dossiers.missing)):
        for entry in entries:
            click.echo(
                f"{kind}: dossier {entry['number']} (#{entry['dossier_id']}, matter "
                f"{entry['matter_id']}) sha256 {entry['sha256']}",
                err=True,
            )
    for entry in dossiers.untied:
        click.echo(
            f"UNTIED: dossier {entry['number']} (#{entry['dossier_id']}) printed audit event "
            f"#{entry['audit_seq']} {entry['audit_hash']}, which the chain no longer holds",
            err=True,
        )
    if dossiers.ok:
        click.echo(
            f"dossiers intact: {dossiers.checked} PDFs re-hashed, the audit heads they "
            "printed still in the chain"
        )
    sweep = storage.start_sweep()
    if sweep.removed:
        click.echo(
            f"vault temp: removed {sweep.removed} file(s), {sweep.bytes:,} bytes, left by "
            "interrupted uploads"
        )
    else:
        click.echo("vault temp: nothing left by interrupted uploads")
    if sweep.in_use:
        click.echo(f"vault temp: {sweep.in_use} upload(s) in progress")
    sys.exit(1 if failed or not report.ok or not dossiers.ok else 0)


def _verify_chain(session) -> bool:
    """Walk the chain, then compare its end with the anchor; print the outcome. True if broken."""
    from .services import audit

    checked, broken = audit.verify(session)
    if broken:
        click.echo(f"audit chain BROKEN at {broken.describe()}", err=True)
        click.echo(f"{checked} events intact before it")
        return True
    anchor = current_app.config["TRACKER"].instance_dir / audit.ANCHOR_FILE
    problem = audit.check_anchor(session, anchor)
    if problem:
        click.echo(f"audit chain BROKEN: {problem}", err=True)
        return True
    click.echo(f"audit chain intact: {checked} events")
    return False


@click.group("matter")
def matter_group() -> None:
    """Matters you are a member of."""


@matter_group.command("list")
@as_option
@with_appcontext
def matter_list(as_email: str | None) -> None:
    from .services import matters

    for matter, role in matters.matters_for(db.get_session(), acting_user(as_email)):
        click.echo(f"{matter.reference}\t{role}\t{matter.status}\t{matter.title}")


@matter_group.command("show")
@click.argument("reference")
@as_option
@with_appcontext
def matter_show(reference: str, as_email: str | None) -> None:
    """The demand tracker of one matter, as on its page."""
    from .domain.calendar import kst_today
    from .models import utcnow
    from .services import access, demands

    session = db.get_session()
    try:
        matter = access.matter_for(session, acting_user(as_email), reference)
    except TrackerError as err:
        fail(err)
    click.echo(f"{matter.reference}  {matter.title}")
    for row in demands.tracker(session, matter.id, kst_today(utcnow())):
        ref = f" @{row.item.reference_date}" if row.item.reference_date else ""
        latest = row.latest.position if row.latest else "-"
        late = f"  overdue {row.overdue_days}d" if row.overdue_days else ""
        click.echo(
            f"#{row.item.id}\t{row.item.status}\t{row.item.category}{ref}\t"
            f"{row.party.short_name or row.party.name}\tsent {row.demand.sent_on}\t"
            f"due {row.demand.due_on or '-'}\tlatest {latest}{late}"
        )


@matter_group.command("create")
@click.option("--title", required=True)
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["civil", "criminal", "administrative", "pre_litigation"]),
)
@click.option("--reference", default="")
@click.option("--our-side", default="")
@click.option("--court", default="", help="e.g. 서울중앙지방법원 (printed on the 증거설명서)")
@click.option("--case-number", default="", help="e.g. 2022가합12345")
@click.option("--case-name", default="", help="e.g. 정산금 등")
@click.option(
    "--procedural-role",
    default="",
    type=click.Choice(["", "plaintiff", "defendant", "intervenor"]),
    help="our side in the suit: 원고 (plaintiff), 피고 (defendant), 참가인 (intervenor)",
)
@click.option(
    "--criminal-addressee", default="", help="e.g. 서울중앙지방검찰청 검사장 (고소장 annex)"
)
@as_option
@with_appcontext
def matter_create(title, kind, reference, our_side, as_email, **court_papers) -> None:
    from .services import matters

    try:
        matter = matters.create_matter(
            session=db.get_session(),
            actor=acting_user(as_email),
            reference=reference,
            title=title,
            kind=kind,
            our_side=our_side,
            **court_papers,
        )
    except TrackerError as err:
        fail(err)
    click.echo(matter.reference)


@click.group("evidence")
def evidence_group() -> None:
    """Exhibits: add files, list, label, withdraw."""


def _party_or_person(session, matter_id: int, source: str | None) -> dict:
    from .services import matters

    if not source:
        return {}
    for party in matters.parties(session, matter_id):
        if source.strip() in (party.name, party.short_name):
            return {"source_party_id": party.id}
    return {"source_person": source}


@evidence_group.command("add")
@click.option("--matter", "reference", required=True, help="Matter reference or id.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
@click.option("--source", help="Who it came from: a party's name or short name, or a person.")
@click.option("--received", help="Date received, YYYY-MM-DD.")
@click.option("--how", "obtained_how", default="", help="How it was obtained (e.g. 공문, email).")
@as_option
@with_appcontext
def evidence_add(reference, files, source, received, obtained_how, as_email) -> None:
    """Store FILES as exhibits of a matter. Emails (.eml, .msg) also become correspondence."""
    from . import storage
    from .services import access, evidence

    session = db.get_session()
    actor = acting_user(as_email)
    try:
        matter = access.matter_for(session, actor, reference)
        handles = [open(path, "rb") for path in files]  # noqa: SIM115 - closed below
        try:
            results = evidence.add_files(
                session=session,
                vault=storage.vault(),
                actor=actor,
                matter_id=matter.id,
                uploads=[
                    evidence.Upload(Path(path).name, fh)
                    for path, fh in zip(files, handles, strict=True)
                ],
                max_bytes=storage.upload_limit(),
                received_on=received,
                obtained_how=obtained_how,
                **_party_or_person(session, matter.id, source),
            )
        finally:
            for fh in handles:
                fh.close()
    except TrackerError as err:
        fail(err)
    failed = 0
    for r in results:
        if r.error:
            failed += 1
            click.echo(f"FAILED  {r.filename}: {r.error}", err=True)
            continue
        state = "stored " if r.created else "exists "
        e = r.evidence
        click.echo(f"{state} #{e.id}\t{e.sha256}\t{e.size}\t{e.media_type}\t{e.display_name}")
        if r.correspondence is not None:
            click.echo(f"        correspondence #{r.correspondence.id}: {r.correspondence.subject}")
        for row, item in r.attachments:
            kept = f"exhibit #{item.id}" if item else f"not stored: {row.problem}"
            click.echo(f"        attachment {row.position}: {row.filename}\t{kept}")
        for problem in r.problems:
            click.echo(f"        note: {problem}")
    sys.exit(1 if failed else 0)


@evidence_group.command("list")
@click.option("--matter", "reference", required=True)
@as_option
@with_appcontext
def evidence_list(reference, as_email) -> None:
    from .services import evidence

    session, _actor, matter = open_matter(reference, as_email)
    for e in evidence.list_for_matter(session, matter.id):
        label = evidence.label_of(e, matter.label_scheme) or "-"
        state = " (withdrawn)" if e.withdrawn_at else ""
        click.echo(f"#{e.id}\t{label}\t{e.sha256[:16]}\t{e.size}\t{e.title}{state}")


@evidence_group.command("label")
@click.option("--matter", "reference", required=True)
@click.argument("evidence_id", type=int)
@click.option("--branch-of", type=int, help="File it as the next branch of this exhibit's label.")
@click.option(
    "--override-produced",
    is_flag=True,
    help="Branch under an exhibit already in registered dossiers anyway (audited; --reason).",
)
@click.option("--reason", default="", help="Why the override is needed (audited).")
@as_option
@with_appcontext
def evidence_label(reference, evidence_id, branch_of, override_produced, reason, as_email):
    """Mark an exhibit for production: it gets the matter's next label."""
    from .services import access, evidence

    session = db.get_session()
    try:
        actor = acting_user(as_email)
        matter = access.matter_for(session, actor, reference)
        item = evidence.mark_for_production(
            session=session,
            actor=actor,
            matter_id=matter.id,
            evidence_id=evidence_id,
            branch_of=branch_of,
            override_produced=override_produced,
            reason=reason,
        )
    except evidence.LabelFrozen as err:
        _label_frozen(err, actor)
    except TrackerError as err:
        fail(err)
    click.echo(evidence.label_of(item, matter.label_scheme))
    if override_produced and branch_of is not None:
        _contradicted(session, matter.id, branch_of, actor)


@evidence_group.command("renumber")
@click.option("--matter", "reference", required=True)
@click.argument("evidence_id", type=int)
@click.option("--number", type=int, required=True)
@click.option("--branch", type=int, default=0, show_default=True, help="0: no branch.")
@click.option("--reason", required=True, help="Why the label changes (audited).")
@click.option(
    "--override-produced",
    is_flag=True,
    help="Change a label already in registered dossiers anyway (audited).",
)
@as_option
@with_appcontext
def evidence_renumber(reference, evidence_id, number, branch, reason, override_produced, as_email):
    """Change an exhibit's label on purpose (audited, with the reason)."""
    from .services import access, evidence

    session = db.get_session()
    try:
        actor = acting_user(as_email)
        matter = access.matter_for(session, actor, reference)
        item = evidence.renumber(
            session=session,
            actor=actor,
            matter_id=matter.id,
            evidence_id=evidence_id,
            number=number,
            branch=branch,
            reason=reason,
            override_produced=override_produced,
        )
    except evidence.LabelFrozen as err:
        _label_frozen(err, actor)
    except TrackerError as err:
        fail(err)
    click.echo(evidence.label_of(item, matter.label_scheme))
    if override_produced:
        _contradicted(session, matter.id, evidence_id, actor)


def _in_locale(actor: User, message: str, **values) -> str:
    from flask_babel import force_locale, gettext

    with force_locale(actor.locale or "ko"):
        return gettext(message, **values)


def _label_frozen(err, actor: User) -> None:
    """A frozen label: the refusal in the user's language, exit 1 (nothing changed)."""
    click.echo(f"error: {_in_locale(actor, err.msgid, **err.params)}", err=True)
    sys.exit(1)


def _contradicted(session, matter_id: int, evidence_id: int, actor: User) -> None:
    from .services import evidence

    produced = evidence.productions(session, matter_id, [evidence_id]).get(evidence_id, [])
    if produced:
        names = ", ".join(p.describe() for p in produced)
        message = "Override recorded. These registered dossiers print the old label: %(dossiers)s."
        click.echo(f"warning: {_in_locale(actor, message, dossiers=names)}", err=True)


@evidence_group.command("withdraw")
@click.option("--matter", "reference", required=True)
@click.argument("evidence_id", type=int)
@click.option("--reason", required=True)
@as_option
@with_appcontext
def evidence_withdraw(reference, evidence_id, reason, as_email) -> None:
    """Withdraw an exhibit; its bytes and label are kept."""
    from .services import access, evidence

    session = db.get_session()
    try:
        actor = acting_user(as_email)
        matter = access.matter_for(session, actor, reference)
        evidence.withdraw(
            session=session,
            actor=actor,
            matter_id=matter.id,
            evidence_id=evidence_id,
            reason=reason,
        )
    except TrackerError as err:
        fail(err)
    click.echo(f"withdrawn #{evidence_id}")


@click.group("deadline")
def deadline_group() -> None:
    """Deadlines under 민법 157–161."""


@deadline_group.command("compute")
@click.option("--from", "trigger", required=True, help="YYYY-MM-DD (event day) or YYYY-MM-DDT00:00")
@click.option("--period", required=True, help='"N days|weeks|months|years" (or 10일, 1개월…)')
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def deadline_compute(trigger: str, period: str, as_json: bool) -> None:
    """Print the due date and each step of its computation with the article applied."""
    import json

    from .services import deadlines

    try:
        due = deadlines.compute(db.get_session(), trigger, period)
    except TrackerError as err:
        fail(err)
    if as_json:
        click.echo(json.dumps(due.to_json(), ensure_ascii=False))
        return
    click.echo(f"due: {due.due.isoformat()} (ends {due.ends_at.isoformat()})")
    for step in due.trace:
        click.echo(f"  {step.article}: {step.ko}")


@deadline_group.command("add")
@click.option("--matter", "reference", required=True)
@click.option("--title", required=True)
@click.option("--kind", type=click.Choice(["hard", "follow_up", "hearing"]), default="hard")
@click.option("--due", "due_on", help="Fixed due date YYYY-MM-DD.")
@click.option("--from", "trigger", help="Trigger date, with --period.")
@click.option("--period", default="")
@click.option("--owner", help="Owner's email (default: you).")
@as_option
@with_appcontext
def deadline_add(reference, title, kind, due_on, trigger, period, owner, as_email) -> None:
    from .services import access, deadlines, users

    session = db.get_session()
    try:
        actor = acting_user(as_email)
        matter = access.matter_for(session, actor, reference)
        owner_id = users.by_email(session, owner).id if owner else None
        deadline = deadlines.create_deadline(
            session=session,
            actor=actor,
            matter_id=matter.id,
            title=title,
            kind=kind,
            due_on=due_on,
            trigger_on=trigger,
            period=period,
            owner_id=owner_id,
        )
    except TrackerError as err:
        fail(err)
    click.echo(f"#{deadline.id}\tdue {deadline.due_on.isoformat()}\t{deadline.title}")


@deadline_group.command("list")
@click.option("--matter", "reference", required=True)
@as_option
@with_appcontext
def deadline_list(reference, as_email) -> None:
    from .services import deadlines

    session, _actor, matter = open_matter(reference, as_email)
    for d in deadlines.of_matter(session, matter.id):
        click.echo(f"#{d.id}\t{d.due_on.isoformat()}\t{d.status}\t{d.kind}\t{d.title}")


@click.group("reminders")
def reminders_group() -> None:
    """Reminder emails."""


@reminders_group.command("run")
@click.option("--now", "now_text", help="ISO 8601 moment to act at (default: the clock).")
@with_appcontext
def reminders_run(now_text: str | None) -> None:
    """One pass: send what is due, once. Prints what it sent, skipped and failed."""
    from datetime import datetime

    from .models import utcnow
    from .services import reminders

    settings = current_app.config["TRACKER"]
    now = utcnow()
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            raise click.BadParameter(f"not an ISO 8601 moment: {now_text}") from None
        if now.tzinfo is None:
            raise click.BadParameter("give a timezone, e.g. 2022-02-21T09:00+09:00")
        _check_moment(now)
    report = reminders.run_with_settings(engine=db.engine(), settings=settings, now=now)
    for word, rows in (
        ("sent", report.sent),
        ("skipped", report.skipped),
        ("failed", report.failed),
    ):
        for o in rows:
            extra = f"\t{o.detail}" if o.detail else ""
            click.echo(f"{word}\t{o.recipient}\tdeadline #{o.deadline_id}\t{o.slot}{extra}")
    click.echo(
        f"{len(report.sent)} sent, {len(report.skipped)} skipped, {len(report.failed)} failed"
    )
    sys.exit(1 if report.failed else 0)


@click.group("holiday")
def holiday_group() -> None:
    """Ad-hoc public holidays (임시공휴일) used by deadline computation."""


@holiday_group.command("add")
@click.argument("day")
@click.argument("name")
@as_option
@with_appcontext
def holiday_add(day, name, as_email) -> None:
    from .services import deadlines

    try:
        holiday = deadlines.add_holiday(
            session=db.get_session(), actor=acting_user(as_email), day=day, name=name
        )
    except TrackerError as err:
        fail(err)
    click.echo(f"holiday {holiday.day.isoformat()} {holiday.name}")


@click.group("dossier")
def dossier_group() -> None:
    """Timestamped, signed PDF dossiers."""


@dossier_group.command("build")
@click.option("--matter", "reference", required=True)
@click.option("--purpose", type=click.Choice(["civil", "criminal", "internal"]), required=True)
@click.option("--lang", type=click.Choice(["ko", "en"]), default="ko", show_default=True)
@click.option(
    "--at", "at_text", help="Generated-at moment, ISO 8601 with timezone (fixes the bytes)."
)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option(
    "--unsigned",
    is_flag=True,
    help="An unsigned, unregistered PREVIEW (same data + --at: same bytes).",
)
@as_option
@with_appcontext
def dossier_build(reference, purpose, lang, at_text, out_path, unsigned, as_email) -> None:
    """Build a dossier of a matter, register it, and write the PDF to --out."""
    from datetime import datetime

    from . import storage
    from .services import court_papers, dossiers

    at = None
    if at_text:
        try:
            at = datetime.fromisoformat(at_text)
        except ValueError:
            raise click.BadParameter(f"not an ISO 8601 moment: {at_text}") from None
        if at.tzinfo is None:
            raise click.BadParameter("give a timezone, e.g. 2022-03-02T09:00+09:00")
        _check_moment(at)
    session = db.get_session()
    settings = current_app.config["TRACKER"]
    if unsigned:
        if at is None:
            raise click.UsageError("--unsigned needs --at, so the bytes can be reproduced")
        try:
            pdf = dossiers.preview(
                session=session,
                vault=storage.vault(),
                settings=settings,
                actor=acting_user(as_email),
                matter_id=reference,
                purpose=purpose,
                lang=lang,
                at=at,
            )
        except TrackerError as err:
            fail(err)
        Path(out_path).write_bytes(pdf)
        click.echo(f"PREVIEW (unsigned, not registered)\t{len(pdf)} bytes")
        click.echo(out_path)
        _court_paper_warnings(
            court_papers.of_preview(
                session=session,
                vault=storage.vault(),
                actor=acting_user(as_email),
                matter_id=reference,
                purpose=purpose,
                lang=lang,
                at=at,
            )
        )
        return
    try:
        row = dossiers.request_build(
            session=session,
            actor=acting_user(as_email),
            matter_id=reference,
            purpose=purpose,
            lang=lang,
            at=at,
        )
    except TrackerError as err:
        fail(err)
    row = dossiers.run_build(
        engine=db.engine(), vault=storage.vault(), settings=settings, dossier_id=row.id
    )
    if row.status != "done":
        _job_failed(row, acting_user(as_email))
    with storage.vault().open(row.sha256) as src, open(out_path, "wb") as dst:
        while block := src.read(1024 * 1024):
            dst.write(block)
    click.echo(f"{row.number}\t{row.page_count} pages\t{row.size} bytes\tsha256 {row.sha256}")
    click.echo(out_path)
    _court_paper_warnings(court_papers.of_dossier(row, acting_user(as_email).locale))


def _court_paper_warnings(lines: list[str]) -> None:
    # On stderr, so that a script reading the number and the path from stdout is unaffected.
    for line in lines:
        click.echo(f"warning: {line}", err=True)


def _job_failed(row, actor: User) -> None:
    from .services import jobstate

    reason = jobstate.reason(row, locale=actor.locale)
    click.echo(f"error: {row.number} {row.status}: {reason}", err=True)
    sys.exit(1)


def _dossier_job(action: str, reference: str, number: int, as_email: str | None) -> None:
    from . import jobs
    from .services import dossiers

    session, actor, matter = open_matter(reference, as_email)
    try:
        row = getattr(dossiers, action)(
            session=session, actor=actor, matter_id=matter.id, dossier_id=number
        )
    except TrackerError as err:
        fail(err)
    if action == "retry":
        click.echo(f"{row.number}\tqueued again (attempt {row.attempts + 1})")
        if jobs.start_dossier(row.id) == "inline":
            session.expire_all()
            row = session.get(type(row), row.id)
            if row.status != "done":
                _job_failed(row, actor)
        click.echo(f"{row.number}\t{row.status}")
    else:
        click.echo(f"{row.number}\t{row.status}")


@dossier_group.command("retry")
@click.option("--matter", "reference", required=True)
@click.argument("dossier_id", type=int)
@as_option
@with_appcontext
def dossier_retry(reference, dossier_id, as_email) -> None:
    """Build a failed or cancelled dossier again (in the worker when one runs)."""
    _dossier_job("retry", reference, dossier_id, as_email)


@dossier_group.command("cancel")
@click.option("--matter", "reference", required=True)
@click.argument("dossier_id", type=int)
@as_option
@with_appcontext
def dossier_cancel(reference, dossier_id, as_email) -> None:
    """Stop a queued or running build; nothing is stored."""
    _dossier_job("cancel", reference, dossier_id, as_email)


@dossier_group.command("verify")
@click.argument("pdf", type=click.Path(dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def dossier_verify(pdf, as_json) -> None:
    """Is FILE a registered dossier, unchanged, with a valid signature and timestamp?"""
    import json

    from .services import dossiers

    report = dossiers.verify_file(
        db.get_session(), Path(pdf).read_bytes(), current_app.config["TRACKER"]
    )
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, default=str))
    else:
        d = report["dossier"]
        click.echo(f"sha256:     {report['sha256']}")
        click.echo(f"registered: {'yes, ' + d['number'] if d else 'NO'}")
        sig = report["signature"]
        click.echo(f"signature:  {'valid' if sig.get('ok') else 'INVALID'}")
        for key in ("intact", "valid", "trusted", "timestamp_valid", "covers_whole_file"):
            if key in sig:
                click.echo(f"  {key}: {sig[key]}")
        for problem in sig.get("problems", []):
            click.echo(f"  problem: {problem}")
        chain = report.get("audit")
        if chain:
            held = "yes" if chain["ok"] else "NO"
            click.echo(f"audit head: #{chain['seq']} {chain['hash']}")
            click.echo(f"  still in the chain with this hash, links intact: {held}")
            if chain.get("problem"):
                click.echo(f"  problem: {chain['problem']}")
    sys.exit(0 if report["ok"] else 1)


@click.command("worker")
@click.option("--workers", default=1, show_default=True, type=int, help="Threads running jobs.")
@click.option(
    "--grace",
    default=60.0,
    show_default=True,
    type=float,
    help="On SIGTERM, seconds running jobs get to finish before they are queued again.",
)
@click.option("--restarts", default=0, type=int, hidden=True)  # set by `serve --with-worker`
@with_appcontext
def worker_command(workers: int, grace: float, restarts: int) -> None:
    """Run the background worker: queued jobs and the periodic ones (reminders, integrity
    check). SIGTERM lets running jobs finish; Ctrl-C queues them again for the next worker."""
    import logging

    from . import jobs

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    click.echo(f"tracker worker: {workers} worker(s), periodic tasks on, grace {grace:g} s")
    jobs.run_worker(threads=workers, grace=grace, restarts=restarts)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="TRACKER_HOST")
@click.option("--port", default=5000, show_default=True, type=int, envvar="TRACKER_PORT")
@click.option("--with-worker", is_flag=True, help="Also run the background worker (make run).")
@click.option(
    "--web-workers",
    type=int,
    help="Web processes (default: 2 with TRACKER_REDIS_URL, else 1, so that the sign-in limit,"
    " counted in the process's memory without Redis, holds exactly).",
)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per process.")
@click.option(
    "--timeout",
    default=60,
    show_default=True,
    type=int,
    help="Restart a web process silent this long (a slow upload never counts).",
)
@click.option("--grace", default=60.0, show_default=True, type=float, help="See `worker`.")
@with_appcontext
def serve_command(host, port, with_worker, web_workers, threads, timeout, grace) -> None:
    """Serve the app with gunicorn (gthread) until Ctrl-C or SIGTERM; with --with-worker, a
    worker runs too, is restarted when it dies, and stops with the server."""
    from .config import follow_serve_address
    from .serving import ServeOptions, serve

    # Links (e-mails, feeds, printed URLs) follow --host/--port unless TRACKER_BASE_URL is set;
    # exported, so the worker and the web processes started below follow too.
    follow_serve_address(current_app.config["TRACKER"], host, port)
    if web_workers is None:
        web_workers = 2 if current_app.config["TRACKER"].redis_url else 1
    options = ServeOptions(host, port, web_workers, threads, timeout, with_worker, grace)
    sys.exit(serve(options, echo=lambda line: click.echo(line, err=True)))


def init_app(app: Flask) -> None:
    from .reconcile.commands import audit_data_command, reconcile_command

    for command in (
        reconcile_command,
        audit_data_command,
        db_group,
        user_group,
        demo_command,
        verify_command,
        matter_group,
        evidence_group,
        deadline_group,
        reminders_group,
        holiday_group,
        dossier_group,
        worker_command,
        serve_command,
    ):
        app.cli.add_command(command)


def _checked_app() -> Flask:
    # A setting that cannot work stops every command with its one clear message (exit 2),
    # before Flask's loader would turn it into a traceback.
    try:
        return create_app()
    except ConfigError as err:
        fail(err)


def main() -> None:
    FlaskGroup(create_app=_checked_app, add_default_commands=True, load_dotenv=False)(
        prog_name="tracker"
    )


if __name__ == "__main__":
    main()
