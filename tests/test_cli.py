"""The `tracker` commands, run through Flask's CLI runner against the real database."""

from tests.factories import add_member, make_demand, make_matter, make_user
from tracker.models import User
from tracker.services import users


def test_user_create_reads_the_password_from_stdin(runner, session):
    result = runner.invoke(
        args=["user", "create", "--email", "Kim@Example.com", "--name", "김법무", "--admin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = users.authenticate(
        session=session, email="kim@example.com", password="a long enough password"
    )
    assert user is not None and user.is_admin and user.name == "김법무"
    assert user.password_hash.startswith("$argon2id$")


def test_user_create_refuses_a_short_password(runner, session):
    result = runner.invoke(
        args=["user", "create", "--email", "a@example.com", "--name", "A"], input="short\n"
    )
    assert result.exit_code == 2
    assert "password" in result.output
    from sqlmodel import select

    assert session.exec(select(User)).first() is None


def test_demo_is_idempotent_and_ends_with_the_reference(runner, session):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert first.output.split()[-1] == "2022-법무-001"
    assert "password:" in first.output
    second = runner.invoke(args=["demo"])
    assert second.output.split()[-1] == "2022-법무-001"
    from sqlmodel import func, select

    from tracker.models import DemandItem, Fact, Matter, Party, Response

    counts = {
        m.__name__: session.exec(select(func.count()).select_from(m)).one()
        for m in (Matter, Party, DemandItem, Response, Fact)
    }
    assert counts == {"Matter": 1, "Party": 5, "DemandItem": 8, "Response": 4, "Fact": 11}
    assert runner.invoke(args=["verify"]).exit_code == 0


def test_matter_show_checks_membership(runner, session):
    owner = make_user(session)
    stranger = make_user(session)
    viewer = make_user(session)
    matter = make_matter(session, owner, reference="2022-법무-009")
    add_member(session, matter, owner, viewer)
    make_demand(session, matter, owner)
    shown = runner.invoke(args=["matter", "show", "2022-법무-009", "--as", viewer.email])
    assert shown.exit_code == 0 and "가맹점 데이터" in shown.output
    hidden = runner.invoke(args=["matter", "show", "2022-법무-009", "--as", stranger.email])
    assert hidden.exit_code == 1 and "가맹점" not in hidden.output
    nobody = runner.invoke(args=["matter", "show", "2022-법무-009"])
    assert nobody.exit_code == 2 and "--as" in nobody.output


def test_matter_create_and_list(runner, session):
    owner = make_user(session)
    made = runner.invoke(
        args=["matter", "create", "--title", "정산 분쟁", "--kind", "civil", "--as", owner.email]
    )
    assert made.exit_code == 0, made.output
    reference = made.output.strip()
    listed = runner.invoke(args=["matter", "list"], env={"TRACKER_USER": owner.email})
    assert reference in listed.output and "admin" in listed.output
