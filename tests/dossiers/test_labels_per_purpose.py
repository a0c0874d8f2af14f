"""Exhibit labels per bundle, and labels frozen once produced (issue 10, items 1 and 2).

Everything is recorded through the services and the CLI the way a user does it, and every
check ends in the real output: the signed PDF (pdftotext), the CLI's words, the page.
"""

from __future__ import annotations

import io
import json
import re
import subprocess

import pytest
from sqlmodel import select

from tests.conftest import login
from tests.evidence_helpers import pdf_bytes
from tests.factories import make_matter, make_user
from tracker.models import AuditEvent, Dossier, Evidence
from tracker.services import evidence

pytestmark = pytest.mark.xdist_group("dossier")

REFERENCE = "2022-라벨-001"


def pdftotext(path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed). A label a narrow
    table cell wraps before its branch (``갑 제2호증`` / ``의1``) is read back whole."""
    out = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [re.sub(r"호증\s*의\s*(\d+)", r"호증의 \1", page) for page in out.split("\f")]


@pytest.fixture
def recorded(app, session, tmp_path):
    """A matter with 11 exhibits, labelled in the browser's order of work: 1, 2, a branch
    filed under 2 (so 2 becomes 2-1 and the new one 2-2), then 3 to 10."""
    owner = make_user(session, locale="ko")
    matter = make_matter(
        session, owner, reference=REFERENCE, label_scheme="gap", procedural_role="plaintiff"
    )
    vault = app.extensions["tracker.vault"]
    uploads = [
        evidence.Upload(f"공문{n:02d}.pdf", io.BytesIO(pdf_bytes(f"n{n}"))) for n in range(11)
    ]
    results = evidence.add_files(
        session=session,
        vault=vault,
        actor=owner,
        matter_id=matter.id,
        uploads=uploads,
        author="서울특별시",
        made_on="2022-01-27",
        proves="자료 이관 요구 사실",
    )
    items = [r.evidence for r in results]

    def mark(item, **kw):
        return evidence.mark_for_production(
            session=session, actor=owner, matter_id=matter.id, evidence_id=item.id, **kw
        )

    mark(items[0])
    mark(items[1])
    mark(items[2], branch_of=items[1].id)
    for item in items[3:]:
        mark(item)
    session.commit()
    return owner, matter, items


def build(runner, tmp_path, owner, purpose, lang="ko"):
    out = tmp_path / f"{purpose}-{lang}.pdf"
    result = runner.invoke(
        args=[
            "dossier",
            "build",
            "--matter",
            REFERENCE,
            "--purpose",
            purpose,
            "--lang",
            lang,
            "--at",
            "2022-03-02T09:00+09:00",
            "--out",
            str(out),
            "--as",
            owner.email,
        ]
    )
    assert result.exit_code == 0, result.output
    return out


def registered(session) -> list[Dossier]:
    session.rollback()
    session.expire_all()
    return list(session.exec(select(Dossier).order_by(Dossier.id)))


COURT_ORDER = [1, (2, 1), (2, 2), 3, 4, 5, 6, 7, 8, 9, 10]


def labels(form: str, branch_form: str) -> list[str]:
    return [
        branch_form.format(n=n[0], b=n[1]) if isinstance(n, tuple) else form.format(n=n)
        for n in COURT_ORDER
    ]


@pytest.mark.parametrize(
    ("purpose", "lang", "form", "branch_form", "absent"),
    [
        ("civil", "ko", "갑 제{n}호증", "갑 제{n}호증의 {b}", ["증 제1호증", "Exhibit 1"]),
        ("criminal", "ko", "증 제{n}호증", "증 제{n}호증의 {b}", ["갑 제", "Exhibit 1"]),
        ("criminal", "en", "Exhibit {n}", "Exhibit {n}-{b}", ["갑 제", "증 제"]),
    ],
)
def test_one_matter_prints_each_bundles_labels_with_the_same_numbers(
    runner, session, recorded, tmp_path, purpose, lang, form, branch_form, absent
):
    owner, _matter, items = recorded
    out = build(runner, tmp_path, owner, purpose, lang)
    row = registered(session)[-1]
    expected = labels(form, branch_form)
    inside = json.loads(row.exhibits)
    # Registered in court order: 제2호증의 1 and 의 2 right after 제1호증, 제10호증 last.
    assert [x["label"] for x in inside] == expected
    assert [x["start_page"] for x in inside] == sorted(x["start_page"] for x in inside)
    by_id = {x["evidence_id"]: x["label"] for x in inside}
    assert by_id[items[1].id] == branch_form.format(n=2, b=1)
    assert by_id[items[10].id] == form.format(n=10)
    pages = pdftotext(out)
    whole = "\n".join(pages)
    for text in absent:
        assert text not in whole
    # Each exhibit's first page carries its label, stamped in the bundle's form.
    for x in inside:
        assert x["label"] in pages[x["start_page"] - 1], x
    # The 증거설명서 / 증거목록 lists every exhibit once, in court order, before the exhibits.
    # (This matter has no facts or letters, so past the cover and the contents only the
    # statement cites exhibits.)
    listing = "\n".join(
        page
        for page in pages[1 : inside[0]["start_page"] - 1]
        if "목차" not in page and "Contents" not in page
    )
    found = [
        match
        for match in re.findall(
            r"(?:갑|증) 제\d+호증(?:의 \d+)?|Exhibit \d+(?:-\d+)?", listing, flags=re.M
        )
    ]
    in_order = list(dict.fromkeys(found))
    assert in_order == expected


def test_a_produced_label_is_frozen_in_the_cli(runner, session, recorded, tmp_path):
    owner, matter, items = recorded
    build(runner, tmp_path, owner, "civil")
    build(runner, tmp_path, owner, "criminal")
    numbers = [d.number for d in registered(session)]
    assert len(numbers) == 2
    extra = evidence.add_files(
        session=session,
        vault=runner.app.extensions["tracker.vault"],
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload("추가.pdf", io.BytesIO(pdf_bytes("extra")))],
    )[0].evidence
    session.commit()
    events_before = len(session.exec(select(AuditEvent)).all())
    args = ["evidence", "label", "--matter", REFERENCE, str(extra.id), "--as", owner.email]
    refused = runner.invoke(args=[*args, "--branch-of", str(items[3].id)])
    assert refused.exit_code == 1
    # In the user's language, naming both dossiers and how each printed it, offering 제11호증.
    assert "갑 제3호증" in refused.output and "번호가 고정" in refused.output
    assert all(number in refused.output for number in numbers)
    assert "(증 제3호증)" in refused.output and "갑 제11호증" in refused.output
    session.rollback()
    session.expire_all()
    assert session.get(Evidence, items[3].id).label_branch == 0
    assert session.get(Evidence, extra.id).label_number is None
    assert len(session.exec(select(AuditEvent)).all()) == events_before  # nothing written

    # An override without a reason is refused too; with one it is audited with the dossiers.
    no_reason = runner.invoke(args=[*args, "--branch-of", str(items[3].id), "--override-produced"])
    assert no_reason.exit_code == 2 and "reason" in no_reason.output
    done = runner.invoke(
        args=[
            *args,
            "--branch-of",
            str(items[3].id),
            "--override-produced",
            "--reason",
            "법원의 석명 요구에 따라 관련 문서를 묶음",
        ]
    )
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0] == "갑 제3호증의 2"
    assert all(number in done.output for number in numbers)  # the warning names them
    session.rollback()
    session.expire_all()
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "renumber", AuditEvent.entity_id == str(items[3].id)
        )
    ).one()
    after = json.loads(event.after)
    assert after["override_produced"] is True and after["reason"].startswith("법원의")
    assert [c["dossier"] for c in after["contradicts"]] == numbers
    assert [c["label"] for c in after["contradicts"]] == ["갑 제3호증", "증 제3호증"]
    assert json.loads(event.before) == {"label_branch": 0}

    # The next number is still free, and offered: labelling without a branch takes it.
    other = evidence.add_files(
        session=session,
        vault=runner.app.extensions["tracker.vault"],
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload("다음.pdf", io.BytesIO(pdf_bytes("next")))],
    )[0].evidence
    session.commit()
    plain = runner.invoke(
        args=["evidence", "label", "--matter", REFERENCE, str(other.id), "--as", owner.email]
    )
    assert plain.output.strip() == "갑 제11호증"


def test_renumbering_a_produced_exhibit_needs_an_audited_override_in_the_cli(
    runner, session, recorded, tmp_path
):
    owner, _matter, items = recorded
    build(runner, tmp_path, owner, "civil")
    (number,) = [d.number for d in registered(session)]
    args = ["evidence", "renumber", "--matter", REFERENCE, str(items[4].id), "--number", "20"]
    refused = runner.invoke(args=[*args, "--reason", "재정리", "--as", owner.email])
    assert refused.exit_code == 1 and number in refused.output and "갑 제4호증" in refused.output
    session.rollback()
    session.expire_all()
    assert session.get(Evidence, items[4].id).label_number == 4
    done = runner.invoke(
        args=[*args, "--reason", "재판부 지시로 재정리", "--override-produced", "--as", owner.email]
    )
    assert done.exit_code == 0 and done.output.splitlines()[0] == "갑 제20호증"
    assert number in done.output
    session.rollback()
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "renumber", AuditEvent.entity_id == str(items[4].id)
        )
    ).one()
    after = json.loads(event.after)
    assert after["contradicts"] == [{"dossier": number, "label": "갑 제4호증"}]
    assert after["label_number"] == 20 and after["reason"] == "재판부 지시로 재정리"
    # Not yet produced: an exhibit may still be renumbered with a reason alone.
    session.commit()


def test_a_produced_label_is_frozen_in_the_browser(client, runner, session, recorded, tmp_path):
    owner, matter, items = recorded
    build(runner, tmp_path, owner, "civil")
    (number,) = [d.number for d in registered(session)]
    login(client, owner)
    extra = evidence.add_files(
        session=session,
        vault=runner.app.extensions["tracker.vault"],
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload("추가.pdf", io.BytesIO(pdf_bytes("extra")))],
    )[0].evidence
    session.commit()
    base = f"/matters/{matter.id}/evidence"

    page = client.get(f"{base}/{items[3].id}").get_data(as_text=True)
    assert "고정됨" in page and number in page
    assert "민사 <strong>갑 제3호증</strong>" in page and "<strong>증 제3호증</strong>" in page
    assert "<strong>Exhibit 3</strong>" in page

    refused = client.post(
        f"{base}/{extra.id}/label", data={"branch_of": str(items[3].id)}, follow_redirects=True
    )
    text = refused.get_data(as_text=True)
    assert "번호가 고정" in text and number in text and "갑 제11호증" in text
    session.rollback()
    session.expire_all()
    assert session.get(Evidence, extra.id).label_number is None
    assert session.get(Evidence, items[3].id).label_branch == 0

    renumber = client.post(
        f"{base}/{items[3].id}/renumber",
        data={"number": "30", "branch": "0", "reason": "재정리"},
        follow_redirects=True,
    )
    assert "번호가 고정" in renumber.get_data(as_text=True)
    session.rollback()
    session.expire_all()
    assert session.get(Evidence, items[3].id).label_number == 3

    done = client.post(
        f"{base}/{extra.id}/label",
        data={"branch_of": str(items[3].id), "override_produced": "1", "reason": "관련 문서"},
        follow_redirects=True,
    )
    text = done.get_data(as_text=True)
    assert "예외 처리가 기록되었습니다" in text and number in text
    session.rollback()
    session.expire_all()
    assert evidence.label_of(session.get(Evidence, extra.id), "gap") == "갑 제3호증의 2"
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "renumber", AuditEvent.entity_id == str(items[3].id)
        )
    ).one()
    assert json.loads(event.after)["contradicts"] == [{"dossier": number, "label": "갑 제3호증"}]


def test_a_queued_build_does_not_freeze_and_unproduced_exhibits_still_branch(
    app, session, recorded
):
    from tracker.services import dossiers

    owner, matter, items = recorded
    dossiers.request_build(session=session, actor=owner, matter_id=matter.id, purpose="civil")
    assert evidence.productions(session, matter.id) == {}  # queued is not registered
    extra = evidence.add_files(
        session=session,
        vault=app.extensions["tracker.vault"],
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload("추가.pdf", io.BytesIO(pdf_bytes("extra")))],
    )[0].evidence
    branched = evidence.mark_for_production(
        session=session,
        actor=owner,
        matter_id=matter.id,
        evidence_id=extra.id,
        branch_of=items[5].id,
    )
    assert evidence.label_of(branched, "gap") == "갑 제5호증의 2"
