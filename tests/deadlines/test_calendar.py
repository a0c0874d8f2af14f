"""Calendar feeds: a private per-user feed that can be revoked, and a matter's .ics download."""

import icalendar
from sqlmodel import select

from tests.conftest import login
from tests.factories import make_matter, make_user
from tracker.models import User
from tracker.services import deadlines


def events(body: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_private_feed_lists_my_deadlines_and_revoking_gives_404(client, session):
    owner = make_user(session)
    matter = make_matter(session, owner, reference="2022-법무-001")
    d = deadlines.create_deadline(
        session=session,
        actor=owner,
        matter_id=matter.id,
        title="정산 완료 기한",
        due_on="2022-02-28",
    )
    login(client, owner)
    client.post("/calendar", data={"action": "regenerate"})
    session.expire_all()  # the request committed in its own session
    token = session.get(User, owner.id).feed_token
    assert token and len(token) >= 40
    client.post("/logout")
    session.rollback()  # sign-out wrote (a new session token): leave the older snapshot
    feed = client.get(f"/calendar/{token}.ics")  # no sign-in: the secret URL is the key
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    found = events(feed.data)
    event = found[f"deadline-{d.id}@127.0.0.1"]
    assert (
        "정산 완료 기한" in str(event["SUMMARY"])
        and event["DTSTART"].dt.isoformat() == "2022-02-28"
    )
    assert len(event.walk("VALARM")) >= 1
    # Moving the deadline keeps the UID and bumps SEQUENCE: calendars update, not duplicate.
    deadlines.extend(
        session=session,
        actor=owner,
        matter_id=matter.id,
        deadline_id=d.id,
        new_due_on="2022-03-15",
        reason="연장",
    )
    moved = events(client.get(f"/calendar/{token}.ics").data)[f"deadline-{d.id}@127.0.0.1"]
    assert moved["DTSTART"].dt.isoformat() == "2022-03-15" and int(moved["SEQUENCE"]) == 1
    login(client, owner)
    client.post("/calendar", data={"action": "revoke"})
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_wrong_token_is_404(client, session):
    make_user(session)
    for token in ["nope", "x" * 43, "../../etc/passwd", "y" * 500]:
        assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_feed_shows_only_my_matters(client, session):
    me = make_user(session)
    other = make_user(session)
    mine = make_matter(session, me, title="내 사건")
    theirs = make_matter(session, other, title="남의 사건")
    deadlines.create_deadline(
        session=session, actor=me, matter_id=mine.id, title="내 기한", due_on="2022-02-28"
    )
    deadlines.create_deadline(
        session=session, actor=other, matter_id=theirs.id, title="남의 기한", due_on="2022-02-28"
    )
    login(client, me)
    client.post("/calendar", data={"action": "regenerate"})
    session.expire_all()  # the request committed in its own session
    body = client.get(f"/calendar/{session.get(User, me.id).feed_token}.ics").data.decode()
    assert "내 기한" in body and "남의 기한" not in body


def test_matter_ics_download_needs_membership(client, session):
    owner = make_user(session)
    matter = make_matter(session, owner)
    deadlines.create_deadline(
        session=session,
        actor=owner,
        matter_id=matter.id,
        title="정산 완료 기한",
        due_on="2022-02-28",
    )
    login(client, owner)
    response = client.get(f"/matters/{matter.id}/deadlines.ics")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert len(events(response.data)) == 1
    client.post("/logout")
    login(client, make_user(session))
    assert client.get(f"/matters/{matter.id}/deadlines.ics").status_code == 404
    assert session.exec(select(User)).all()
