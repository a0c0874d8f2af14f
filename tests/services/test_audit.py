"""The audit chain and `tracker verify`, against the real database."""

from sqlalchemy import text

from tests.factories import make_demand, make_matter, make_user
from tracker.services import audit


def _seed(session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    make_demand(session, matter, owner)
    return owner


def test_verify_passes_on_an_intact_chain(session, runner):
    _seed(session)
    checked, broken = audit.verify(session)
    assert broken is None and checked >= 6
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    assert f"{checked} events" in result.output


def test_verify_catches_an_edited_row(session, runner):
    _seed(session)
    session.exec(
        text("UPDATE auditevent SET after = replace(after, '한결원', '비즈플레이') WHERE seq = 4")
    )
    session.commit()
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert "event #4" in result.output and "edited" in result.output


def test_verify_catches_a_deleted_row(session, runner):
    _seed(session)
    session.exec(text("DELETE FROM auditevent WHERE seq = 3"))
    session.commit()
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert "event #4" in result.output and "deleted" in result.output


def test_verify_catches_a_row_added_out_of_order(session, runner):
    _seed(session)
    # An insider appends a forged event reusing a stale previous hash.
    last = session.exec(text("SELECT max(seq) FROM auditevent")).one()[0]
    session.exec(
        text(
            "INSERT INTO auditevent (seq, at, actor, action, entity, entity_id, before, after, "
            "prev_hash, hash) SELECT :seq, at, 'x', 'create', 'Demand', '9', 'null', 'null', "
            "prev_hash, :h FROM auditevent WHERE seq = 2"
        ).bindparams(seq=last + 1, h="f" * 64)
    )
    session.commit()
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert f"event #{last + 1}" in result.output


def test_history_lists_a_records_events_in_order(session):
    owner = _seed(session)
    from tracker.models import Demand

    demand = session.exec(__import__("sqlmodel").select(Demand)).first()
    events = audit.history(session, entity="Demand", entity_id=demand.id)
    assert [e.action for e in events] == ["create"]
    assert events[0].actor == owner.email


def test_verify_catches_events_deleted_from_the_end(session, runner):
    _seed(session)
    assert runner.invoke(args=["verify"]).exit_code == 0  # records the head outside the database
    last = session.exec(text("SELECT max(seq) FROM auditevent")).one()[0]
    session.exec(text("DELETE FROM auditevent WHERE seq >= :s").bindparams(s=last - 3))
    session.commit()
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert "deleted from its end" in result.output
