"""Delivery against a real SMTP server on loopback (aiosmtpd), and the ways delivery fails."""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage

import pytest
from icalendar import Calendar

from tracker.mail import SmtpSettings, render_digest, send, validate_address

from .samples import SCRIPT, english_digest, korean_digest
from .smtpd import (
    Collector,
    make_tls_files,
    password_checker,
    raw_server,
    server_tls_context,
    smtp_server,
)

SENDER = "서울시 법무팀 기한 알림 <tracker@seoul.example.kr>"


def settings_for(port: int, **changes) -> SmtpSettings:
    values = {"host": "127.0.0.1", "port": port, "sender": SENDER, "timeout": 5.0}
    values.update(changes)
    return SmtpSettings(**values)


@pytest.fixture
def collector() -> Collector:
    return Collector()


@pytest.fixture
def smtp(collector):
    with smtp_server(collector) as controller:
        yield controller


def received_message(collector: Collector, index: int = 0):
    return email.message_from_bytes(collector.received[index].content, policy=policy.default)


def simple_message(*to: str, cc: tuple[str, ...] = ()) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "테스트"
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg.set_content("본문")
    return msg


# --- delivery ----------------------------------------------------------------------------------


def test_korean_digest_arrives_intact(smtp, collector):
    result = send(render_digest(korean_digest()), settings_for(smtp.port))

    assert result.ok, result.error
    assert result.refused == {}
    assert result.accepted == ("kim.legal@seoul.example.kr",)
    (got,) = collector.received
    assert got.mail_from == "tracker@seoul.example.kr"
    assert got.rcpt_tos == ["kim.legal@seoul.example.kr"]

    head = got.content.split(b"\r\n\r\n", 1)[0]
    assert re.search(rb"^Subject: \[tracker\] =\?utf-8\?[bq]\?", head, re.M | re.I)
    assert re.search(rb"^From: =\?utf-8\?", head, re.M | re.I)
    assert re.search(rb"^To: =\?utf-8\?", head, re.M | re.I)
    assert "기한".encode() not in head  # no raw UTF-8 in headers

    msg = received_message(collector)
    assert msg["Subject"] == "[tracker] 기한 알림 3건 · 기한 경과 1건 · 오늘 마감 1건"
    assert msg["From"].addresses[0].display_name == "서울시 법무팀 기한 알림"
    assert msg["From"].addresses[0].addr_spec == "tracker@seoul.example.kr"
    assert msg["To"].addresses[0].display_name == "김철수 주무관"
    assert msg["To"].addresses[0].addr_spec == "kim.legal@seoul.example.kr"
    assert msg["Message-ID"].endswith("@tracker.seoul.example.kr>")
    assert msg["Date"] is not None

    plain = msg.get_body(("plain",)).get_content()
    assert "김철수 주무관님, 안녕하세요." in plain
    assert "[!] D+3 · 기한 경과 3일" in plain
    assert "마감: 2022-02-28 (월) 24:00(KST)까지" in plain

    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert SCRIPT in plain

    (ics,) = list(msg.iter_attachments())
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "PUBLISH"
    assert ics.get_filename() == "deadlines.ics"
    cal = Calendar.from_ical(ics.get_content())
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert len(events) == 3
    due_now = events["deadline-11@tracker.seoul.example.kr"]
    assert due_now["DTSTART"].to_ical() == b"20220228"
    assert due_now["DTSTART"].params["VALUE"] == "DATE"
    assert len(due_now.walk("VALARM")) == 3
    assert str(due_now["SUMMARY"]) == "[2022-법무-001] 정산 완료 기한"


def test_english_digest_arrives_in_english(smtp, collector):
    assert send(render_digest(english_digest()), settings_for(smtp.port)).ok
    msg = received_message(collector)
    assert msg["Subject"] == "[tracker] 3 deadlines · 1 overdue · 1 due today"
    assert msg["To"].addresses[0].display_name == "Jane Park"
    plain = msg.get_body(("plain",)).get_content()
    assert "[!] D+3 · 3 days overdue" in plain
    assert "Due: 2022-02-28 (Mon), ends 24:00 KST" in plain


def test_from_is_filled_from_the_settings_without_touching_the_callers_message(smtp, collector):
    message = render_digest(korean_digest())
    assert message["From"] is None
    assert send(message, settings_for(smtp.port)).ok
    assert message["From"] is None
    assert (
        received_message(collector)["From"].addresses[0].display_name == "서울시 법무팀 기한 알림"
    )


