"""Digests built from the first case (서울사랑상품권 sales-agent handover), for the mail tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from tracker.mail.model import Digest, DigestItem

KST = timezone(timedelta(hours=9))
BASE_URL = "https://tracker.seoul.example.kr"
MATTER_TITLE = "서울사랑상품권 판매대행사 변경에 따른 자료 이관·정산"
SCRIPT = "<script>alert('x')</script>"
TRACE = (
    "2022-01-27 통보, 기간 1개월: 초일 불산입, 2022-01-28부터 계산 (민법 제157조)",
    "기간 만료일 2022-02-27 (민법 제160조)",
    "2022-02-27은 일요일이므로 다음 날 2022-02-28로 (민법 제161조)",
)
# Generated on Friday 2022-02-25, 09:00 KST.
GENERATED_AT = datetime(2022, 2, 25, 9, 0, tzinfo=KST)


def item(deadline_id: int, due_on: date, **changes) -> DigestItem:
    days_left = (due_on - GENERATED_AT.date()).days
    slot = "D-day" if days_left == 0 else (f"D-{days_left}" if days_left > 0 else f"D+{-days_left}")
    base = DigestItem(
        deadline_id=deadline_id,
        matter_reference="2022-법무-001",
        matter_title=MATTER_TITLE,
        title="정산 완료 기한",
        kind="hard",
        due_on=due_on,
        days_left=days_left,
        slot=slot,
        url=f"{BASE_URL}/matters/1/deadlines/{deadline_id}",
        owner_name="김법무",
        trace=(),
        sequence=0,
    )
    return replace(base, **changes)


def items() -> tuple[DigestItem, ...]:
    """Three items, deliberately not in urgency order: D-3, D+3 (overdue), D-day."""
    return (
        item(11, date(2022, 2, 28), trace=TRACE, sequence=2),
        item(12, date(2022, 2, 22), title=f"가맹점 자료 이관 회신 {SCRIPT}"),
        item(13, date(2022, 2, 25), title="한결원 면담", kind="hearing"),
    )


def korean_digest(**changes) -> Digest:
    base = Digest(
        recipient_email="kim.legal@seoul.example.kr",
        recipient_name="김철수 주무관",
        lang="ko",
        items=items(),
        generated_at=GENERATED_AT,
        base_url=BASE_URL,
    )
    return replace(base, **changes)


def english_digest(**changes) -> Digest:
    return korean_digest(
        recipient_email="counsel@lawfirm.example.com",
        recipient_name="Jane Park",
        lang="en",
        **changes,
    )
