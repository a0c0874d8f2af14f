"""A realistic demo context: the Seoul Love Gift Certificate sales-agent handover.

Used by the tests, the benchmark and previews. ``demo_context(folder)`` writes small exhibit
files (PDF letters, a JPEG photo, an HWP and an XLSX stand-in, an .eml) into ``folder`` and
returns a context that points at them. ``facts``, ``letters`` and ``exhibits`` scale the matter
up for load tests; the extra rows are variations of the real ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name
from PIL import Image, ImageDraw

from ..domain.exhibit_labels import format_label, parse_label, scheme_for
from .context import DEFAULT_SECTIONS

_WEEKDAYS = "월화수목금토일"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_BASE_FACTS = [
    (
        "2021-08-12",
        "서울시, 서울사랑상품권 판매대행점 선정 공모 공고.",
        "undisputed",
        ["갑 제1호증"],
    ),
    (
        "2021-10-05",
        "신한컨소시엄(신한은행·티머니 등)을 새 판매대행사로 선정.",
        "undisputed",
        ["갑 제2호증"],
    ),
    (
        "2021-11-30",
        "한국간편결제진흥원(한결원)의 판매대행 업무 종료 기준일. 발행수수료와 잔액 정산 기준일 1.",
        "undisputed",
        ["갑 제3호증"],
    ),
    (
        "2021-12-20",
        "서울시, 한결원에 사용자·가맹점 데이터 일체 이관과 2021-11-30 및 2021-12-31 기준 "
        "정산을 서면으로 요구.",
        "undisputed",
        ["갑 제3호증"],
    ),
    (
        "2021-12-31",
        "정산 기준일 2. 한결원과 비즈플레이가 보고한 발행수수료 합계가 서로 다름.",
        "disputed_by_them",
        ["갑 제5호증", "갑 제6호증"],
    ),
    (
        "2022-01-10",
        "한결원 회신: 사용자·가맹점 데이터는 영업기밀이라며 이관 거부, 제로페이망 이용 "
        "분담금과 가맹점 결제수수료 부과를 조건으로 제시.",
        "undisputed",
        ["갑 제4호증"],
    ),
    (
        "2022-01-14",
        "한결원이 넘긴 가맹점 데이터 일부가 필수 항목 누락으로 새 시스템에 적재되지 않음.",
        "disputed_by_them",
        ["갑 제7호증"],
    ),
    (
        "2022-01-18",
        "새 제로페이 QR을 받은 가맹점에서 신규 발행 상품권의 서울Pay+ 결제 실패가 발생.",
        "undisputed",
        ["갑 제8호증"],
    ),
    (
        "2022-01-20",
        "서울시, 중소벤처기업부와 한결원에 신규 가맹점 데이터와 기존 가맹점 데이터의 "
        "상호 공유를 제안 (수용되지 않음).",
        "disputed_by_them",
        ["갑 제3호증"],
    ),
    (
        "2022-01-27",
        "서울시, 데이터 미이관 시 민·형사상 책임을 묻기 위한 법률 검토에 착수한다고 발표. "
        "시민 약 130만 명과 가맹점 27만 곳이 영향을 받음.",
        "undisputed",
        ["갑 제1호증"],
    ),
    ("2022-02-28", "정산 완료 기한 (다음 달 28일, 24:00 KST).", "unsure", []),
]

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


def _weekday(day: dt.date, lang: str) -> str:
    return (_WEEKDAYS if lang == "ko" else _WEEKDAYS_EN)[day.weekday()]


def write_pdf_letter(path: Path, *, heading: str, pages: int, seed: int) -> None:
    """A small scanned-letter look-alike (ASCII text, standard font) written with pikepdf."""
    rng = random.Random(seed)
    pdf = pikepdf.Pdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    for number in range(1, pages + 1):
        lines = [f"BT /F1 16 Tf 72 760 Td ({heading} - page {number}) Tj ET"]
        y = 720
        while y > 110:
            words = " ".join(
                rng.choice(
                    [
                        "settlement",
                        "merchant",
                        "data",
                        "transfer",
                        "fee",
                        "balance",
                        "Seoul",
                        "agent",
                        "request",
                        "record",
                        "ledger",
                        "2021-12-31",
                    ]
                )
                for _ in range(rng.randint(6, 11))
            )
            lines.append(f"BT /F1 10 Tf 72 {y} Td ({words}) Tj ET")
            y -= 16
        lines.append("0.6 G 1 w 60 90 475 690 re S")
        page = Dictionary(
            Type=Name.Page,
            MediaBox=Array([0, 0, 595, 842]),
            Resources=Dictionary(Font=Dictionary(F1=font)),
            Contents=pdf.make_stream("\n".join(lines).encode("ascii")),
        )
        pdf.pages.append(pikepdf.Page(page))
    pdf.save(path, deterministic_id=True)


def write_jpeg(path: Path, *, seed: int, size: tuple[int, int] = (480, 360)) -> None:
    rng = random.Random(seed)
    image = Image.new("RGB", size, (235, 235, 228))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        colour = tuple(rng.randrange(60, 200) for _ in range(3))
        draw.rectangle([x, y, x + rng.randrange(20, 140), y + rng.randrange(10, 60)], fill=colour)
    draw.text((12, 12), f"QR payment failure photo #{seed}", fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    path.write_bytes(buffer.getvalue())


def _exhibit(
    folder: Path,
    number: int,
    title: str,
    author: str,
    made_on: str,
    original: bool,
    proves: str,
    kind: str,
    *,
    label_scheme: str,
    pages: int = 1,
) -> dict[str, Any]:
    label = format_label(label_scheme, number)
    suffix = {"pdf": ".pdf", "jpeg": ".jpg", "hwp": ".hwp", "xlsx": ".xlsx", "eml": ".eml"}[kind]
    media = {
        "pdf": "application/pdf",
        "jpeg": "image/jpeg",
        "hwp": "application/x-hwp",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "eml": "message/rfc822",
    }[kind]
    path = folder / f"exhibit-{number:04d}{suffix}"
    if not path.exists():
        if kind == "pdf":
            write_pdf_letter(path, heading=f"Exhibit {number}", pages=pages, seed=number)
        elif kind == "jpeg":
            write_jpeg(path, seed=number)
        elif kind == "eml":
            path.write_bytes(
                "From: settlement@example.kr\r\nTo: legal@seoul.example\r\n"
                f"Subject: =?UTF-8?B?7KCV7IKw?= {number}\r\n\r\n정산 자료를 보냅니다.\r\n".encode()
            )
        else:
            head = b"HWP Document File" if kind == "hwp" else b"PK\x03\x04"
            path.write_bytes(head + random.Random(number).randbytes(2048))
    data = path.read_bytes()
    return {
        "label": label,
        "title": title,
        "author": author,
        "made_on": made_on,
        "original": original,
        "proves": proves,
        "sha256": hashlib.sha256(data).hexdigest(),
        "filename": f"{title}{suffix}",
        "media_type": media,
        "size": len(data),
        "path": path,
    }


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
    """The demo matter as a dossier context; exhibit files are written under ``folder``.

    ``detail`` adds that many sentences to every generated fact (longer chronology pages).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scheme = scheme_for(purpose, lang, "plaintiff", working="gap")

    def label(number: int) -> str:
        return format_label(scheme, number)

    base_exhibits = [
        (
            "판매대행점 선정 공모 공고 및 보도자료",
            "서울특별시",
            "2021-08-12",
            True,
            "새 판매대행사 선정 경위와 데이터 이관 발표 사실",
            "pdf",
        ),
        (
            "판매대행 협약서 (신한컨소시엄)",
            "서울특별시·신한은행",
            "2021-10-05",
            True,
            "새 판매대행사와 업무 범위",
            "pdf",
        ),
        (
            "자료 이관 및 정산 요구 공문",
            "서울특별시",
            "2021-12-20",
            False,
            "데이터 이관과 정산을 기한을 정하여 요구한 사실",
            "hwp",
        ),
        (
            "한결원 회신 공문",
            "한국간편결제진흥원",
            "2022-01-10",
            True,
            "영업기밀을 이유로 한 이관 거부와 조건 제시",
            "pdf",
        ),
        (
            "한결원 정산 내역서",
            "한국간편결제진흥원",
            "2022-01-05",
            False,
            "한결원이 보고한 발행수수료·잔액",
            "xlsx",
        ),
        (
            "비즈플레이 정산 내역서",
            "비즈플레이",
            "2022-01-06",
            False,
            "비즈플레이가 보고한 발행수수료·잔액 (한결원과 불일치)",
            "eml",
        ),
        (
            "가맹점 데이터 적재 오류 보고서",
            "서울특별시 데이터팀",
            "2022-01-14",
            True,
            "넘겨받은 가맹점 데이터의 필수 항목 누락",
            "pdf",
        ),
        (
            "결제 실패 현장 사진",
            "서울특별시 소상공인정책과",
            "2022-01-18",
            True,
            "새 QR 교체 뒤 서울Pay+ 결제 실패",
            "jpeg",
        ),
    ]
    rows = []
    count = exhibits if exhibits is not None else len(base_exhibits)
    for number in range(1, count + 1):
        if number <= len(base_exhibits):
            title, author, made_on, original, proves, kind = base_exhibits[number - 1]
            if exhibits is not None and exhibits > len(base_exhibits) and kind != "jpeg":
                kind = "pdf"  # scaled runs: PDFs and photos only, as in the benchmark
        else:
            title = f"정산 증빙 자료 {number}"
            author = random.Random(number).choice(_COUNTERPARTS)
            made_on = (dt.date(2021, 9, 1) + dt.timedelta(days=number % 150)).isoformat()
            original = number % 3 == 0
            proves = "정산 금액의 산정 근거와 보고 수치의 차이"
            kind = "jpeg" if number % 3 == 0 else "pdf"
        rows.append(
            _exhibit(
                folder,
                number,
                title,
                author,
                made_on,
                original,
                proves,
                kind,
                label_scheme=scheme,
                pages=pdf_pages,
            )
        )
    fact_rows = []
    for date_text, text, status, sources in _BASE_FACTS:
        day = dt.date.fromisoformat(date_text)
        fact_rows.append(
            {
                "date_text": f"{date_text} ({_weekday(day, lang)})",
                "text": text,
                "status": status,
                "sources": [
                    format_label(scheme, *parse_label(s)[1:])
                    for s in sources
                    if _known(s, count)
                ],
            }
        )
    if facts is not None:
        rng = random.Random(7)
        start = dt.date(2021, 8, 1)
        extra = []
        for index in range(max(0, facts - len(fact_rows))):
            day = start + dt.timedelta(days=index * 200 // max(facts, 1))
            base = _BASE_FACTS[index % len(_BASE_FACTS)][1]
            text = f"{base} (후속 확인 {index + 1}: 담당자 통화 및 자료 대조 결과 기록.)"
            if index % 4 == 0:
                text += (
                    " 상대방은 같은 취지의 입장을 되풀이하였고, 추가 자료 제출 기한은 "
                    "지켜지지 않았다."
                )
            for sentence in range(detail):
                text += " " + _DETAIL[(index + sentence) % len(_DETAIL)]
            extra.append(
                {
                    "date_text": f"{day.isoformat()} ({_weekday(day, lang)})",
                    "text": text,
                    "status": rng.choice(["undisputed", "disputed_by_them", "unsure"]),
                    "sources": [label(rng.randint(1, count))] if count else [],
                }
            )
        fact_rows = sorted(fact_rows + extra, key=lambda f: f["date_text"])

    letter_rows = [
        {
            "date": "2021-12-20",
            "direction": "outgoing",
            "kind": "letter",
            "counterpart": "한국간편결제진흥원",
            "subject": _SUBJECTS[0],
            "exhibit_labels": [label(3)],
        },
        {
            "date": "2022-01-10",
            "direction": "incoming",
            "kind": "letter",
            "counterpart": "한국간편결제진흥원",
            "subject": "데이터 이관 요구에 대한 회신",
            "exhibit_labels": [label(4)],
        },
        {
            "date": "2022-01-06",
            "direction": "incoming",
            "kind": "email",
            "counterpart": "비즈플레이",
            "subject": "정산 내역 송부",
            "exhibit_labels": [label(6)],
        },
        {
            "date": "2022-01-20",
            "direction": "outgoing",
            "kind": "meeting",
            "counterpart": "중소벤처기업부",
            "subject": _SUBJECTS[5],
            "exhibit_labels": [],
        },
    ]
    letter_rows = [
        {**row, "exhibit_labels": [x for x in row["exhibit_labels"] if _known(x, count)]}
        for row in letter_rows
    ]
    if letters is not None:
        rng = random.Random(11)
        for index in range(max(0, letters - len(letter_rows))):
            day = dt.date(2021, 9, 1) + dt.timedelta(days=index * 180 // max(letters, 1))
            letter_rows.append(
                {
                    "date": day.isoformat(),
                    "direction": rng.choice(["outgoing", "incoming"]),
                    "kind": rng.choice(["letter", "email", "call", "meeting"]),
                    "counterpart": rng.choice(_COUNTERPARTS),
                    "subject": f"{rng.choice(_SUBJECTS)} ({index + 1})",
                    "exhibit_labels": [label(rng.randint(1, count))] if count else [],
                }
            )

    letter_rows.sort(key=lambda row: row["date"])
    moment = generated_at or dt.datetime(2022, 3, 3, 1, 30, tzinfo=dt.UTC)
    return {
        "dossier_number": "D-2022-법무-001-0001",
        "purpose": purpose,
        "lang": lang,
        "generated_at": moment,
        "prepared_by": "김법무",
        "confidentiality": "대외비",
        "matter": {
            "reference": "2022-법무-001",
            "title": "서울사랑상품권 판매대행사 변경에 따른 데이터 이관·정산 분쟁",
            "kind": "민사·형사 검토" if lang == "ko" else "civil and criminal review",
            "status": "진행 중" if lang == "ko" else "open",
            "summary": (
                "서울시는 2021년 공모로 서울사랑상품권 판매대행사를 신한컨소시엄으로 바꾸었다. "
                "이전 판매대행사인 한국간편결제진흥원(한결원)과 협력사 비즈플레이에 위탁 업무 중 "
                "생성된 사용자·가맹점 데이터 일체의 이관과, 2021-11-30 및 2021-12-31 기준 "
                "발행수수료·잔액 정산을 요구하였다.\n"
                "한결원은 데이터가 영업기밀이라며 이관을 거부하고 조건을 붙였으며, 넘겨받은 가맹점 "
                "데이터는 불완전하여 적재되지 않았다. 두 상대방이 보고한 정산 금액도 서로 다르다. "
                "시민 약 130만 명과 가맹점 27만 곳이 영향을 받는다."
            ),
            "our_side": "서울특별시",
        },
        "parties": [
            {"name": "서울특별시", "role": "우리 측 (위탁자)", "contact": "02-120"},
            {
                "name": "한국간편결제진흥원 (한결원)",
                "role": "상대방 (이전 판매대행사)",
                "contact": "1670-0582",
            },
            {"name": "비즈플레이", "role": "상대방 (협력사)", "contact": "02-6919-1000"},
            {"name": "중소벤처기업부", "role": "감독기관", "contact": "1357"},
            {
                "name": "신한컨소시엄 (신한은행·티머니)",
                "role": "새 판매대행사",
                "contact": "1599-8000",
            },
        ],
        "sections": list(DEFAULT_SECTIONS[purpose]),
        "facts": fact_rows,
        "demands": [
            {
                "title": "사용자·가맹점 데이터 일체 이관",
                "party": "한국간편결제진흥원",
                "sent_on": "2021-12-20",
                "channel": "공문",
                "basis": "판매대행 협약상 위탁 업무 수행 중 생성된 자료의 반환 의무",
                "due_on": "2022-02-28",
                "items": [
                    {
                        "category": "사용자(시민) 데이터",
                        "reference_date": "2021-12-31",
                        "status": "refused",
                        "latest_response": "refused",
                        "deadline_result": "missed",
                        "days_late": 3,
                    },
                    {
                        "category": "가맹점 데이터",
                        "reference_date": "2021-12-31",
                        "status": "partially_delivered",
                        "latest_response": "partial",
                        "deadline_result": "missed",
                        "days_late": 3,
                    },
                ],
                "responses": [
                    {
                        "received_on": "2022-01-10",
                        "position": "refused",
                        "grounds": "사용자·가맹점 데이터는 영업기밀에 해당함",
                        "conditions": "제로페이망 이용 분담금, 가맹점 결제수수료 부과",
                    },
                ],
            },
            {
                "title": "발행수수료 및 잔액 정산",
                "party": "한국간편결제진흥원, 비즈플레이",
                "sent_on": "2021-12-20",
                "channel": "공문",
                "basis": "판매대행 협약 정산 조항",
                "due_on": "2022-02-28",
                "items": [
                    {
                        "category": "발행수수료",
                        "reference_date": "2021-11-30",
                        "status": "partially_delivered",
                        "latest_response": "partial",
                        "deadline_result": "open",
                        "days_late": None,
                    },
                    {
                        "category": "잔액",
                        "reference_date": "2021-12-31",
                        "status": "outstanding",
                        "latest_response": "silent",
                        "deadline_result": "open",
                        "days_late": None,
                    },
                ],
                "responses": [],
            },
        ],
        "correspondence": letter_rows,
        "figures": {
            "metrics": ["발행수수료", "잔액"],
            "baseline": "한결원",
            "rows": [
                {
                    "metric": "발행수수료",
                    "reference_date": "2021-11-30",
                    "values": {"한결원": 1_284_500_000, "비즈플레이": 1_251_200_000},
                    "diffs": {"비즈플레이": -33_300_000},
                },
                {
                    "metric": "발행수수료",
                    "reference_date": "2021-12-31",
                    "values": {"한결원": 1_402_750_000, "비즈플레이": 1_415_900_000},
                    "diffs": {"비즈플레이": 13_150_000},
                },
                {
                    "metric": "잔액",
                    "reference_date": "2021-11-30",
                    "values": {"한결원": 58_912_300_000, "비즈플레이": 58_912_300_000},
                    "diffs": {"비즈플레이": 0},
                },
                {
                    "metric": "잔액",
                    "reference_date": "2021-12-31",
                    "values": {"한결원": 61_044_000_000, "비즈플레이": None},
                    "diffs": {"비즈플레이": None},
                },
            ],
        },
        "reconciliations": [
            {
                "title": "가맹점별 발행수수료 대사 (2021-12-31)",
                "left_name": "한결원",
                "right_name": "비즈플레이",
                "summary": {
                    "left_rows": 270_112,
                    "right_rows": 268_954,
                    "keys": ["사업자등록번호"],
                    "total": 271_030,
                    "invalid_rows": 412,
                    "duplicate_keys": 37,
                    "only_left": 2_076,
                    "only_right": 918,
                    "matched": 259_870,
                    "mismatched": 8_166,
                    "difference_total": 13_150_000,
                },
            }
        ],
        "data_audits": [
            {
                "title": "한결원 제공 가맹점 데이터 (2022-01-14 수령)",
                "profile": "가맹점 기본정보",
                "rows": 270_112,
                "usable_rows": 231_480,
                "missing": {"사업자등록번호": 12_904, "대표자 연락처": 21_377, "QR 식별자": 4_351},
                "invalid": {"사업자등록번호": 2_311, "전화번호": 1_806},
            },
        ],
        "exhibits": rows,
    }


def _known(label: str, count: int) -> bool:
    digits = "".join(ch for ch in label if ch.isdigit())
    return bool(digits) and int(digits) <= count