def test_a_refused_recipient_is_reported_and_the_others_delivered(collector):
    collector.refuse["gone@seoul.example.kr"] = "550 5.1.1 <gone@seoul.example.kr>: no such user"
    with smtp_server(collector) as controller:
        message = simple_message(
            "kim@seoul.example.kr", "gone@seoul.example.kr", cc=("lee@seoul.example.kr",)
        )
        result = send(message, settings_for(controller.port))
    assert result.ok
    assert result.refused == {
        "gone@seoul.example.kr": "550 5.1.1 <gone@seoul.example.kr>: no such user"
    }
    assert result.accepted == ("kim@seoul.example.kr", "lee@seoul.example.kr")
    (got,) = collector.received
    assert got.rcpt_tos == ["kim@seoul.example.kr", "lee@seoul.example.kr"]


def test_all_recipients_refused_is_a_failure(collector):
    collector.refuse["gone@seoul.example.kr"] = "550 5.1.1 no such user"
    with smtp_server(collector) as controller:
        result = send(simple_message("gone@seoul.example.kr"), settings_for(controller.port))
    assert not result.ok
    assert result.refused == {"gone@seoul.example.kr": "550 5.1.1 no such user"}
    assert "refused every recipient" in result.error
    assert collector.received == []


def test_refused_sender(collector):
    collector.refuse_sender = "553 5.7.1 sender not allowed"
    with smtp_server(collector) as controller:
        result = send(simple_message("kim@seoul.example.kr"), settings_for(controller.port))
    assert not result.ok
    assert "refused the sender" in result.error
    assert "553 5.7.1 sender not allowed" in result.error


def test_rejected_data(collector):
    collector.refuse_data = "554 5.6.0 message content rejected"
    with smtp_server(collector) as controller:
        result = send(render_digest(korean_digest()), settings_for(controller.port))
    assert not result.ok
    assert "rejected the message: 554 5.6.0 message content rejected" in result.error


def test_login(collector):
    checker = password_checker("tracker", "s3cret-pw")
    with smtp_server(collector, auth_require_tls=False, authenticator=checker) as controller:
        good = send(
            simple_message("kim@seoul.example.kr"),
            settings_for(controller.port, username="tracker", password="s3cret-pw"),
        )
        bad = send(
            simple_message("kim@seoul.example.kr"),
            settings_for(controller.port, username="tracker", password="wrong-pw"),
        )
    assert good.ok, good.error
    assert not bad.ok
    assert "did not accept the login of 'tracker'" in bad.error
    assert "wrong-pw" not in bad.error
    assert len(collector.received) == 1


# --- failures that must not raise ----------------------------------------------------------------


def test_server_down_is_a_failed_result():
    with raw_server("silent") as port:
        pass  # closed again: nothing listens on this port now
    result = send(simple_message("kim@seoul.example.kr"), settings_for(port))
    assert not result.ok
    assert result.error == (
        f"connection to 127.0.0.1:{port} refused: is the SMTP server running on that port?"
    )
    assert result.refused == {}


def test_server_that_never_answers_times_out():
    with raw_server("silent") as port:
        result = send(simple_message("kim@seoul.example.kr"), settings_for(port, timeout=0.3))
    assert not result.ok
    assert result.error == f"no answer from 127.0.0.1:{port} within 0.3 s (timed out)"


def test_server_that_hangs_up(collector):
    with raw_server("hangup") as port:
        result = send(simple_message("kim@seoul.example.kr"), settings_for(port))
    assert not result.ok
    assert "closed the connection unexpectedly" in result.error


def test_unknown_host():
    result = send(
        simple_message("kim@seoul.example.kr"),
        settings_for(25, host="smtp.invalid", timeout=1.0),
    )
    assert not result.ok
    assert "smtp.invalid" in result.error


def test_starttls_asked_of_a_server_that_does_not_offer_it(smtp, collector):
    result = send(
        simple_message("kim@seoul.example.kr"), settings_for(smtp.port, security="starttls")
    )
    assert not result.ok
    assert "STARTTLS" in result.error
    assert collector.received == []


# --- TLS, with a throwaway CA --------------------------------------------------------------------


@pytest.fixture
def tls_files(tmp_path):
    pytest.importorskip("cryptography")
    return make_tls_files(tmp_path)


def test_starttls_refuses_a_certificate_it_cannot_verify(collector, tls_files):
    _ca, cert, key = tls_files
    with smtp_server(collector, tls_context=server_tls_context(cert, key)) as controller:
        result = send(
            simple_message("kim@seoul.example.kr"),
            settings_for(controller.port, security="starttls"),
        )
    assert not result.ok
    assert "certificate" in result.error and "not trusted" in result.error
    assert collector.received == []


