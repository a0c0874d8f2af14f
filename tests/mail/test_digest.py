"""The reminder digest as a message: structure, wording in both languages, escaping, headers."""

from __future__ import annotations

import email
from datetime import date, datetime
from email import policy

import pytest
from icalendar import Calendar

from tracker.errors import ValidationFailed
from tracker.mail.digest import digest_subject, mail_domain, render_digest
from tracker.mail.wording import countdown, norm_lang, status_phrase

from .samples import SCRIPT, english_digest, item, korean_digest


def parts(msg):
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    (ics,) = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    return plain, html, ics


def test_structure_is_mixed_alternative_plus_ics():
    msg = render_digest(korean_digest())
    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = msg.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in alternative.get_payload())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "PUBLISH"
    assert attachment.get_param("charset") == "utf-8"
    assert attachment.get_filename() == "deadlines.ics"
    assert attachment.get_content_disposition() == "attachment"


def test_subjects_count_items_overdue_and_due_today():
    assert (
        digest_subject(korean_digest()) == "[tracker] 기한 알림 3건 · 기한 경과 1건 · 오늘 마감 1건"
    )
    assert digest_subject(english_digest()) == "[tracker] 3 deadlines · 1 overdue · 1 due today"
    one = (item(11, date(2022, 2, 28)),)
    assert digest_subject(korean_digest(items=one)) == "[tracker] 기한 알림 1건"
    assert digest_subject(english_digest(items=one, product_name="법무 트래커")) == (
        "[법무 트래커] 1 deadline"
    )


def test_korean_text_part_lists_the_most_urgent_first():
    plain, _html, _ics = parts(render_digest(korean_digest()))
    assert "김철수 주무관님, 안녕하세요." in plain
    overdue = plain.index("[!] D+3 · 기한 경과 3일")
    today = plain.index("D-day · 오늘 마감")
    upcoming = plain.index("D-3 · 3일 남음")
    assert overdue < today < upcoming
    assert "마감: 2022-02-22 (화) 24:00(KST)까지" in plain
    assert "마감: 2022-02-28 (월) 24:00(KST)까지" in plain
    assert "24:00(한국 표준시, KST)" in plain
    assert "https://tracker.seoul.example.kr/matters/1/deadlines/12" in plain
    assert "민법 제161조" in plain  # the computation trace
    assert "구분: 기일" in plain  # the hearing
    assert plain.count("[!]") == 1  # only the overdue one is flagged
    assert SCRIPT in plain  # plain text is not HTML: nothing to escape


def test_english_text_part():
    plain, _html, _ics = parts(render_digest(english_digest()))
    assert "Dear Jane Park," in plain
    assert "Here are the 3 deadlines you own or watch, most urgent first." in plain
    assert "[!] D+3 · 3 days overdue" in plain
    assert "D-day · due today" in plain
    assert "D-3 · 3 days left" in plain
    assert "Due: 2022-02-28 (Mon), ends 24:00 KST" in plain
    assert "15:00 UTC" in plain
    assert "Type: Hearing" in plain
    for korean_wording in ("남음", "마감", "사건", "구분", "안녕하세요"):
        assert korean_wording not in plain


def test_html_part_escapes_user_text_and_marks_overdue_in_red():
    _plain, html, _ics = parts(render_digest(korean_digest()))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert html.count('class="deadline overdue"') == 1
    overdue_block = html[html.index('class="deadline overdue"') :]
    overdue_block = overdue_block[: overdue_block.index("</div>")]
    assert "#b3261e" in overdue_block
    assert "기한 경과 3일" in overdue_block
    assert 'href="https://tracker.seoul.example.kr/matters/1/deadlines/12"' in overdue_block
    body = html[html.index("<body") :]
    assert body.index("기한 경과 3일") < body.index("오늘 마감") < body.index("3일 남음")
    assert '<html lang="ko">' in html


def test_a_link_that_is_not_http_is_not_a_link():
    bad = item(11, date(2022, 2, 28), url="javascript:alert(document.cookie)")
    plain, html, _ics = parts(render_digest(korean_digest(items=(bad,))))
    assert "javascript:" not in html
    assert "javascript:" not in plain


