"""One walk through the product as a legal officer would do it, in a real browser."""

from pathlib import Path

import pytest
from sqlmodel import Session

from tests.evidence_helpers import ELF, pdf_bytes
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def test_sign_in_create_matter_record_demand_and_response(live_server, browser):
    app, base = live_server
    with Session(app.extensions["tracker.engine"], expire_on_commit=False) as session:
        user = make_user(session, email="officer@example.com", name="김법무")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/")
    assert page.locator("h1").inner_text().startswith("대시보드")

    page.click("text=새 사건")
    page.fill("#reference", "2022-법무-777")
    page.fill("#title", "서울사랑상품권 자료 이관")
    page.select_option("#kind", "pre_litigation")
    page.click("button.primary")
    page.wait_for_selector("text=요구·회신 현황")

    page.click("text=당사자 추가 >> nth=0")
    page.fill("#name", "한국간편결제진흥원")
    page.fill("#short_name", "한결원")
    page.select_option("#role", "counterparty")
    page.click("button.primary")

    page.click("text=요구 기록 >> nth=0")
    page.fill("#title", "가맹점 데이터 이관 요구")
    page.fill("#sent_on", "2022-01-27")
    page.fill("#due_on", "2022-02-28")
    page.fill("#items", "가맹점 데이터\n잔액 @ 2021-12-31")
    page.click("button.primary")
    page.wait_for_selector("text=요구를 기록했습니다.")

    page.click("text=회신 기록")
    page.fill("#received_on", "2022-02-03")
    page.select_option("#position", "refused")
    page.fill("#grounds", "영업기밀")
    page.click("button.primary")
    page.wait_for_selector("text=회신을 기록했습니다.")

    page.click("text=2022-법무-777")
    tracker = page.locator("#tracker")
    assert tracker.locator("tr.overdue").count() == 2  # 2022 deadlines are long past
    assert "거부" in tracker.inner_text() and "영업기밀" in tracker.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "matter-ko.png"), full_page=True)

    page.click("button:has-text('English')")
    page.wait_for_selector("text=Demand tracker")
    text = page.locator("#tracker").inner_text()
    assert "Refused" in text and "days overdue" in text and "2022-02-28 (Mon)" in text
    page.screenshot(path=str(SHOTS / "matter-en.png"), full_page=True)

    # Exhibits: upload two files (one an executable pretending to be a PDF) and label one.
    page.click("button:has-text('한국어')")
    page.click("text=증거 >> nth=0")
    page.set_input_files(
        "#files",
        files=[
            {"name": "한결원 회신.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
            {"name": "계약서.pdf", "mimeType": "application/pdf", "buffer": ELF},
        ],
    )
    page.click("button:has-text('올리기')")
    page.wait_for_selector("text=한결원 회신.pdf: 보관했습니다.")
    assert page.locator("text=형식 불일치").count() == 1
    page.click("a:has-text('한결원 회신.pdf')")
    page.click("button:has-text('제출용 번호 부여')")
    page.wait_for_selector("text=갑 제1호증")
    assert "접수" in page.locator("#custody-h + ol").inner_text()
    page.screenshot(path=str(SHOTS / "exhibit-ko.png"), full_page=True)

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    phone.screenshot(path=str(SHOTS / "matter-phone.png"), full_page=True)
