"""The demo matter recorded through the services, and the dossier context built from it.

``demo_context(folder, …)`` is what the engine tests, the benchmark and previews build from. It
records the Seoul Love Gift Certificate handover the way a user does (``services/demo.py``: the
matter, its parties, demands, responses, deadlines, letters, facts, the exhibits uploaded,
described and labelled, the reconciliation and the data audit run by the reconcile engine), in
a scratch SQLite database and vault under ``folder``, and returns what
``services.dossiers.build_context`` makes of it: the very context a real build gets, so the
figures, labels, custody and deadlines it prints are those of the real pipeline.

``facts``, ``letters`` and ``exhibits`` scale the matter up for load tests: the extra rows are
recorded through the same services (``records.add_fact``, ``records.add_correspondence``,
``evidence.add_files`` then ``mark_for_production``, ``evidence.link``), variations of the
real ones. A scale is recorded once per folder and read again on the next call.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import random
import secrets
from pathlib import Path
from typing import Any

from .samples import write_jpeg, write_pdf_letter

#: Bump when what is recorded changes, so a kept scratch database is recorded again.
RECORDING_VERSION = 1
OWNER_EMAIL = "kim.legal@seoul.example"
OWNER_NAME = "김법무"
#: What the tests and the benchmark build at unless they say otherwise.
GENERATED_AT = dt.datetime(2022, 3, 3, 1, 30, tzinfo=dt.UTC)
DOSSIER_NUMBER = "D-2022-법무-001-0001"

_COUNTERPARTS = ["한국간편결제진흥원", "비즈플레이", "중소벤처기업부", "신한은행", "티머니"]
_SUBJECTS = [
    "사용자·가맹점 데이터 이관 요구",
    "발행수수료 및 잔액 정산 요청 (2021-11-30 기준)",
    "발행수수료 및 잔액 정산 요청 (2021-12-31 기준)",
    "가맹점 데이터 적재 오류 통보",
    "결제 결과 미통지에 대한 시정 요구",
    "데이터 상호 공유 제안",
    "영업기밀 주장에 대한 반박",
    "정산 자료 보완 요청",
]


_DETAIL = [
    "담당 주무관이 상대방 실무자와 통화하여 제출 일정과 누락 항목을 확인하였고, 통화 내용은 "
    "당일 업무일지에 기록하였다.",
    "넘겨받은 파일의 행 수와 필수 항목 채움률을 다시 집계한 결과 직전 보고와 차이가 있어 "
    "데이터팀에 재검증을 요청하였다.",
    "정산 담당자는 기준일별 발행수수료와 잔액을 원장과 대조하였으며, 차이 금액의 산정 근거를 "
    "상대방에 서면으로 요구하였다.",
    "가맹점 민원 접수 현황을 확인한 결과 결제 실패와 결제 결과 미통지 관련 민원이 계속 "
    "접수되고 있다.",
]


@dataclasses.dataclass
class RecordedDemo:
    """The demo matter in its scratch database: open sessions on it, add exhibits to it as a
    user would, and build dossier contexts from it."""

    folder: Path
    engine: Any
    vault: Any

    def session(self):
        from sqlmodel import Session

        return Session(self.engine, expire_on_commit=False)

    def _owner_and_matter(self, session):
        from sqlmodel import select

        from ..models import Matter, User
        from ..services.demo import REFERENCE

        owner = session.exec(select(User).where(User.email == OWNER_EMAIL)).one()
        matter = session.exec(select(Matter).where(Matter.reference == REFERENCE)).one()
        return owner, matter

    def add_exhibit(
        self,
        path: Path,
        *,
        title: str,
        author: str,
        made_on: dt.date,
        proves: str,
        original: bool = True,
        branch_of_number: int | None = None,
        source: str = "한결원",
        received_on: dt.date = dt.date(2022, 1, 20),
    ) -> int:
        """Upload ``path``, describe it and label it (the next number, or the next branch of
        exhibit number ``branch_of_number``); returns the exhibit's id."""
        from ..services import evidence, matters

        with self.session() as session:
            owner, matter = self._owner_and_matter(session)
            parties = {p.short_name: p.id for p in matters.parties(session, matter.id)}
            with path.open("rb") as handle:
                (result,) = evidence.add_files(
                    session=session,
                    vault=self.vault,
                    actor=owner,
                    matter_id=matter.id,
                    uploads=[evidence.Upload(path.name, handle)],
                    source_party_id=parties[source],
                    received_on=received_on,
                )
            if result.evidence is None:
                raise ValueError(f"{path.name}: {result.error}")
            item = result.evidence
            evidence.update(
                session=session,
                actor=owner,
                matter_id=matter.id,
                evidence_id=item.id,
                title=title,
                author=author,
                made_on=made_on,
                is_original=original,
                proves=proves,
            )
            parent = None
            if branch_of_number is not None:
                parent = next(
                    e.id
                    for e in evidence.list_for_matter(session, matter.id)
                    if e.label_number == branch_of_number and e.label_branch in (0, 1)
                )
            evidence.mark_for_production(
                session=session,
                actor=owner,
                matter_id=matter.id,
                evidence_id=item.id,
                branch_of=parent,
            )
            return item.id

    def context(
        self,
        *,
        purpose: str = "civil",
        lang: str = "ko",
        generated_at: dt.datetime | None = None,
        number: str = DOSSIER_NUMBER,
        sections: list[str] | None = None,
    ) -> dict[str, Any]:
        """``services.dossiers.build_context`` of the recorded matter."""
        from ..services.dossiers import build_context

        with self.session() as session:
            _owner, matter = self._owner_and_matter(session)
            context = build_context(
                session,
                self.vault,
                matter,
                number=number,
                purpose=purpose,
                lang=lang,
                generated_at=generated_at or GENERATED_AT,
                prepared_by=OWNER_NAME,
                sections=sections,
            )
            session.commit()
        return context


