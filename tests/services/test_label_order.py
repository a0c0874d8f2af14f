"""Labels listed anywhere come in court order: 제2호증 before 제10호증, branches after their
parent, unlabelled exhibits last (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from tests.evidence_helpers import pdf_bytes
from tests.factories import make_matter, make_user
from tracker.services import dossiers, evidence, records


def test_lists_and_dossier_context_sort_labels_in_court_order(app, session):
    owner = make_user(session)
    matter = make_matter(session, owner, label_scheme="gap")
    vault = app.extensions["tracker.vault"]
    items = [
        r.evidence
        for r in evidence.add_files(
            session=session,
            vault=vault,
            actor=owner,
            matter_id=matter.id,
            uploads=[
                evidence.Upload(f"{n}.pdf", io.BytesIO(pdf_bytes(f"o{n}"))) for n in range(12)
            ],
        )
    ]
    unlabelled = items[0]  # arrived first, never labelled
    for item in items[1:11]:  # 갑 제1호증 … 갑 제10호증
        evidence.mark_for_production(
            session=session, actor=owner, matter_id=matter.id, evidence_id=item.id
        )
    evidence.mark_for_production(  # 갑 제2호증 becomes 의 1, this one 의 2
        session=session,
        actor=owner,
        matter_id=matter.id,
        evidence_id=items[11].id,
        branch_of=items[2].id,
    )
    fact = records.add_fact(
        session=session,
        actor=owner,
        matter_id=matter.id,
        occurred_on="2022-01-27",
        text="서울시가 자료 이관을 요구하였다.",
    )
    letter = records.add_correspondence(
        session=session,
        actor=owner,
        matter_id=matter.id,
        direction="out",
        channel="official_letter",
        occurred_on="2022-01-27",
        subject="자료 이관 요구",
    )
    for item in (items[10], unlabelled, items[11], items[2], items[3]):
        for target_type, target in (("fact", fact), ("correspondence", letter)):
            evidence.link(
                session=session,
                actor=owner,
                matter_id=matter.id,
                evidence_id=item.id,
                target_type=target_type,
                target_id=target.id,
            )
    court_order = ["갑 제2호증의 1", "갑 제2호증의 2", "갑 제3호증", "갑 제10호증"]

    linked = evidence.exhibits_for(session, matter.id, "fact", fact.id)
    assert [evidence.label_of(e, "gap") for e in linked] == [*court_order, ""]
    listed = evidence.list_for_matter(session, matter.id)
    assert [evidence.label_of(e, "gap") for e in listed][:4] == [
        "갑 제1호증",
        "갑 제2호증의 1",
        "갑 제2호증의 2",
        "갑 제3호증",
    ]
    assert listed[-1].id == unlabelled.id

    for purpose, lang, form in (
        ("civil", "ko", "갑 제{}호증"),
        ("criminal", "ko", "증 제{}호증"),
        ("criminal", "en", "Exhibit {}"),
    ):
        context = dossiers.build_context(
            session,
            vault,
            matter,
            number="D-test",
            purpose=purpose,
            lang=lang,
            generated_at=datetime(2022, 3, 2, tzinfo=UTC),
            prepared_by="테스트",
        )
        if lang == "en":
            expected = ["Exhibit 2-1", "Exhibit 2-2", "Exhibit 3", "Exhibit 10"]
        else:
            expected = [
                f"{form.format(2)}의 1",
                f"{form.format(2)}의 2",
                form.format(3),
                form.format(10),
            ]
        assert context["facts"][0]["sources"] == expected
        assert context["correspondence"][0]["exhibit_labels"] == expected
        assert [e["label"] for e in context["exhibits"]][:3] == [
            form.format(1),
            expected[0],
            expected[1],
        ]
