"""The demo matter: the Seoul Love Gift Certificate sales-agent handover (facts of 2022-01-27).

Loading is idempotent: a second run finds the matter by its reference and changes nothing.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from ..models import Matter, User
from . import deadlines, demands, matters, records, users
from .audit import Actor

REFERENCE = "2022-법무-001"
ADMIN_EMAIL = "admin@example.com"
DEMO = Actor(None, "system:demo")


def ensure_admin(session: Session, instance_dir: Path) -> tuple[User, str | None]:
    """The first admin account. Its generated password is kept (mode 600) in the instance dir
    so `make run` can print it again; change it and delete the file for real use."""
    user = session.exec(select(User).where(User.email == ADMIN_EMAIL)).first()
    password_file = instance_dir / "admin-password.txt"
    if user is not None:
        password = password_file.read_text().strip() if password_file.exists() else None
        return user, password
    password = secrets.token_urlsafe(12)
    user = users.create_user(
        session=session,
        actor=DEMO,
        email=ADMIN_EMAIL,
        name="관리자",
        password=password,
        is_admin=True,
    )
    password_file.write_text(password + "\n")
    password_file.chmod(0o600)
    return user, password


def load(session: Session, owner: User) -> Matter:
    """Create the demo matter with ``owner`` as its admin, unless it exists already."""
    existing = session.exec(select(Matter).where(Matter.reference == REFERENCE)).first()
    if existing is not None:
        return existing
    matter = matters.create_matter(
        session=session,
        actor=owner,
        reference=REFERENCE,
        title="서울사랑상품권 판매대행 업무 이관·정산 분쟁",
        kind="pre_litigation",
        status="open",
        our_side="서울특별시",
        label_scheme="gap",
        # Invented but realistic: where the city would sue and complain.
        court="서울중앙지방법원",
        case_number="2022가합12345",
        case_name="정산금 등",
        procedural_role="plaintiff",
        criminal_addressee="서울중앙지방검찰청 검사장",
        summary=(
            "2021년 입찰로 서울사랑상품권 판매대행사가 신한컨소시엄으로 바뀌었으나, 이전 "
            "판매대행사인 한국간편결제진흥원(한결원)이 위탁 사무 중 생성된 이용자·가맹점 "
            "데이터를 영업기밀이라며 넘기지 않고 있다. 넘겨받은 가맹점 데이터는 불완전해 새 "
            "시스템에 올릴 수 없었고, 한결원과 비즈플레이가 보고한 정산 금액이 서로 다르다. "
            "서울시는 2022-02-28까지 정산을 마치도록 요구했고, 이관이 없으면 민·형사상 책임을 "
            "검토한다고 밝혔다."
        ),
    )
    m = matter.id

    def party(name, short, role, contact="", address="", representative=""):
        return matters.add_party(
            session=session,
            actor=owner,
            matter_id=m,
            name=name,
            short_name=short,
            role=role,
            contact=contact,
            address=address,
            representative=representative,
        ).id

    party(
        "서울특별시",
        "서울시",
        "our_side",
        "소상공인정책과 지역화폐팀",
        address="서울특별시 중구 세종대로 110",
        representative="서울특별시장",
    )
    kepf = party(
        "한국간편결제진흥원",
        "한결원",
        "counterparty",
        "제로페이 운영, 이전 판매대행사",
        representative="이사장",
    )
    bizplay = party("비즈플레이", "비즈플레이", "counterparty", "한결원과 함께 판매대행 수행")
    party("신한컨소시엄 (신한은행·티머니 등)", "신한컨소시엄", "third_party", "새 판매대행사")
    party("중소벤처기업부", "중기부", "regulator", "제로페이 관리·감독")

    data = demands.create_demand(
        session=session,
        actor=owner,
        matter_id=m,
        party_id=kepf,
        title="서울시 위탁 사무 수행 중 생성된 데이터 일체 이관 요구",
        kind="data_transfer",
        channel="official_letter",
        sent_on=date(2021, 12, 3),
        due_on=date(2021, 12, 17),
        basis="판매대행 위탁 협약: 위탁 사무로 생성된 자료는 위탁자(서울시)에게 귀속되며 "
        "계약 종료 시 이관한다.",
        items=[
            demands.ItemInput("이용자(시민) 데이터 일체"),
            demands.ItemInput(
                "가맹점 데이터 일체 (가맹점ID·상호·사업자등록번호·대표자·주소·연락처·업종)"
            ),
            demands.ItemInput("결제 결과 통지 내역"),
        ],
    )
    settle = demands.create_demand(
        session=session,
        actor=owner,
        matter_id=m,
        party_id=kepf,
        title="발행수수료 및 잔액 정산 요구",
        kind="settlement",
        channel="official_letter",
        sent_on=date(2022, 1, 27),
        due_on=date(2022, 2, 28),
        with_deadline=False,  # recorded below as computed (민법 157–161), with its trace
        basis="판매대행 위탁 협약 정산 조항: 다음 달 28일까지 정산 완료",
        items=[
            demands.ItemInput("발행수수료", date(2021, 11, 30)),
            demands.ItemInput("발행수수료", date(2021, 12, 31)),
            demands.ItemInput("잔액", date(2021, 11, 30)),
            demands.ItemInput("잔액", date(2021, 12, 31)),
        ],
    )
    figures = demands.create_demand(
        session=session,
        actor=owner,
        matter_id=m,
        party_id=bizplay,
        title="정산 금액 산출 근거 자료 제출 요청",
        kind="settlement",
        channel="email",
        sent_on=date(2022, 1, 28),
        due_on=date(2022, 2, 11),
        basis="정산 금액 대사(對査)를 위한 자료 요청",
        items=[demands.ItemInput("정산 금액 산출 내역", date(2021, 12, 31))],
    )
    data_items = demands.items_of(session, data.id)
    demands.record_response(
        session=session,
        actor=owner,
        matter_id=m,
        demand_id=data.id,
        item_ids=[data_items[0].id],
        received_on=date(2021, 12, 15),
        position="refused",
        grounds="이용자 정보는 한결원의 영업기밀(營業秘密)에 해당하여 제공할 수 없음",
        summary="이용자 데이터 이관 거부 회신",
    )
    demands.record_response(
        session=session,
        actor=owner,
        matter_id=m,
        demand_id=data.id,
        item_ids=[data_items[1].id],
        received_on=date(2022, 1, 10),
        position="partial",
        grounds="가맹점 데이터 일부만 제공",
        summary="가맹점 파일을 받았으나 필수 항목이 빠져 새 시스템에 적재할 수 없음",
    )
    demands.record_response(
        session=session,
        actor=owner,
        matter_id=m,
        demand_id=data.id,
        item_ids=[data_items[1].id, data_items[2].id],
        received_on=date(2022, 1, 20),
        position="conditional",
        conditions="제로페이망 이용 분담금 납부, 가맹점에 결제수수료 부과",
        grounds="나머지 가맹점 데이터는 조건 수락 시 제공",
        summary="조건부 제공 의사 표시",
    )
    biz_items = demands.items_of(session, figures.id)
    demands.record_response(
        session=session,
        actor=owner,
        matter_id=m,
        demand_id=figures.id,
        item_ids=[biz_items[0].id],
        received_on=date(2022, 2, 7),
        position="complied",
        summary="정산 금액 제출. 한결원이 보고한 금액과 다름",
        channel="email",
    )
    biz_response = demands.responses_to(session, figures.id)[0]

    def letter(day, direction, channel, subject, party_id=None, demand_id=None, summary=""):
        records.add_correspondence(
            session=session,
            actor=owner,
            matter_id=m,
            occurred_on=day,
            direction=direction,
            channel=channel,
            subject=subject,
            party_id=party_id,
            demand_id=demand_id,
            summary=summary,
        )

    letter(date(2021, 12, 3), "out", "official_letter", "데이터 이관 요청 공문", kepf, data.id)
    letter(
        date(2021, 12, 15),
        "in",
        "official_letter",
        "데이터 이관 요청에 대한 회신 (영업기밀)",
        kepf,
        data.id,
    )
    letter(
        date(2022, 1, 10),
        "in",
        "email",
        "가맹점 데이터 파일 송부",
        kepf,
        data.id,
        "첨부 파일의 가맹점 데이터에 사업자등록번호·연락처 누락 다수",
    )
    letter(
        date(2022, 1, 20),
        "in",
        "meeting",
        "데이터 제공 조건 협의 (분담금·결제수수료)",
        kepf,
        data.id,
    )
    letter(
        date(2022, 1, 24),
        "out",
        "official_letter",
        "신규 가맹점 데이터와 기존 가맹점 데이터 상호 공유 제안 (중기부·한결원)",
        kepf,
    )
    letter(
        date(2022, 1, 27), "out", "official_letter", "정산 기한 통보 및 법적 검토 예고", kepf, None
    )
    letter(date(2022, 2, 7), "in", "email", "정산 금액 자료 회신", bizplay, figures.id)

    def fact(day, text, status="undisputed", precision="day", sources=""):
        records.add_fact(
            session=session,
            actor=owner,
            matter_id=m,
            occurred_on=day,
            text=text,
            status=status,
            precision=precision,
            sources=sources,
        )

    fact(
        date(2021, 1, 1),
        "입찰을 거쳐 신한컨소시엄(신한은행·티머니 등)이 새 판매대행사로 선정됨",
        precision="year",
    )
    fact(
        date(2021, 12, 3),
        "서울시가 한결원에 위탁 사무 중 생성된 이용자·가맹점 데이터 이관을 요구함",
        sources="데이터 이관 요청 공문",
    )
    fact(
        date(2021, 12, 15),
        "한결원이 이용자·가맹점 정보가 영업기밀이라며 이관을 거부함",
        status="disputed_by_us",
        sources="한결원 회신 공문",
    )
    fact(
        date(2022, 1, 10),
        "한결원이 넘긴 가맹점 데이터가 불완전하여 새 시스템에 적재하지 못함",
        status="disputed_by_them",
    )
    fact(
        date(2022, 1, 20),
        "한결원이 제로페이망 이용 분담금과 가맹점 결제수수료 부과를 조건으로 제시함",
    )
    fact(
        date(2022, 1, 1),
        "결제 결과가 통지되지 않고, 가맹점에 새로 배포된 제로페이 QR로 서울Pay+ "
        "신규 발행 상품권 결제가 실패함",
        status="disputed_by_them",
        precision="month",
    )
    fact(
        date(2022, 1, 24),
        "서울시가 신규 가맹점 데이터와 기존 가맹점 데이터를 상호 공유하자고 중기부와 "
        "한결원에 제안했으나 받아들여지지 않음",
    )
    fact(
        date(2022, 1, 27),
        "서울시가 발표: 정산은 다음 달 28일(2022-02-28)까지 완료, 데이터 미이관 시 "
        "민·형사상 책임 검토",
    )
    fact(None, "시민 약 130만 명, 가맹점 약 27만 곳이 영향을 받음", status="unsure")
    fact(
        date(2022, 2, 7),
        "한결원과 비즈플레이가 보고한 정산 금액이 서로 다름",
        status="disputed_by_them",
    )
    fact(date(2022, 2, 28), "정산 완료 기한 (24:00 KST)")
    # The demands' own due dates became deadlines when they were recorded.
    missed = deadlines.of_demand(session, data.id)[0]
    deadlines.set_status(
        session=session,
        actor=owner,
        matter_id=m,
        deadline_id=missed.id,
        status="missed",
        note="기한 내 이관 없음: 영업기밀을 이유로 거부",
    )
    deadlines.create_deadline(
        session=session,
        actor=owner,
        matter_id=m,
        title="발행수수료·잔액 정산 완료 기한",
        kind="hard",
        trigger_on="2022-01-27",
        period="1개월",
        demand_id=settle.id,
        notes="2022-01-27 발표: 다음 달 28일까지 정산 완료",
    )
    met = deadlines.of_demand(session, figures.id)[0]
    deadlines.set_status(
        session=session,
        actor=owner,
        matter_id=m,
        deadline_id=met.id,
        status="met",
        met_by_response_id=biz_response.id,
    )
    return session.exec(select(Matter).where(Matter.id == m)).one()


def _letter_pdf(path: Path, sender: str, recipient: str, subject: str, body: str) -> None:
    """A one-page official letter in Korean, rendered with the shipped font."""
    from weasyprint import HTML

    from .. import PACKAGE_DIR

    font = (PACKAGE_DIR / "static" / "fonts" / "NanumGothic.ttf").as_uri()
    html = (
        f"<style>@font-face{{font-family:N;src:url('{font}')}}"
        "body{font-family:N;font-size:12pt;margin:2cm} h1{text-align:center;font-size:20pt}"
        "p{line-height:1.8}</style>"
        f"<h1>{sender}</h1><p>수신: {recipient}</p><p>제목: {subject}</p><hr><p>{body}</p>"
        f"<p style='margin-top:3cm;text-align:center;font-size:16pt'>{sender}장</p>"
    )
    HTML(string=html).write_pdf(path)


def add_exhibits(session: Session, vault, owner: User, matter: Matter, workdir: Path) -> None:
    """Demo exhibits: the letters as PDFs, a photo, the two counterparties' settlement ledgers
    (one CP949 CSV from Excel, one UTF-8), the delivered merchant file; labelled 갑 제1호증…;
    the two reported figures; and a reconciliation and a data audit of those files."""
    from ..dossier.samples import write_jpeg
    from . import discrepancies, evidence, records

    if evidence.list_for_matter(session, matter.id):
        return
    workdir.mkdir(parents=True, exist_ok=True)
    letters = [
        (
            "데이터 이관 요청 공문.pdf",
            "서울특별시",
            "한국간편결제진흥원",
            "위탁 사무 데이터 이관 요청",
            "판매대행 위탁 사무를 수행하며 생성된 이용자·가맹점 데이터 일체를 2021-12-17까지 "
            "서울시에 이관하여 주시기 바랍니다.",
        ),
        (
            "한결원 회신 공문.pdf",
            "한국간편결제진흥원",
            "서울특별시",
            "데이터 이관 요청에 대한 회신",
            "요청하신 이용자 및 가맹점 정보는 당원의 영업기밀에 해당하므로 제공하기 어렵습니다.",
        ),
        (
            "정산 기한 통보.pdf",
            "서울특별시",
            "한국간편결제진흥원",
            "정산 기한 통보",
            "2021-11-30 및 2021-12-31 기준 발행수수료와 잔액의 정산을 2022-02-28까지 완료하여 "
            "주시기 바랍니다. 데이터가 이관되지 않으면 민·형사상 책임을 검토하겠습니다.",
        ),
    ]
    for name, sender, recipient, subject, body in letters:
        _letter_pdf(workdir / name, sender, recipient, subject, body)
    write_jpeg(workdir / "결제 실패 화면.jpg", seed=4)
    rows = [(f"{n:07d}", 150_000 + n * 37) for n in range(1, 41)]
    kepf = "가맹점ID,정산금액\n" + "".join(f'{k},"{v:,}원"\n' for k, v in rows)
    (workdir / "한결원 정산내역.csv").write_bytes(kepf.encode("cp949"))
    biz = (
        "merchant_id,amount\n"
        + "".join(
            f"{k},{v + (1200 if i % 9 == 0 else 0)}\n" for i, (k, v) in enumerate(rows) if i != 5
        )
        + "0000099,45000\n"
    )
    (workdir / "bizplay_settlement.csv").write_bytes(biz.encode("utf-8"))
    merchants = "가맹점ID,가맹점명,사업자등록번호,대표자명,주소,전화번호,업종\n" + "".join(
        f"M{n:05d},가게{n},{'124-81-00998' if n % 3 else '123-45-67890'},"
        f"{'' if n % 4 == 0 else '대표' + str(n)},서울시 중구,"
        f"{'02-123-4567' if n % 5 else ''},소매\n"
        for n in range(1, 31)
    )
    (workdir / "가맹점 데이터(한결원 제공).csv").write_bytes(merchants.encode("cp949"))
    parties = {p.short_name: p for p in matters.parties(session, matter.id)}
    files = sorted(workdir.iterdir())
    handles = [f.open("rb") for f in files]  # noqa: SIM115 - closed right after
    results = evidence.add_files(
        session=session,
        vault=vault,
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload(f.name, h) for f, h in zip(files, handles, strict=True)],
        source_party_id=parties["한결원"].id,
        received_on=date(2022, 1, 10),
    )
    for h in handles:
        h.close()
    by_name = {r.evidence.display_name: r.evidence for r in results if r.evidence}
    described = {
        "데이터 이관 요청 공문.pdf": (
            "서울특별시",
            date(2021, 12, 3),
            True,
            "위탁 사무 데이터 이관을 요구한 사실",
        ),
        "한결원 회신 공문.pdf": (
            "한국간편결제진흥원",
            date(2021, 12, 15),
            True,
            "영업기밀을 이유로 이관을 거부한 사실",
        ),
        "정산 기한 통보.pdf": (
            "서울특별시",
            date(2022, 1, 27),
            True,
            "2022-02-28까지 정산 완료를 요구한 사실",
        ),
        "결제 실패 화면.jpg": (
            "서울특별시",
            date(2022, 1, 20),
            False,
            "새 QR로 서울Pay+ 결제가 실패한 사실",
        ),
        "한결원 정산내역.csv": (
            "한국간편결제진흥원",
            date(2022, 2, 7),
            False,
            "한결원이 보고한 가맹점별 정산 금액",
        ),
        "bizplay_settlement.csv": (
            "비즈플레이",
            date(2022, 2, 7),
            False,
            "비즈플레이가 보고한 가맹점별 정산 금액",
        ),
        "가맹점 데이터(한결원 제공).csv": (
            "한국간편결제진흥원",
            date(2022, 1, 10),
            False,
            "넘겨받은 가맹점 데이터가 불완전한 사실",
        ),
    }
    for name, (author, made_on, original, proves) in described.items():
        item = by_name[name]
        evidence.update(
            session=session,
            actor=owner,
            matter_id=matter.id,
            evidence_id=item.id,
            author=author,
            made_on=made_on,
            is_original=original,
            proves=proves,
            title=name.rsplit(".", 1)[0],
        )
        evidence.mark_for_production(
            session=session, actor=owner, matter_id=matter.id, evidence_id=item.id
        )
    # A finished bundle: each fact cites the exhibits that prove it, each letter names the
    # files it is (or carried), through the same link a user makes on the evidence page.
    cited = {
        date(2021, 12, 3): ["데이터 이관 요청 공문.pdf"],
        date(2021, 12, 15): ["한결원 회신 공문.pdf"],
        date(2022, 1, 1): ["결제 실패 화면.jpg"],
        date(2022, 1, 10): ["가맹점 데이터(한결원 제공).csv"],
        date(2022, 1, 27): ["정산 기한 통보.pdf"],
        date(2022, 2, 7): ["한결원 정산내역.csv", "bizplay_settlement.csv"],
        date(2022, 2, 28): ["정산 기한 통보.pdf"],
    }
    carried = {
        "데이터 이관 요청 공문": ["데이터 이관 요청 공문.pdf"],
        "데이터 이관 요청에 대한 회신 (영업기밀)": ["한결원 회신 공문.pdf"],
        "가맹점 데이터 파일 송부": ["가맹점 데이터(한결원 제공).csv"],
        "정산 기한 통보 및 법적 검토 예고": ["정산 기한 통보.pdf"],
        "정산 금액 자료 회신": ["bizplay_settlement.csv"],
    }
    targets = [
        ("fact", f.id, cited.get(f.occurred_on, [])) for f in records.chronology(session, matter.id)
    ] + [
        ("correspondence", c.id, carried.get(c.subject, []))
        for c in records.correspondence_of(session, matter.id)
    ]
    for target_type, target_id, names in targets:
        for name in names:
            evidence.link(
                session=session,
                actor=owner,
                matter_id=matter.id,
                evidence_id=by_name[name].id,
                target_type=target_type,
                target_id=target_id,
            )
    for metric, kepf_value, biz_value in (
        ("발행수수료", 1_234_500_000, 1_230_000_000),
        ("잔액", 58_200_000_000, 58_350_000_000),
    ):
        for party, value, exhibit in (
            (parties["한결원"], kepf_value, "한결원 정산내역.csv"),
            (parties["비즈플레이"], biz_value, "bizplay_settlement.csv"),
        ):
            discrepancies.add_figure(
                session=session,
                actor=owner,
                matter_id=matter.id,
                metric=metric,
                reference_date=date(2021, 12, 31),
                source_party_id=party.id,
                value=value,
                evidence_id=by_name[exhibit].id,
            )
    rec = discrepancies.request_reconcile(
        session=session,
        actor=owner,
        matter_id=matter.id,
        left_evidence_id=by_name["한결원 정산내역.csv"].id,
        right_evidence_id=by_name["bizplay_settlement.csv"].id,
        key_left="가맹점ID",
        amount_left="정산금액",
        key_right="merchant_id",
        amount_right="amount",
        title="한결원 ↔ 비즈플레이 정산 대사 (2021-12-31)",
    )
    aud = discrepancies.request_audit(
        session=session,
        actor=owner,
        matter_id=matter.id,
        evidence_id=by_name["가맹점 데이터(한결원 제공).csv"].id,
        profile="merchants",
        title="한결원 제공 가맹점 데이터 점검",
    )
    engine = session.get_bind()
    discrepancies.run(engine=engine, vault=vault, analysis_id=rec.id)
    discrepancies.run(engine=engine, vault=vault, analysis_id=aud.id)
