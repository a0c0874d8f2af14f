"""Reminder emails against a real SMTP server on loopback (aiosmtpd). Time is passed in."""

import email
import os
import subprocess
import sys
from datetime import datetime
from email import policy

import icalendar
import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.conftest import login
from tests.factories import add_member, make_matter, make_user
from tests.mail.smtpd import Collector, smtp_server
from tracker.domain.calendar import KST
from tracker.models import Reminder
from tracker.services import deadlines, reminders


def at(day: str, hour: int = 9) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour, tzinfo=KST)


@pytest.fixture
def smtp():
    handler = Collector()
    with smtp_server(handler) as controller:
        yield handler, controller.port


@pytest.fixture
def world(app, session):
    owner = make_user(session, name="김담당", email="kim@example.com")
    counsel = make_user(session, name="Jane Counsel", email="jane@example.com", locale="en")
    matter = make_matter(session, owner, reference="2022-법무-001")
    add_member(session, matter, owner, counsel, "viewer")
    return owner, counsel, matter


def run_at(app, port, now, *, host="127.0.0.1"):
    settings = app.config["TRACKER"]
    settings.smtp_host, settings.smtp_port = host, port
    return reminders.run(
        engine=app.extensions["tracker.engine"],
        now=now,
        smtp=reminders.smtp_settings(settings),
        base_url="http://tracker.example",
        url_for_deadline=reminders.deadline_url("http://tracker.example"),
    )


def parse(received):
    return email.message_from_bytes(received.content, policy=policy.default)


def make(session, owner, matter, title, due, **kw):
    return deadlines.create_deadline(
        session=session, actor=owner, matter_id=matter.id, title=title, due_on=due, **kw
    )


@pytest.mark.parametrize(
    "due, today, slot",
    [
        ("2022-02-28", "2022-02-14", "2022-02-28:D-14"),
        ("2022-02-28", "2022-02-16", "2022-02-28:D-14"),
        ("2022-02-28", "2022-02-21", "2022-02-28:D-7"),
        ("2022-02-28", "2022-02-27", "2022-02-28:D-1"),
        ("2022-02-28", "2022-02-28", "2022-02-28:D-day"),
        ("2022-02-28", "2022-03-03", "2022-02-28:D+3"),
        ("2022-02-28", "2022-02-10", None),
    ],
)
def test_slots(due, today, slot):
    from datetime import date

    assert (
        reminders.current_slot(date.fromisoformat(due), date.fromisoformat(today), (14, 7, 3, 1, 0))
        == slot
    )


def test_one_digest_per_recipient_in_their_language_and_never_twice(app, session, smtp, world):
    handler, port = smtp
    owner, counsel, matter = world
    a = make(session, owner, matter, "정산 완료 기한", "2022-02-28")
    b = make(session, owner, matter, "<script>alert(1)</script> 자료 회신", "2022-02-21")
    deadlines.set_watchers(
        session=session, actor=owner, matter_id=matter.id, deadline_id=a.id, user_ids=[counsel.id]
    )
    report = run_at(app, port, at("2022-02-21"))
    assert len(report.sent) == 3 and not report.failed
    assert len(handler.received) == 2  # one digest each, not one mail per deadline
    by_rcpt = {r.rcpt_tos[0]: parse(r) for r in handler.received}
    ko, en = by_rcpt["kim@example.com"], by_rcpt["jane@example.com"]
    assert "기한" in ko["subject"] and "김담당" in str(ko["to"])
    raw_headers = handler.received[
        [r.rcpt_tos[0] for r in handler.received].index("kim@example.com")
    ].content.split(b"\r\n\r\n")[0]
    assert b"=?utf-8?" in raw_headers.lower()
    ko_text = ko.get_body(("plain",)).get_content()
    assert "정산 완료 기한" in ko_text and "2022-02-28 (월)" in ko_text
    assert f"http://tracker.example/matters/{matter.id}/deadlines/{a.id}" in ko_text
    html = ko.get_body(("html",)).get_content()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    en_text = en.get_body(("plain",)).get_content()
    assert "2022-02-28 (Mon)" in en_text and "정산 완료 기한" in en_text
    ics = next(p for p in ko.iter_attachments() if p.get_content_type() == "text/calendar")
    cal = icalendar.Calendar.from_ical(ics.get_content())
    uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
    assert uids == {f"deadline-{a.id}@tracker.example", f"deadline-{b.id}@tracker.example"}
    again = run_at(app, port, at("2022-02-21", 15))
    assert again.sent == [] and len(again.skipped) == 3 and len(handler.received) == 2


def test_two_concurrent_runs_send_each_reminder_once(app, app_config, session, smtp, world):
    handler, port = smtp
    owner, counsel, matter = world
    for n in range(6):
        d = make(session, owner, matter, f"기한 {n}", f"2022-02-{21 + n}")
        deadlines.set_watchers(
            session=session,
            actor=owner,
            matter_id=matter.id,
            deadline_id=d.id,
            user_ids=[counsel.id],
        )
    env = {
        **os.environ,
        "TRACKER_INSTANCE_DIR": str(app_config["instance_dir"]),
        "TRACKER_DATABASE_URL": app_config["database_url"],
        "TRACKER_SECRET_KEY": "test",
        "TRACKER_SMTP_HOST": "127.0.0.1",
        "TRACKER_SMTP_PORT": str(port),
    }
    cmd = [
        sys.executable,
        "-m",
        "tracker.cli",
        "reminders",
        "run",
        "--now",
        "2022-02-21T09:00+09:00",
    ]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    sent_lines = [
        line for out, _err in outs for line in out.splitlines() if line.startswith("sent\t")
    ]
    assert len(sent_lines) == 12  # 6 deadlines × 2 recipients, each exactly once across both runs
    delivered = [
        (r.rcpt_tos[0], item)
        for r in handler.received
        for item in parse(r).get_body(("plain",)).get_content().split("\n")
        if item.strip().startswith("[2022-법무-001]")
    ]
    assert len(set(delivered)) == len(delivered)
    rows = session.exec(select(Reminder)).all()
    assert len(rows) == 12 and all(r.status == "sent" and r.attempts == 1 for r in rows)