_OPEN: dict[Path, RecordedDemo] = {}


def record_demo(
    folder: Path,
    *,
    facts: int | None = None,
    letters: int | None = None,
    exhibits: int | None = None,
    pdf_pages: int = 2,
    detail: int = 0,
) -> RecordedDemo:
    """The demo matter (scaled to ``facts`` facts, ``letters`` letters and ``exhibits``
    exhibits when given, ``pdf_pages`` pages per extra PDF exhibit, ``detail`` more sentences
    per extra fact) recorded in a scratch database under ``folder``; recorded once per scale."""
    from sqlalchemy import event
    from sqlmodel import SQLModel

    from ..db import make_engine
    from ..vault.local import LocalVault

    params = {
        "version": RECORDING_VERSION,
        "facts": facts,
        "letters": letters,
        "exhibits": exhibits,
        "pdf_pages": pdf_pages,
        "detail": detail,
    }
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]
    home = Path(folder) / f"recorded-{key}"
    if home in _OPEN:
        return _OPEN[home]
    done = home / "recorded.json"
    fresh = not done.exists()
    if fresh and home.exists():  # a recording that was cut short: start again
        import shutil

        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{home / 'tracker.db'}")

    @event.listens_for(engine, "connect")
    def _scratch(dbapi_conn, _record):
        # A scratch database, recorded again if lost: commits need not wait for the disk
        # (thousands of them when the matter is scaled up for the benchmark).
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    demo = RecordedDemo(home, engine, LocalVault(home / "vault"))
    if fresh:
        # The same tables the migrations make (tests/test_migrations.py keeps them equal).
        import tracker.models  # noqa: F401 - every table registered

        SQLModel.metadata.create_all(engine)
        _record(
            demo,
            facts=facts,
            letters=letters,
            exhibits=exhibits,
            pdf_pages=pdf_pages,
            detail=detail,
        )
        done.write_text(json.dumps(params))
    _OPEN[home] = demo
    return demo


