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
from .errors import TrackerError, ValidationFailed
from .models import User

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def fail(err: TrackerError) -> None:
    if isinstance(err, ValidationFailed):
        for field, message in err.errors:
            click.echo(f"error: {field + ': ' if field else ''}{message}", err=True)
    else:
        click.echo(f"error: {err.message or type(err).__name__}", err=True)
    sys.exit(2 if isinstance(err, ValidationFailed) else 1)


def acting_user(email: str | None) -> User:
    from .services import users

    if not email:
        raise click.UsageError("say who you are: --as EMAIL or TRACKER_USER=EMAIL")
    try:
        return users.by_email(db.get_session(), email)
    except TrackerError as err:
        raise click.UsageError(err.message) from None


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
    click.echo(f"sign in at {settings.base_url}/login")
    click.echo(f"  email:    {admin.email}")
    if password:
        click.echo(f"  password: {password}")
    click.echo(f"demo matter: {matter.reference}")


@click.command("verify")
@with_appcontext
def verify_command() -> None:
    """Walk the audit hash chain. Exit 0 when intact; otherwise name the first broken event."""
    from .services import audit

    checked, broken = audit.verify(db.get_session())
    if broken:
        click.echo(f"audit chain BROKEN at {broken.describe()}", err=True)
        click.echo(f"{checked} events intact before it")
        sys.exit(1)
    click.echo(f"audit chain intact: {checked} events")


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
@as_option
@with_appcontext
def matter_create(title, kind, reference, our_side, as_email) -> None:
    from .services import matters

    try:
        matter = matters.create_matter(
            session=db.get_session(),
            actor=acting_user(as_email),
            reference=reference,
            title=title,
            kind=kind,
            our_side=our_side,
        )
    except TrackerError as err:
        fail(err)
    click.echo(matter.reference)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the app (threaded) until Ctrl-C."""
    from werkzeug.serving import run_simple

    click.echo(f"tracker on http://{host}:{port}/  (Ctrl-C stops it)")
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


def init_app(app: Flask) -> None:
    for command in (
        db_group,
        user_group,
        demo_command,
        verify_command,
        matter_group,
        serve_command,
    ):
        app.cli.add_command(command)


def main() -> None:
    FlaskGroup(create_app=lambda: create_app(), add_default_commands=True, load_dotenv=False)(
        prog_name="tracker"
    )
