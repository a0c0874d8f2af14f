"""Calendar events: what Outlook, Google and Apple Calendar read out of deadlines.ics."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from icalendar import Calendar

from tracker.mail.ics import alarm_trigger, calendar, deadline_event, event_uid

from .samples import item

STAMP = datetime(2022, 2, 25, 0, 0, tzinfo=UTC)


def roundtrip(*events, name="tracker 기한") -> Calendar:
    return Calendar.from_ical(calendar(events, name=name))


def only_event(cal: Calendar):
    (event,) = cal.walk("VEVENT")
    return event


def test_event_is_an_all_day_event_with_a_stable_uid():
    event = only_event(
        roundtrip(deadline_event(item(11, date(2022, 2, 28), sequence=2), uid_domain="t.example"))
    )
    assert str(event["UID"]) == "deadline-11@t.example"
    assert event.decoded("DTSTART") == date(2022, 2, 28)
    assert not isinstance(event.decoded("DTSTART"), datetime)
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event.decoded("DTEND") == date(2022, 3, 1)
    assert event.decoded("SEQUENCE") == 2
    assert str(event["SUMMARY"]) == "[2022-법무-001] 정산 완료 기한"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]) == "https://tracker.seoul.example.kr/matters/1/deadlines/11"
    assert str(event["CLASS"]) == "PRIVATE"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert "DTSTAMP" in event


def test_moving_a_deadline_keeps_the_uid_and_raises_the_sequence():
    before = deadline_event(item(11, date(2022, 2, 28), sequence=0), uid_domain="t.example")
    after = deadline_event(item(11, date(2022, 3, 2), sequence=1), uid_domain="t.example")
    assert before["UID"] == after["UID"] == event_uid(11, "t.example")
    assert (before.decoded("SEQUENCE"), after.decoded("SEQUENCE")) == (0, 1)


def test_description_says_when_it_ends_and_links_back():
    event = deadline_event(
        item(11, date(2022, 2, 28), trace=("기간 만료일 2022-02-27 (민법 제160조)",)),
        uid_domain="t.example",
    )
    description = str(event["DESCRIPTION"])
    assert "2022-02-28 (월) 24:00(KST)까지" in description
    assert "https://tracker.seoul.example.kr/matters/1/deadlines/11" in description
    assert "민법 제160조" in description
    assert "김법무" in description
    english = str(
        deadline_event(item(11, date(2022, 2, 28)), uid_domain="x.y", lang="en")["DESCRIPTION"]
    )
    assert "2022-02-28 (Mon), ends 24:00 KST" in english
    assert "Owner: 김법무" in english


def test_alarms_fire_at_nine_on_each_reminder_day_and_outlooks_pick_comes_first():
    event = deadline_event(item(11, date(2022, 2, 28)), uid_domain="t.example", dtstamp=STAMP)
    alarms = event.walk("VALARM")
    assert len(alarms) == 5
    raw = [a["TRIGGER"].to_ical().decode() for a in alarms]
    # One sign per duration (RFC 5545): never "-P7DT-9H".
    assert raw == ["-PT15H", "-P2DT15H", "-P6DT15H", "-P13DT15H", "PT9H"]
    start = datetime(2022, 2, 28)  # all-day start: 00:00 of the due date, viewer's time
    fires = [start + a.decoded("TRIGGER") for a in alarms]
    assert fires == [
        datetime(2022, 2, 27, 9),
        datetime(2022, 2, 25, 9),
        datetime(2022, 2, 21, 9),
        datetime(2022, 2, 14, 9),
        datetime(2022, 2, 28, 9),
    ]
    for a in alarms:
        assert str(a["ACTION"]) == "DISPLAY"
        assert a["TRIGGER"].params["RELATED"] == "START"
        assert "[2022-법무-001] 정산 완료 기한" in str(a["DESCRIPTION"])


def test_alarm_days_are_configurable_and_deduplicated():
    event = deadline_event(item(11, date(2022, 2, 28)), uid_domain="t", alarms=(0, 2, 2))
    assert [a.decoded("TRIGGER") for a in event.walk("VALARM")] == [
        timedelta(days=-2, hours=9),
        timedelta(hours=9),
    ]
    assert (
        deadline_event(item(11, date(2022, 2, 28)), uid_domain="t", alarms=()).walk("VALARM") == []
    )
    with pytest.raises(ValueError):
        deadline_event(item(11, date(2022, 2, 28)), uid_domain="t", alarms=(-1,))
    assert alarm_trigger(7) == -timedelta(days=6, hours=15)


def test_cancelled_event_has_no_alarms_and_says_so():
    event = deadline_event(item(11, date(2022, 2, 28)), uid_domain="t.example", status="cancelled")
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.walk("VALARM") == []
    assert str(event["SUMMARY"]).startswith("[취소됨] [2022-법무-001]")
    with pytest.raises(ValueError):
        deadline_event(item(11, date(2022, 2, 28)), uid_domain="t.example", status="TENTATIVE")


def test_calendar_headers():
    cal = roundtrip(deadline_event(item(11, date(2022, 2, 28)), uid_domain="t.example"))
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]).startswith("-//tracker//")
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "tracker 기한"
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Seoul"


def test_korean_and_special_characters_survive_folding_and_a_round_trip():
    title = "가맹점 데이터; 누락, 항목\\확인 " + "서울사랑상품권 " * 12 + "\n둘째 줄"
    data = calendar(
        [deadline_event(item(11, date(2022, 2, 28), title=title), uid_domain="t")], name="기한"
    )
    lines = data.split(b"\r\n")
    assert data.endswith(b"\r\n")
    assert all(len(line) <= 75 for line in lines), max(len(x) for x in lines)
    assert any(line.startswith(b" ") for line in lines), "long lines are folded"
    for line in lines:
        line.decode("utf-8")  # folding never splits a UTF-8 sequence
    event = only_event(Calendar.from_ical(data))
    assert str(event["SUMMARY"]) == f"[2022-법무-001] {title}"


def test_any_object_with_the_attributes_will_do():
    row = SimpleNamespace(
        deadline_id=7,
        matter_reference="2022-법무-002",
        title="준비서면 제출",
        kind="follow_up",
        due_on=date(2022, 3, 3),
        url="https://tracker.example.kr/d/7",
        sequence=3,
    )
    event = only_event(roundtrip(deadline_event(row, uid_domain="tracker.example.kr")))
    assert str(event["UID"]) == "deadline-7@tracker.example.kr"
    assert event.decoded("SEQUENCE") == 3
    assert "후속 조치" in str(event["DESCRIPTION"])


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        deadline_event(item(11, date(2022, 2, 28)), uid_domain="")
    with pytest.raises(ValueError):
        deadline_event(item(11, date(2022, 2, 28)), uid_domain="a b")
    with pytest.raises(ValueError):
        deadline_event(
            replace(item(11, date(2022, 2, 28)), due_on=datetime(2022, 2, 28, 15, tzinfo=UTC)),
            uid_domain="t",
        )
    with pytest.raises(ValueError):
        deadline_event(item(11, date(2022, 2, 28)), uid_domain="t", dtstamp=datetime(2022, 2, 25))


def test_only_web_links_are_published():
    event = deadline_event(item(11, date(2022, 2, 28), url="javascript:alert(1)"), uid_domain="t")
    assert "URL" not in event
    assert "javascript:" not in str(event["DESCRIPTION"])