def test_headers():
    msg = render_digest(korean_digest(), sender="서울시 법무팀 <tracker@seoul.example.kr>")
    assert msg["Subject"] == "[tracker] 기한 알림 3건 · 기한 경과 1건 · 오늘 마감 1건"
    assert msg["To"].addresses[0].display_name == "김철수 주무관"
    assert msg["To"].addresses[0].addr_spec == "kim.legal@seoul.example.kr"
    assert msg["From"].addresses[0].display_name == "서울시 법무팀"
    assert msg["Message-ID"].endswith("@tracker.seoul.example.kr>")
    assert msg["Date"].datetime == datetime.fromisoformat("2022-02-25T09:00:00+09:00")
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Content-Language"] == "ko"
    assert render_digest(korean_digest())["From"] is None  # left to send()
    assert render_digest(korean_digest())["Message-ID"] != msg["Message-ID"]


def test_wire_form_is_seven_bit_with_encoded_words():
    raw = render_digest(
        korean_digest(), sender="서울시 법무팀 <tracker@seoul.example.kr>"
    ).as_bytes()
    assert raw.isascii()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"Subject: [tracker] =?utf-8?" in head
    assert b"From: =?utf-8?" in head
    assert b"To: =?utf-8?" in head
    back = email.message_from_bytes(raw, policy=policy.default)
    assert back["Subject"] == "[tracker] 기한 알림 3건 · 기한 경과 1건 · 오늘 마감 1건"
    assert back["To"].addresses[0].display_name == "김철수 주무관"


def test_a_newline_in_a_name_cannot_add_a_header():
    msg = render_digest(korean_digest(recipient_name="김철수\r\nBcc: victim@example.com"))
    raw = msg.as_bytes()
    assert b"\r\nBcc:" not in raw
    assert msg["Bcc"] is None
    assert msg["To"].addresses[0].display_name == "김철수 Bcc: victim@example.com"


def test_attached_calendar_has_one_event_per_item_with_only_future_alarms():
    _plain, _html, ics = parts(render_digest(korean_digest()))
    cal = Calendar.from_ical(ics.get_content())
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"deadline-{i}@tracker.seoul.example.kr" for i in (11, 12, 13)}
    assert (
        len(events["deadline-11@tracker.seoul.example.kr"].walk("VALARM")) == 3
    )  # D-3, D-1, D-day
    assert len(events["deadline-13@tracker.seoul.example.kr"].walk("VALARM")) == 1  # D-day
    assert events["deadline-12@tracker.seoul.example.kr"].walk("VALARM") == []  # overdue
    assert events["deadline-11@tracker.seoul.example.kr"].decoded("SEQUENCE") == 2
    assert str(cal["X-WR-CALNAME"]) == "tracker 기한"


def test_languages():
    assert norm_lang("en_US") == norm_lang("en-GB") == norm_lang("EN") == "en"
    assert norm_lang("ko-KR") == norm_lang("") == norm_lang(None) == norm_lang("fr") == "ko"
    plain, _html, _ics = parts(render_digest(korean_digest(lang="en_US")))
    assert "3 days overdue" in plain
    assert render_digest(korean_digest(lang="de"))["Subject"].startswith("[tracker] 기한 알림")


def test_wording_of_counts():
    assert [countdown(d) for d in (14, 1, 0, -1, -3)] == ["D-14", "D-1", "D-day", "D+1", "D+3"]
    assert status_phrase(1, "en") == "1 day left"
    assert status_phrase(-1, "en") == "1 day overdue"
    assert status_phrase(-12, "ko") == "기한 경과 12일"
    assert status_phrase(0, "ko") == "오늘 마감"


def test_badge_follows_days_left_not_the_slot():
    late_entry = item(11, date(2022, 3, 2), slot="D-7")  # entered 5 days out: reminded in D-7
    plain, _html, _ics = parts(render_digest(korean_digest(items=(late_entry,))))
    assert "D-5 · 5일 남음" in plain
    assert "D-7" not in plain


def test_refuses_what_it_cannot_send():
    with pytest.raises(ValueError):
        render_digest(korean_digest(items=()))
    with pytest.raises(ValueError):
        render_digest(korean_digest(generated_at=datetime(2022, 2, 25, 9)))
    with pytest.raises(ValidationFailed) as info:
        render_digest(korean_digest(recipient_email="kim@seoul.local"))
    assert info.value.for_field("recipient_email")


def test_mail_domain():
    assert mail_domain("https://Tracker.Example.kr:8443/app/") == "tracker.example.kr"
    assert mail_domain("https://법무.example.kr") == "xn--v92b7y.example.kr"
    assert mail_domain("") == "localhost"
