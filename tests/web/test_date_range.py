"""Dates outside 1900-01-01..2999-12-31 get a field error, never a 500 (9999-12-31 used to
overflow when a deadline's end or its reminders were computed). Every date input, in the
browser, the CLI and the services; a refusal records nothing."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlmodel import func, select

from tests.conftest import login
from tests.evidence_helpers import pdf_bytes
from tests.factories import make_demand, make_matter, make_user
from tracker.errors import ValidationFailed
from tracker.models import AuditEvent, Deadline
from tracker.services import deadlines

RANGE_KO = "1900-01-01부터 2999-12-31 사이"
FAR = "9999-12-31"


@pytest.fixture
def world(session):
    owner = make_user(session, is_admin=True)
    matter = make_matter(session, owner, reference="2022-법무-009")
    demand = make_demand(session, matter, owner)
    deadline = deadlines.create_deadline(
        session=session, actor=owner, matter_id=matter.id, title="회신 기한", due_on="2022-02-28"
    )
    return {"owner": owner, "matter": matter, "demand": demand, "deadline": deadline}


def _chain(session) -> tuple[int, str | None]:
    session.rollback()
    count = session.exec(select(func.count()).select_from(AuditEvent)).one()
    last = session.exec(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return count, last


def _posts(world) -> dict[str, tuple[str, dict]]:
    m, d, dl = world["matter"].id, world["demand"], world["deadline"].id
    demand = {
        "title": "가맹점 데이터 이관 요구",
        "party_id": str(d.party_id),
        "kind": "data_transfer",
        "channel": "official_letter",
        "sent_on": "2022-01-27",
    }
    return {
        "demand due date": (f"/matters/{m}/demands/new", {**demand, "due_on": FAR}),
        "demand sent date": (f"/matters/{m}/demands/new", {**demand, "sent_on": "1899-12-31"}),
        "demand edit due date": (f"/matters/{m}/demands/{d.id}/edit", {**demand, "due_on": FAR}),
        "item reference date": (
            f"/matters/{m}/demands/new",
            {**demand, "items": f"잔액 @ {FAR}"},
        ),
        "response date": (
            f"/matters/{m}/demands/{d.id}/responses/new",
            {"received_on": FAR, "position": "complied", "channel": "email"},
        ),
        "fact date": (
            f"/matters/{m}/facts/new",
            {"occurred_on": FAR, "precision": "day", "text": "회신", "status": "undisputed"},
        ),
        "correspondence date": (
            f"/matters/{m}/correspondence/new",
            {"occurred_on": FAR, "direction": "in", "channel": "email", "subject": "회신"},
        ),
        "deadline fixed date": (
            f"/matters/{m}/deadlines/new",
            {"title": "기한", "kind": "hard", "due_on": FAR},
        ),
        "deadline trigger date": (
            f"/matters/{m}/deadlines/new",
            {"title": "기한", "kind": "hard", "trigger_on": "9999-12-01", "period": "1 month"},
        ),
        "deadline computed past the range": (
            f"/matters/{m}/deadlines/new",
            {"title": "기한", "kind": "hard", "trigger_on": "2999-12-01", "period": "1 year"},
        ),
        "deadline extension": (
            f"/matters/{m}/deadlines/{dl}/extend",
            {"new_due_on": FAR, "reason": "연장 요청"},
        ),
        "holiday": ("/holidays", {"day": FAR, "name": "임시공휴일"}),
        "dossier date range": (
            f"/matters/{m}/dossiers/",
            {"purpose": "civil", "lang": "ko", "date_to": "10000-01-01"},
        ),
    }


CASES = [
    "demand due date",
    "demand sent date",
    "demand edit due date",
    "item reference date",
    "response date",
    "fact date",
    "correspondence date",
    "deadline fixed date",
    "deadline trigger date",
    "deadline computed past the range",
    "deadline extension",
    "holiday",
]


@pytest.mark.parametrize("case", CASES)
def test_a_date_outside_the_range_is_a_field_error(client, session, world, case):
    path, data = _posts(world)[case]
    login(client, world["owner"])
    before = _chain(session)
    response = client.post(path, data=data, follow_redirects=True)
    assert response.status_code in (200, 422), response.status_code
    assert RANGE_KO in response.get_data(as_text=True)
    assert _chain(session) == before


def test_the_dossier_date_range_is_checked(client, session, world):
    path, data = _posts(world)["dossier date range"]
    login(client, world["owner"])
    before = _chain(session)
    response = client.post(path, data=data, follow_redirects=True)
    assert response.status_code == 200
    assert "YYYY-MM-DD" in response.get_data(as_text=True) or RANGE_KO in response.get_data(
        as_text=True
    )
    assert _chain(session) == before
    data = {**data, "date_to": FAR}
    response = client.post(path, data=data, follow_redirects=True)
    assert RANGE_KO in response.get_data(as_text=True)
    assert _chain(session) == before


def test_an_upload_with_a_received_date_outside_the_range_stores_nothing(client, session, world):
    m = world["matter"].id
    login(client, world["owner"])
    before = _chain(session)
    response = client.post(
        f"/matters/{m}/evidence/upload",
        data={"files": [(io.BytesIO(pdf_bytes()), "회신.pdf")], "received_on": FAR},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert RANGE_KO in response.get_data(as_text=True)
    assert _chain(session) == before


def test_the_date_fields_tell_the_browser_the_range(client, session, world):
    login(client, world["owner"])
    page = client.get(f"/matters/{world['matter'].id}/demands/new").get_data(as_text=True)
    assert 'min="1900-01-01"' in page and 'max="2999-12-31"' in page


def test_dates_at_the_ends_of_the_range_are_accepted(session, world):
    for day in ("1900-01-01", "2999-12-31"):
        made = deadlines.create_deadline(
            session=session,
            actor=world["owner"],
            matter_id=world["matter"].id,
            title="끝",
            due_on=day,
        )
        assert made.due_on == date.fromisoformat(day)


@pytest.mark.parametrize("due_on", [date(9999, 12, 31), date(1, 1, 1), "9999-12-31"])
def test_the_service_refuses_it_too(session, world, due_on):
    before = _chain(session)
    count = session.exec(select(func.count()).select_from(Deadline)).one()
    with pytest.raises(ValidationFailed) as err:
        deadlines.create_deadline(
            session=session,
            actor=world["owner"],
            matter_id=world["matter"].id,
            title="기한",
            due_on=due_on,
        )
    assert err.value.errors == [("due_on", "Give a date between 1900-01-01 and 2999-12-31.")]
    assert _chain(session) == before
    assert session.exec(select(func.count()).select_from(Deadline)).one() == count


@pytest.mark.parametrize(
    "args",
    [
        ["deadline", "add", "--matter", "2022-법무-009", "--title", "기한", "--due", FAR],
        [
            "deadline",
            "add",
            "--matter",
            "2022-법무-009",
            "--title",
            "기한",
            "--from",
            "2999-12-01",
            "--period",
            "1 year",
        ],
        ["deadline", "compute", "--from", "9999-12-01", "--period", "1 month"],
        ["holiday", "add", FAR, "임시공휴일"],
        [
            "dossier",
            "build",
            "--matter",
            "2022-법무-009",
            "--purpose",
            "civil",
            "--at",
            "9999-12-31T23:00-05:00",
            "--out",
            "{out}",
        ],
        ["reminders", "run", "--now", "9999-12-31T09:00+09:00"],
    ],
    ids=["deadline-due", "deadline-computed", "compute", "holiday", "dossier-at", "reminders-now"],
)
def test_the_cli_refuses_it(runner, session, world, tmp_path, args):
    before = _chain(session)
    out = tmp_path / "x.pdf"
    args = [a.replace("{out}", str(out)) for a in args]
    result = runner.invoke(args=[*args, *(["--as", world["owner"].email] if _acts(args) else [])])
    assert result.exit_code == 2, result.output
    assert "1900-01-01" in result.output and "2999-12-31" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert _chain(session) == before


def _acts(args: list[str]) -> bool:
    return args[:2] in (["deadline", "add"], ["holiday", "add"], ["dossier", "build"])


def test_the_cli_refuses_a_received_date_outside_the_range(runner, session, world, tmp_path):
    before = _chain(session)
    exhibit = tmp_path / "회신.pdf"
    exhibit.write_bytes(pdf_bytes())
    result = runner.invoke(
        args=[
            "evidence",
            "add",
            "--matter",
            "2022-법무-009",
            str(exhibit),
            "--received",
            FAR,
            "--as",
            world["owner"].email,
        ]
    )
    assert result.exit_code != 0
    assert "1900-01-01" in result.output
    assert _chain(session) == before