def demo_context(
    folder: Path,
    *,
    purpose: str = "civil",
    lang: str = "ko",
    facts: int | None = None,
    letters: int | None = None,
    exhibits: int | None = None,
    pdf_pages: int = 2,
    detail: int = 0,
    generated_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """The demo matter's dossier context, as ``build_context`` makes it from the recording."""
    demo = record_demo(
        folder,
        facts=facts,
        letters=letters,
        exhibits=exhibits,
        pdf_pages=pdf_pages,
        detail=detail,
    )
    return demo.context(purpose=purpose, lang=lang, generated_at=generated_at)


def _record(demo: RecordedDemo, *, facts, letters, exhibits, pdf_pages, detail) -> None:
    from ..services import demo as demo_service
    from ..services import evidence, records, users
    from ..services.audit import Actor

    with demo.session() as session:
        owner = users.create_user(
            session=session,
            actor=Actor(None, "system:demo"),
            email=OWNER_EMAIL,
            name=OWNER_NAME,
            # Nobody signs in to a scratch database: a random password, never shown.
            password=secrets.token_urlsafe(16),
            is_admin=True,
        )
        matter = demo_service.load(session, owner)
        demo_service.add_exhibits(session, demo.vault, owner, matter, demo.folder / "files")
        m = matter.id
        base = [e for e in evidence.list_for_matter(session, m) if e.label_number is not None]
        count = len(base)
        files = demo.folder / "files-extra"
        files.mkdir(exist_ok=True)
        new_ids = []
        if exhibits is not None and exhibits > count:
            paths = []
            for number in range(count + 1, exhibits + 1):
                if number % 3 == 0:
                    path = files / f"현장 사진 {number:04d}.jpg"
                    write_jpeg(path, seed=number)
                else:
                    path = files / f"정산 증빙 자료 {number:04d}.pdf"
                    write_pdf_letter(
                        path, heading=f"Exhibit {number}", pages=pdf_pages, seed=number
                    )
                paths.append(path)
            handles = [p.open("rb") for p in paths]  # noqa: SIM115 - closed right after
            try:
                results = evidence.add_files(
                    session=session,
                    vault=demo.vault,
                    actor=owner,
                    matter_id=m,
                    uploads=[
                        evidence.Upload(p.name, h) for p, h in zip(paths, handles, strict=True)
                    ],
                    received_on=dt.date(2022, 1, 20),
                    obtained_how="upload",
                )
            finally:
                for handle in handles:
                    handle.close()
            for number, result in enumerate(results, start=count + 1):
                rng = random.Random(number)
                item = result.evidence
                evidence.update(
                    session=session,
                    actor=owner,
                    matter_id=m,
                    evidence_id=item.id,
                    title=f"정산 증빙 자료 {number}",
                    author=rng.choice(_COUNTERPARTS),
                    made_on=dt.date(2021, 9, 1) + dt.timedelta(days=number % 150),
                    is_original=number % 3 == 0,
                    proves="정산 금액의 산정 근거와 보고 수치의 차이",
                )
                evidence.mark_for_production(
                    session=session, actor=owner, matter_id=m, evidence_id=item.id
                )
                new_ids.append(item.id)
        exhibit_ids = [e.id for e in base] + new_ids
        if facts is not None:
            have = len(records.chronology(session, m))
            rng = random.Random(7)
            start = dt.date(2021, 8, 1)
            for index in range(max(0, facts - have)):
                day = start + dt.timedelta(days=index * 200 // max(facts, 1))
                text = (
                    f"{_BASE_TEXTS[index % len(_BASE_TEXTS)]} "
                    f"(후속 확인 {index + 1}: 담당자 통화 및 자료 대조 결과 기록.)"
                )
                if index % 4 == 0:
                    text += (
                        " 상대방은 같은 취지의 입장을 되풀이하였고, 추가 자료 제출 기한은 "
                        "지켜지지 않았다."
                    )
                for sentence in range(detail):
                    text += " " + _DETAIL[(index + sentence) % len(_DETAIL)]
                fact = records.add_fact(
                    session=session,
                    actor=owner,
                    matter_id=m,
                    occurred_on=day,
                    text=text,
                    status=rng.choice(["undisputed", "disputed_by_them", "unsure"]),
                    precision="day",
                )
                evidence.link(
                    session=session,
                    actor=owner,
                    matter_id=m,
                    evidence_id=rng.choice(exhibit_ids),
                    target_type="fact",
                    target_id=fact.id,
                )
        if letters is not None:
            have = len(records.correspondence_of(session, m))
            rng = random.Random(11)
            for index in range(max(0, letters - have)):
                day = dt.date(2021, 9, 1) + dt.timedelta(days=index * 180 // max(letters, 1))
                entry = records.add_correspondence(
                    session=session,
                    actor=owner,
                    matter_id=m,
                    occurred_on=day,
                    direction=rng.choice(["out", "in"]),
                    channel=rng.choice(["letter", "email", "call", "meeting"]),
                    subject=f"{rng.choice(_SUBJECTS)} ({index + 1})",
                    sender=rng.choice(_COUNTERPARTS),
                )
                evidence.link(
                    session=session,
                    actor=owner,
                    matter_id=m,
                    evidence_id=rng.choice(exhibit_ids),
                    target_type="correspondence",
                    target_id=entry.id,
                )


#: Texts the extra facts vary (the demo's own chronology, in short).
_BASE_TEXTS = [
    "서울시, 서울사랑상품권 판매대행점 선정 공모 공고.",
    "신한컨소시엄(신한은행·티머니 등)을 새 판매대행사로 선정.",
    "서울시, 한결원에 사용자·가맹점 데이터 일체 이관과 2021-11-30 및 2021-12-31 기준 정산을 "
    "서면으로 요구.",
    "정산 기준일 2. 한결원과 비즈플레이가 보고한 발행수수료 합계가 서로 다름.",
    "한결원 회신: 사용자·가맹점 데이터는 영업기밀이라며 이관 거부, 제로페이망 이용 분담금과 "
    "가맹점 결제수수료 부과를 조건으로 제시.",
    "한결원이 넘긴 가맹점 데이터 일부가 필수 항목 누락으로 새 시스템에 적재되지 않음.",
    "새 제로페이 QR을 받은 가맹점에서 신규 발행 상품권의 서울Pay+ 결제 실패가 발생.",
]
