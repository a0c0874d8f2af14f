"""The demo matter as a user records it, built through the CLI, read back with pdftotext:
the reconciliation's real figures (issue 10, point 5), the chain of custody tied to the audit
chain (point 6), and every deadline with its 민법 trace (point 7)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from sqlalchemy import text
from sqlmodel import select

from tracker.models import AuditEvent, Dossier, Evidence, User
from tracker.services import evidence as evidence_service

pytestmark = pytest.mark.xdist_group("dossier")

AT = "2022-03-02T09:00+09:00"


@pytest.fixture
def demo(runner, session):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    admin = session.exec(select(User).where(User.email == "admin@example.com")).one()
    session.commit()
    return admin


def build(runner, tmp_path, admin, purpose="civil", lang="ko"):
    out = tmp_path / f"{purpose}-{lang}-{len(list(tmp_path.iterdir()))}.pdf"
    result = runner.invoke(
        args=[
            "dossier", "build", "--matter", "2022-법무-001", "--purpose", purpose,
            "--lang", lang, "--at", AT, "--out", str(out), "--as", admin.email,
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def pdf_text(path, layout: bool = True) -> str:
    return subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def between(text: str, start: str, end: str) -> str:
    """The body of a section: from its heading (not the contents line) to the next one."""
    begin = [m.start() for m in re.finditer(rf"^\s*{re.escape(start)}\s*$", text, re.M)]
    assert begin, start
    rest = text[begin[-1] :]
    stop = re.search(rf"^\s*{re.escape(end)}\s*$", rest, re.M)
    return rest[: stop.start()] if stop else rest


def test_reconciliation_prints_the_engines_figures(runner, demo, tmp_path):
    """40 rows on each side, none invalid or duplicated, 34 matched, 5 mismatched, −6,000:
    what the reconcile engine computed from the two recorded ledgers, not "—"."""
    recon = between(pdf_text(build(runner, tmp_path, demo)), "대사(對査) 결과", "제출 자료 감사")
    flat = re.sub(r"\s+", " ", recon)
    assert "한결원 정산내역.csv" in flat and "bizplay_settlement.csv" in flat
    assert re.search(r"행 ?수 40 40", flat), flat
    assert "오류 행 0 0" in flat and "중복 키 0 0" in flat and "유효 키 수 40 40" in flat
    assert "일치 34" in flat and "불일치 5" in flat and "차이 합계 -6,000" in flat
    table = recon[: recon.index("차이 합계")]
    assert "—" not in table


def day(text: str) -> str:
    """A pattern for a day as the dossier prints it: ISO with the weekday, or court style
    (``2021. 12. 17.``) where the purpose asks for it."""
    y, m, d = (int(x) for x in text.split("-"))
    return rf"(?:{text}(?: \(\w+\))?|{y}\. {m}\. {d}\.)"


def test_deadlines_print_their_result_and_civil_act_trace(runner, demo, tmp_path):
    ko = between(pdf_text(build(runner, tmp_path, demo)), "기한 준수 현황", "주고받은 문서")
    flat = re.sub(r"\s+", " ", ko)
    assert "민법 제159조" in flat
    # missed on 2021-12-17, 75 days before the dossier's day (2022-03-02)
    assert re.search(rf"기한 {day('2021-12-17')},? 24:00 \(KST\)", flat), flat
    assert "기한 도과 (75일 경과, 작성일 기준)" in flat
    # met by the response of 2022-02-07, four days before 2022-02-11
    assert "기한 내 이행 (기한 4일 전)" in flat
    assert re.search(rf"이행일 {day('2022-02-07')}", flat)
    # computed: 1 month from 2022-01-27 ends on a Sunday, so 2022-02-28; still open
    assert re.search(rf"산정 기초 {day('2022-01-27')}부터 1개월", flat)
    assert "기한 경과, 미처리 (2일 경과, 작성일 기준)" in flat
    for line in (
        "민법 제157조: 초일(2022-01-27)은 산입하지 않고 다음 날 2022-01-28부터 기산",
        "민법 제161조: 2022-02-27은 일요일(공휴일)이므로 말일을 다음 날 2022-02-28로 미룸",
        "민법 제159조: 기간은 말일인 2022-02-28 24:00 (KST)에 만료",
    ):
        assert line in flat, line

    en = pdf_text(build(runner, tmp_path, demo, "criminal", "en"))
    flat = re.sub(r"\s+", " ", between(en, "Deadlines", "Correspondence"))
    assert "Missed (75 days late as of this dossier)" in flat
    assert "Met (4 days early)" in flat
    assert "Overdue, still open (2 days late as of this dossier)" in flat
    assert re.search(rf"1 month from {day('2022-01-27')}", flat)
    assert (
        "민법 제161조: 2022-02-27 is a Sunday (a public holiday), so the last day moves to the "
        "next day, 2022-02-28"
    ) in flat


def test_custody_table_gives_each_receipt_and_the_chain_head(runner, session, demo, tmp_path):
    first = build(runner, tmp_path, demo)
    second = build(runner, tmp_path, demo)
    session.rollback()
    rows = session.exec(select(Dossier).order_by(Dossier.id)).all()
    assert [r.audit_seq is not None for r in rows] == [True, True]
    for row, path in zip(rows, (first, second), strict=True):
        head = session.exec(select(AuditEvent).where(AuditEvent.seq == row.audit_seq)).one()
        assert row.audit_hash == head.hash
        everything = pdf_text(path)
        cover = everything.split("\f")[0]
        assert "감사 기록 끝" in cover and f"제{row.audit_seq}번 · {row.audit_hash}" in cover
        flat_cover = re.sub(r"\s+", " ", cover)
        assert "증거 보관 이력에 적힌 접수 시 값" in flat_cover and "위 감사 기록 끝" in flat_cover
        # In reading order: each cell's lines together, the cells of a row one after another.
        custody = re.sub(r"\s+", " ", between(pdf_text(path, False), "증거 보관 이력", "증거 자료"))
        assert f"제{row.audit_seq}번, SHA-256 {row.audit_hash}" in custody
        for entry in json.loads(row.exhibits):
            e = session.get(Evidence, entry["evidence_id"])
            events = evidence_service.custody_timeline(session, e.id)
            receipt = next(x for x in events if x.action == "custody.received")
            sha = json.loads(receipt.after)["sha256"]
            # label; day received, from whom, how; the hash the audit trail kept, its event;
            # then the history, starting with that receipt
            assert re.search(
                rf"{entry['label']} 접수일 {day('2022-01-10')} 제공 한국간편결제진흥원 방법 업로드 "
                rf"{sha[:32]} {sha[32:]} 감사 기록 #{receipt.seq} · 첨부 파일과 일치 "
                rf"#{receipt.seq} [\d.: -]+ 접수 · admin@example.com · 업로드",
                custody,
            ), entry["label"]
            # events up to the head only: this build's own inclusion comes after it
            included = [x for x in events if x.action == "custody.included_in_dossier"]
            shown = [x for x in included if x.seq <= row.audit_seq]
            assert len(included) == 2 and len(shown) == (0 if row is rows[0] else 1)
            for x in included:
                assert (f"#{x.seq} " in custody) == (x.seq <= row.audit_seq)
        if row is rows[1]:
            assert f"자료집에 포함 · dossier:{rows[0].number}" in custody


def test_dossier_verify_ties_the_pdf_to_the_audit_chain(runner, session, demo, tmp_path):
    out = build(runner, tmp_path, demo)
    session.rollback()
    row = session.exec(select(Dossier)).one()
    result = runner.invoke(args=["dossier", "verify", str(out), "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["ok"]
    assert report["audit"] == {
        "seq": row.audit_seq,
        "hash": row.audit_hash,
        "in_chain": True,
        "hash_matches": True,
        "chain_intact": True,
        "problem": None,
        "ok": True,
    }
    plain = runner.invoke(args=["dossier", "verify", str(out)])
    assert f"audit head: #{row.audit_seq} {row.audit_hash}" in plain.output
    assert "links intact: yes" in plain.output

    # Someone rewrites the event the dossier printed: the PDF still matches its hash and
    # signature, but it no longer ties to the chain.
    with session.get_bind().begin() as conn:
        conn.execute(
            text("UPDATE auditevent SET actor = 'someone else' WHERE seq = :seq"),
            {"seq": row.audit_seq},
        )
    result = runner.invoke(args=["dossier", "verify", str(out), "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 1 and not report["ok"] and report["signature"]["ok"]
    assert report["audit"]["in_chain"] and report["audit"]["hash_matches"]
    assert not report["audit"]["chain_intact"] and f"#{row.audit_seq}" in report["audit"]["problem"]
    plain = runner.invoke(args=["dossier", "verify", str(out)])
    assert "links intact: NO" in plain.output and plain.exit_code == 1


def test_verify_reports_a_dossier_whose_printed_head_is_gone(runner, session, demo, tmp_path):
    out = build(runner, tmp_path, demo)
    session.rollback()
    row = session.exec(select(Dossier)).one()
    ok = runner.invoke(args=["verify"])
    assert ok.exit_code == 0, ok.output
    assert "the audit heads they printed still in the chain" in ok.output
    # The event the cover names is replaced by one with another hash (a rewritten history).
    with session.get_bind().begin() as conn:
        conn.execute(
            text("UPDATE auditevent SET hash = :h WHERE seq = :seq"),
            {"h": "0" * 64, "seq": row.audit_seq},
        )
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert f"UNTIED: dossier {row.number} (#{row.id}) printed audit event #{row.audit_seq}" in (
        result.output
    )
    report = json.loads(runner.invoke(args=["dossier", "verify", str(out), "--json"]).output)
    assert report["audit"]["in_chain"] and not report["audit"]["hash_matches"]
    assert not report["ok"]