def test_smtp_refusing_then_recovering(app, client, session, smtp, world):
    handler, port = smtp
    owner, _counsel, matter = world
    d = make(session, owner, matter, "정산 완료 기한", "2022-02-28")
    handler.refuse_data = "451 4.3.0 mailbox temporarily unavailable"
    first = run_at(app, port, at("2022-02-21"))
    assert first.sent == [] and len(first.failed) == 1 and "451" in first.failed[0].detail
    row = session.exec(select(Reminder)).one()
    assert row.status == "failed" and row.sent_at is None and row.attempts == 1
    login(client, owner)
    assert "다시 시도" in client.get("/").get_data(as_text=True)
    page = client.get(f"/matters/{matter.id}/deadlines/{d.id}").get_data(as_text=True)
    assert "451" in page
    handler.refuse_data = None
    too_soon = run_at(app, port, at("2022-02-21", 9).replace(minute=5))
    assert too_soon.sent == [] and len(handler.received) == 0  # backoff: not before 15 minutes
    later = run_at(app, port, at("2022-02-21", 10))
    assert len(later.sent) == 1 and len(handler.received) == 1
    session.rollback()
    row = session.exec(select(Reminder)).one()
    assert row.status == "sent" and row.attempts == 2


def test_server_down_marks_nothing_sent(app, session, world):
    owner, _counsel, matter = world
    make(session, owner, matter, "정산 완료 기한", "2022-02-28")
    from tests.mail.smtpd import free_port

    report = run_at(app, free_port(), at("2022-02-21"))
    assert report.sent == [] and len(report.failed) == 1
    assert session.exec(select(Reminder)).one().status == "failed"


def test_moved_deadline_is_replanned_and_closed_one_stops(app, session, smtp, world):
    handler, port = smtp
    owner, _counsel, matter = world
    moved = make(session, owner, matter, "회신 기한", "2022-02-28")
    closed = make(session, owner, matter, "취소될 기한", "2022-02-28")
    assert len(run_at(app, port, at("2022-02-21")).sent) == 2  # D-7 for both
    deadlines.extend(
        session=session,
        actor=owner,
        matter_id=matter.id,
        deadline_id=moved.id,
        new_due_on="2022-03-21",
        reason="연장 합의",
    )
    deadlines.set_status(
        session=session, actor=owner, matter_id=matter.id, deadline_id=closed.id, status="cancelled"
    )
    assert (
        run_at(app, port, at("2022-02-27")).sent == []
    )  # old D-1 is gone; new due is 22 days away
    report = run_at(app, port, at("2022-03-14"))
    assert [(o.deadline_id, o.slot) for o in report.sent] == [(moved.id, "2022-03-21:D-7")]


def test_invalid_or_refused_address_is_reported_and_others_still_get_mail(
    app, session, smtp, world
):
    handler, port = smtp
    owner, counsel, matter = world
    bad = make_user(session, email="bad@example.com", name="잘못된 주소")
    add_member(session, matter, owner, bad, "viewer")
    d = make(session, owner, matter, "정산 완료 기한", "2022-02-28")
    deadlines.set_watchers(
        session=session,
        actor=owner,
        matter_id=matter.id,
        deadline_id=d.id,
        user_ids=[counsel.id, bad.id],
    )
    session.exec(
        text("UPDATE \"user\" SET email = 'bad@@example' WHERE id = :id").bindparams(id=bad.id)
    )
    session.commit()
    handler.refuse["jane@example.com"] = "550 5.1.1 no such user"
    report = run_at(app, port, at("2022-02-21"))
    assert [o.recipient for o in report.sent] == ["kim@example.com"]
    failed = {o.recipient: o.detail for o in report.failed}
    assert "invalid recipient address" in failed["bad@@example"]
    assert "550" in failed["jane@example.com"]
    assert [r.rcpt_tos for r in handler.received] == [["kim@example.com"]]


def test_cli_reminders_run_prints_what_it_did(runner, app, session, smtp, world):
    handler, port = smtp
    owner, _counsel, matter = world
    make(session, owner, matter, "정산 완료 기한", "2022-02-28")
    app.config["TRACKER"].smtp_host, app.config["TRACKER"].smtp_port = "127.0.0.1", port
    result = runner.invoke(args=["reminders", "run", "--now", "2022-02-28T08:00+09:00"])
    assert result.exit_code == 0, result.output
    assert "sent\tkim@example.com" in result.output and "D-day" in result.output
    assert result.output.strip().endswith("1 sent, 0 skipped, 0 failed")
    naive = runner.invoke(args=["reminders", "run", "--now", "2022-02-28T08:00"])
    assert naive.exit_code == 2 and "timezone" in naive.output