def test_starttls_with_a_trusted_certificate(collector, tls_files, monkeypatch):
    ca, cert, key = tls_files
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # what create_default_context() trusts
    with smtp_server(collector, tls_context=server_tls_context(cert, key)) as controller:
        result = send(
            render_digest(korean_digest()), settings_for(controller.port, security="starttls")
        )
    assert result.ok, result.error
    assert received_message(collector)["Subject"].startswith("[tracker] 기한 알림 3건")


def test_implicit_tls(collector, tls_files, monkeypatch):
    ca, cert, key = tls_files
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    with smtp_server(collector, ssl_context=server_tls_context(cert, key)) as controller:
        result = send(
            simple_message("kim@seoul.example.kr"), settings_for(controller.port, security="ssl")
        )
    assert result.ok, result.error
    assert len(collector.received) == 1


# --- outbox mode ---------------------------------------------------------------------------------


def test_outbox_mode_writes_a_parseable_eml(tmp_path):
    outbox = tmp_path / "outbox"
    message = render_digest(korean_digest())
    result = send(message, SmtpSettings(host=None, outbox_dir=outbox, sender=SENDER))
    assert result.ok, result.error
    assert result.outbox_path is not None
    assert [p.name for p in outbox.iterdir()] == [result.outbox_path.name]  # no temp file left
    assert re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{12}\.eml", result.outbox_path.name)
    parsed = email.message_from_bytes(result.outbox_path.read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "[tracker] 기한 알림 3건 · 기한 경과 1건 · 오늘 마감 1건"
    assert parsed["From"].addresses[0].display_name == "서울시 법무팀 기한 알림"
    assert parsed["Message-ID"].strip() == message["Message-ID"].strip()
    assert "기한 경과 3일" in parsed.get_body(("plain",)).get_content()
    again = send(message, SmtpSettings(host=None, outbox_dir=outbox, sender=SENDER))
    assert again.outbox_path.name.split("-")[1] == result.outbox_path.name.split("-")[1]
    assert again.outbox_path != result.outbox_path


def test_outbox_that_cannot_be_written_is_a_failed_result(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    result = send(
        simple_message("kim@seoul.example.kr"), SmtpSettings(host=None, outbox_dir=blocker)
    )
    assert not result.ok
    assert "outbox" in result.error


def test_a_message_without_recipients_is_a_programming_error(tmp_path):
    msg = EmailMessage()
    msg.set_content("x")
    with pytest.raises(ValueError):
        send(msg, SmtpSettings(host=None, outbox_dir=tmp_path))


# --- settings and addresses ----------------------------------------------------------------------


def test_settings_are_checked_when_made(tmp_path):
    with pytest.raises(ValueError):
        SmtpSettings(host="smtp.example.kr", security="tls")
    with pytest.raises(ValueError):
        SmtpSettings(host=None)
    assert SmtpSettings(host="smtp.example.kr", security="STARTTLS").security == "starttls"
    assert SmtpSettings(host="", outbox_dir=tmp_path).host is None
    shown = repr(SmtpSettings(host="smtp.example.kr", username="u", password="hunter2"))
    assert "hunter2" not in shown


@pytest.mark.parametrize(
    ("addr", "valid"),
    [
        ("kim@seoul.example.kr", True),
        ("counsel@example.com", True),
        ("first.last+tag@lawfirm.co.kr", True),
        ("a@법무.kr", True),
        ("kim@seoul.local", False),  # special-use name (RFC 6762)
        ("kim@localhost", False),
        ("kim", False),
        ("김철수 <kim@example.com>", False),
        ("홍길동@example.com", False),  # needs SMTPUTF8
        (" kim@example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_validate_address(addr, valid):
    assert validate_address(addr) is valid


def test_implicit_tls_against_a_plain_port_says_so(smtp, collector):
    result = send(simple_message("kim@seoul.example.kr"), settings_for(smtp.port, security="ssl"))
    assert not result.ok
    assert "TLS handshake" in result.error
    assert "try security 'starttls'" in result.error


def test_login_where_the_server_offers_none(smtp):
    result = send(
        simple_message("kim@seoul.example.kr"),
        settings_for(smtp.port, username="tracker", password="s3cret-pw"),
    )
    assert not result.ok
    assert "AUTH" in result.error
    assert "s3cret-pw" not in result.error
