"""Fixed wording of the dossier in Korean and English.

User text never goes through here; these are our own labels. Codes the app may pass for
statuses, directions and kinds are translated by ``term``; anything else is printed as given.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

LABELS: Mapping[str, Mapping[str, str]] = {
    "ko": {
        "title.civil": "소송 증거자료집",
        "title.criminal": "고소장 첨부 증거자료",
        "title.internal": "내부 검토 자료집",
        "subtitle.civil": "민사 소송 제출용",
        "subtitle.criminal": "형사 고소 첨부용",
        "subtitle.internal": "내부 검토용 — 외부 제출 금지",
        "section.summary": "사건 개요",
        "section.chronology": "사실관계 연대표",
        "section.demands": "요구 사항과 회신",
        "section.correspondence": "주고받은 문서",
        "section.discrepancies": "수치 불일치와 자료 감사",
        "section.evidence_statement.civil": "증거설명서",
        "section.evidence_statement.criminal": "증거목록",
        "section.evidence_statement.internal": "증거 목록",
        "statement.civil": "증거설명서 별지",
        "statement.criminal": "증거목록",
        "statement.internal": "증거 목록",
        "section.exhibits": "증거 자료",
        "toc": "목차",
        "continued": "(계속)",
        "cover.dossier_number": "자료집 번호",
        "cover.matter": "사건",
        "cover.reference": "관리번호",
        "cover.purpose": "용도",
        "cover.prepared_by": "작성자",
        "cover.generated_at": "작성 일시",
        "cover.exhibits": "증거",
        "cover.exhibit_count": "{n}건",
        "cover.pages": "전체 쪽수",
        "cover.integrity": (
            "첨부된 증거 원본 파일과 해시 목록(manifest.json)이 이 PDF 안에 함께 들어 있습니다. "
            "각 파일의 SHA-256 값을 {statement}의 값과 대조하면 이 PDF를 만든 뒤 바뀌지 "
            "않았음을 확인할 수 있습니다."
        ),
        "cover.integrity_custody": (
            "첨부된 증거 원본 파일과 해시 목록(manifest.json)이 이 PDF 안에 함께 들어 있습니다. "
            "각 파일의 SHA-256 값을 {custody}에 적힌 접수 시 값(서버 감사 기록의 값)과 대조하면 "
            "접수 이후 변경되지 않았음을 확인할 수 있습니다. 서버에서 “tracker dossier verify”를 "
            "실행하면 이 PDF와 위 감사 기록 끝을 감사 기록 체인과 대조합니다."
        ),
        "cover.unsigned": "이 PDF는 전자서명되지 않은 사본입니다.",
        "purpose.civil": "민사",
        "purpose.criminal": "형사",
        "purpose.internal": "내부 검토",
        "summary.matter": "사건 정보",
        "summary.reference": "관리번호",
        "summary.title": "사건명",
        "summary.kind": "유형",
        "summary.status": "상태",
        "summary.our_side": "우리 측",
        "summary.court": "법원",
        "summary.case": "사건",
        "summary.summary": "개요",
        "summary.parties": "당사자",
        "party.name": "이름",
        "party.role": "역할",
        "party.contact": "연락처",
        "fact.date": "일자",
        "fact.text": "사실",
        "fact.status": "다툼 여부",
        "fact.sources": "증거",
        "demand.party": "상대방",
        "demand.sent_on": "요구일",
        "demand.channel": "방법",
        "demand.basis": "근거",
        "demand.due_on": "기한",
        "demand.items": "요구 항목",
        "demand.responses": "회신",
        "demand.none": "기록된 요구가 없습니다.",
        "item.category": "항목",
        "item.reference_date": "기준일",
        "item.status": "이행 상태",
        "item.latest_response": "최근 회신",
        "item.deadline": "기한 준수 여부",
        "deadline.met": "기한 내 이행",
        "deadline.missed": "기한 도과",
        "deadline.missed_days": "기한 도과 ({n}일)",
        "deadline.open": "진행 중",
        "response.received_on": "수신일",
        "response.position": "입장",
        "response.grounds": "사유",
        "response.conditions": "조건",
        "response.none": "회신 없음",
        "letter.date": "일자",
        "letter.direction": "수발신",
        "letter.kind": "종류",
        "letter.counterpart": "상대",
        "letter.subject": "제목",
        "letter.exhibits": "증거",
        "letter.none": "기록된 문서가 없습니다.",
        "figures.title": "상대방별 보고 수치",
        "figures.metric": "항목",
        "figures.reference_date": "기준일",
        "figures.baseline": "기준: {name}",
        "figures.diff": "차이",
        "figures.chart": "기준 대비 차이",
        "figures.none": "비교할 수치가 없습니다.",
        "figures.unit_krw": "(단위: 원)",
        "recon.title": "대사(對査) 결과",
        "recon.left_rows": "{name} 행 수",
        "recon.right_rows": "{name} 행 수",
        "recon.matched": "일치",
        "recon.mismatched": "불일치",
        "recon.only_left": "{name}에만 있음",
        "recon.only_right": "{name}에만 있음",
        "recon.only_left_generic": "왼쪽 자료에만 있음",
        "recon.only_right_generic": "오른쪽 자료에만 있음",
        "recon.invalid_rows": "오류 행",
        "recon.duplicate_keys": "중복 키",
        "recon.difference_total": "차이 합계",
        "recon.chart": "대사 결과 (건수)",
        "recon.rows": "행 수",
        "recon.keys": "유효 키 수",
        "recon.total": "금액 합계 (원)",
        "recon.difference_note": (
            "차이 합계는 두 자료에 모두 있으나 금액이 다른 키에 대하여 {left} 금액에서 {right} "
            "금액을 뺀 값의 합계입니다."
        ),
        "section.deadlines": "기한 준수 현황",
        "section.custody": "증거 보관 이력",
        "dl.rule": "모든 기한은 말일 24:00(한국 표준시)에 끝납니다(민법 제159조).",
        "dl.none": "기록된 기한이 없습니다.",
        "dl.kind": "구분",
        "dl.due_on": "기한",
        "dl.due_value": "{day} 24:00 (KST)",
        "dl.basis": "산정 기초",
        "dl.result": "결과",
        "dl.met_on": "이행일",
        "dl.note": "비고",
        "dl.trace": "계산 근거",
        "dl.fixed": "정해진 날짜의 기한이므로 계산 과정이 없습니다.",
        "dl.met": "기한 내 이행",
        "dl.met_early": "기한 내 이행 (기한 {n}일 전)",
        "dl.met_early_one": "기한 내 이행 (기한 {n}일 전)",
        "dl.met_on_day": "기한 당일 이행",
        "dl.met_late": "기한 후 이행 ({n}일 늦음)",
        "dl.met_late_one": "기한 후 이행 ({n}일 늦음)",
        "dl.missed": "기한 도과",
        "dl.missed_days": "기한 도과 ({n}일 경과, 작성일 기준)",
        "dl.missed_days_one": "기한 도과 ({n}일 경과, 작성일 기준)",
        "dl.overdue": "기한 경과, 미처리 ({n}일 경과, 작성일 기준)",
        "dl.overdue_one": "기한 경과, 미처리 ({n}일 경과, 작성일 기준)",
        "dl.due_today": "오늘 마감",
        "dl.left": "진행 중 ({n}일 남음)",
        "dl.left_one": "진행 중 ({n}일 남음)",
        "dl.cancelled": "취소됨",
        "custody.intro": (
            "접수 시 SHA-256은 파일이 들어올 때 서버의 감사 기록(해시 체인)에 남은 값입니다. 이 "
            "PDF에 첨부된 파일의 SHA-256이 이 값과 같으면 접수 이후 바뀌지 않은 것입니다. 보관 "
            "이력은 이 자료집을 만든 시점까지의 기록이며, 번호(#)는 감사 기록의 순번입니다."
        ),
        "custody.head": (
            "작성 시점의 감사 기록 끝: 제{seq}번, SHA-256 {hash}. 서버에서 "
            "“tracker dossier verify”로 이 기록이 체인에 그대로 있는지 확인할 수 있습니다."
        ),
        "custody.no_head": "감사 기록의 끝이 주어지지 않아 체인과 대조할 수 없습니다.",
        "custody.none": "보관 이력을 적을 증거가 없습니다.",
        "custody.label": "증거번호",
        "custody.receipt": "접수",
        "custody.received_on": "접수일 {day}",
        "custody.source": "제공 {name}",
        "custody.how": "방법 {how}",
        "custody.sha": "접수 시 SHA-256",
        "custody.recorded_as": "감사 기록 #{seq}",
        "custody.matches": "첨부 파일과 일치",
        "custody.differs": "첨부 파일과 다름",
        "custody.not_recorded": "접수 기록 없음",
        "custody.events": "보관 이력 (작성 시점까지)",
        "custody.no_events": "기록 없음",
        "cover.audit_head": "감사 기록 끝",
        "cover.audit_head_value": "제{seq}번 · {hash}",
        "audit.title": "제출 자료 감사",
        "audit.profile": "기준",
        "audit.rows": "전체 행",
        "audit.usable_rows": "사용 가능 행",
        "audit.missing": "누락",
        "audit.invalid": "형식 오류",
        "audit.field": "필드",
        "evidence.label": "증거번호",
        "statement.number": "호증",
        "statement.title": "서증명",
        "statement.made_on": "작성일",
        "statement.author": "작성자",
        "statement.proves": "입증취지 (비고)",
        "statement.case": "사건",
        # {role} carries its topic particle: 원고는, 참가인은.
        "statement.intro": "위 사건에 관하여 {role} 다음과 같이 증거설명서를 제출합니다.",
        "statement.filer": "제출인",
        "statement.seal": "(인)",
        "statement.to": "{court} 귀중",
        "statement.court_blank": "○○지방법원",
        "statement.hashes": "별지  증거 파일의 SHA-256 값",
        "statement.hashes_note": (
            "각 서증의 원본 파일은 이 PDF에 첨부되어 있습니다. 첨부 파일을 꺼내어 아래 값과 "
            "대조하십시오."
        ),
        "complaint.parties": "당사자",
        "complaint.address": "주소",
        "complaint.representative": "대표자",
        "complaint.contact": "연락처",
        "complaint.none": "기록된 당사자가 없습니다.",
        "complaint.to": "{addressee} 귀중",
        "complaint.addressee_blank": "○○경찰서장",
        "complaint.list_intro": "고소 사실을 입증하기 위하여 다음 증거를 제출합니다.",
        "complaint.copy": "사본 1부",
        "complaint.original": "원본 1부",
        "complaint.filer": "위 고소인",
        "evidence.title": "서증명",
        "evidence.author": "작성자",
        "evidence.made_on": "작성일",
        "evidence.original": "원본/사본",
        "evidence.is_original": "원본",
        "evidence.is_copy": "사본",
        "evidence.proves": "입증취지",
        "evidence.sha256": "SHA-256",
        "evidence.page": "쪽",
        "evidence.page_suffix": "쪽",
        "evidence.none": "첨부된 증거가 없습니다.",
        "evidence.listing": "{label}  {title}",
        "evidence.made_by": "작성자 {author}, 작성일 {made_on}, {original}",
        "evidence.starts_at": "{page}쪽부터",
        "note.heading": "원본 파일 안내",
        "note.body": (
            "이 증거는 PDF로 인쇄할 수 없는 형식이므로 원본 파일을 이 PDF에 첨부하였습니다. "
            "PDF 뷰어의 첨부 파일 목록에서 아래 이름의 파일을 꺼내어 SHA-256 값을 대조하십시오."
        ),
        "note.preview": (
            "미리보기: 최종 자료집에서는 이 자리에 증거 원본의 쪽이 들어가고, 원본 파일은 PDF에 "
            "첨부됩니다."
        ),
        "note.filename": "파일 이름",
        "note.attachment": "첨부 파일 이름",
        "note.media_type": "형식",
        "note.size": "크기",
        "note.size_value": "{n} 바이트",
        "note.unreadable": "원본 파일을 열 수 없어 내용을 표시하지 못했습니다: {reason}",
        "note.too_large": (
            "이 그림은 {width} × {height} 화소로 너무 커서 쪽에 그리지 않았습니다(PDF 뷰어가 "
            "열 수 있는 크기를 넘습니다). 원본 파일은 이 PDF에 “{attachment}”(이)라는 이름으로 "
            "첨부되어 있으니, PDF 뷰어의 첨부 파일 목록에서 꺼내어 아래 SHA-256 값을 "
            "대조하십시오."
        ),
        "note.pixels": "화소 크기",
        "note.pixels_value": "{width} × {height}",
        "footer.generated": "작성 {when}",
        "footer.page": "{x} / {y}쪽",
        "empty": "—",
        "yes": "예",
        "no": "아니요",
    },
    "en": {
        "title.civil": "Litigation dossier",
        "title.criminal": "Evidence annexed to a criminal complaint",
        "title.internal": "Internal review dossier",
        "subtitle.civil": "For submission in civil proceedings",
        "subtitle.criminal": "Evidence attached to a criminal complaint",
        "subtitle.internal": "For internal review — not for outside distribution",
        "section.summary": "Matter summary",
        "section.chronology": "Chronology",
        "section.demands": "Demands and responses",
        "section.correspondence": "Correspondence",
        "section.discrepancies": "Discrepancies and data audits",
        "section.evidence_statement.civil": "Evidence statement",
        "section.evidence_statement.criminal": "List of evidence",
        "section.evidence_statement.internal": "List of evidence",
        "statement.civil": "annex to the evidence statement",
        "statement.criminal": "list of evidence",
        "statement.internal": "list of evidence",
        "section.exhibits": "Exhibits",
        "toc": "Contents",
        "continued": "(continued)",
        "cover.dossier_number": "Dossier number",
        "cover.matter": "Matter",
        "cover.reference": "Reference",
        "cover.purpose": "Purpose",
        "cover.prepared_by": "Prepared by",
        "cover.generated_at": "Generated",
        "cover.exhibits": "Exhibits",
        "cover.exhibit_count": "{n}",
        "cover.pages": "Pages",
        "cover.integrity": (
            "The original exhibit files and a hash list (manifest.json) are attached inside this "
            "PDF. Comparing each file's SHA-256 with the {statement} shows that it has not "
            "changed since this PDF was made."
        ),
        "cover.integrity_custody": (
            "The original exhibit files and a hash list (manifest.json) are attached inside this "
            "PDF. Comparing each file's SHA-256 with its SHA-256 at receipt in the {custody} "
            "(copied from the server's audit trail) shows that it has not changed since it was "
            "received. On the server, “tracker dossier verify” checks this PDF and the audit "
            "trail head above against the audit chain."
        ),
        "cover.unsigned": "This PDF is an unsigned copy.",
        "purpose.civil": "Civil",
        "purpose.criminal": "Criminal",
        "purpose.internal": "Internal review",
        "summary.matter": "Matter",
        "summary.reference": "Reference",
        "summary.title": "Title",
        "summary.kind": "Kind",
        "summary.status": "Status",
        "summary.our_side": "Our side",
        "summary.court": "Court",
        "summary.case": "Case",
        "summary.summary": "Summary",
        "summary.parties": "Parties",
        "party.name": "Name",
        "party.role": "Role",
        "party.contact": "Contact",
        "fact.date": "Date",
        "fact.text": "Fact",
        "fact.status": "Disputed?",
        "fact.sources": "Exhibits",
        "demand.party": "Addressed to",
        "demand.sent_on": "Sent",
        "demand.channel": "Channel",
        "demand.basis": "Basis",
        "demand.due_on": "Due",
        "demand.items": "Items demanded",
        "demand.responses": "Responses",
        "demand.none": "No demand recorded.",
        "item.category": "Item",
        "item.reference_date": "As of",
        "item.status": "Status",
        "item.latest_response": "Latest response",
        "item.deadline": "Deadline",
        "deadline.met": "Met",
        "deadline.missed": "Missed",
        "deadline.missed_days": "Missed ({n} days late)",
        "deadline.open": "Open",
        "response.received_on": "Received",
        "response.position": "Position",
        "response.grounds": "Grounds",
        "response.conditions": "Conditions",
        "response.none": "No response",
        "letter.date": "Date",
        "letter.direction": "In/out",
        "letter.kind": "Kind",
        "letter.counterpart": "Counterpart",
        "letter.subject": "Subject",
        "letter.exhibits": "Exhibits",
        "letter.none": "No correspondence recorded.",
        "figures.title": "Figures reported by each source",
        "figures.metric": "Metric",
        "figures.reference_date": "As of",
        "figures.baseline": "Baseline: {name}",
        "figures.diff": "Difference",
        "figures.chart": "Difference from the baseline",
        "figures.none": "No figures to compare.",
        "figures.unit_krw": "(amounts in KRW)",
        "recon.title": "Reconciliations",
        "recon.left_rows": "Rows in {name}",
        "recon.right_rows": "Rows in {name}",
        "recon.matched": "Matched",
        "recon.mismatched": "Mismatched",
        "recon.only_left": "Only in {name}",
        "recon.only_right": "Only in {name}",
        "recon.only_left_generic": "Only in the left source",
        "recon.only_right_generic": "Only in the right source",
        "recon.invalid_rows": "Invalid rows",
        "recon.duplicate_keys": "Duplicate keys",
        "recon.difference_total": "Total difference",
        "recon.chart": "Reconciliation results (rows)",
        "recon.rows": "Rows",
        "recon.keys": "Valid keys",
        "recon.total": "Total amount (KRW)",
        "recon.difference_note": (
            "The total difference adds up, over the keys found in both files with different "
            "amounts, the amount in {left} minus the amount in {right}."
        ),
        "section.deadlines": "Deadlines",
        "section.custody": "Chain of custody",
        "dl.rule": (
            "Each deadline ends at 24:00 Korea Standard Time on its last day (Korean Civil Act, "
            "Art. 159)."
        ),
        "dl.none": "No deadline recorded.",
        "dl.kind": "Type",
        "dl.due_on": "Due",
        "dl.due_value": "{day}, 24:00 KST",
        "dl.basis": "Computed from",
        "dl.result": "Result",
        "dl.met_on": "Met on",
        "dl.note": "Note",
        "dl.trace": "How it was computed",
        "dl.fixed": "A fixed date: nothing was computed.",
        "dl.met": "Met",
        "dl.met_early": "Met ({n} days early)",
        "dl.met_early_one": "Met (1 day early)",
        "dl.met_on_day": "Met on the due day",
        "dl.met_late": "Met late ({n} days late)",
        "dl.met_late_one": "Met late (1 day late)",
        "dl.missed": "Missed",
        "dl.missed_days": "Missed ({n} days late as of this dossier)",
        "dl.missed_days_one": "Missed (1 day late as of this dossier)",
        "dl.overdue": "Overdue, still open ({n} days late as of this dossier)",
        "dl.overdue_one": "Overdue, still open (1 day late as of this dossier)",
        "dl.due_today": "Due today",
        "dl.left": "Open ({n} days left)",
        "dl.left_one": "Open (1 day left)",
        "dl.cancelled": "Cancelled",
        "custody.intro": (
            "The SHA-256 at receipt is the value the server's audit trail (a hash chain) recorded "
            "when the file came in. A file attached to this PDF with the same SHA-256 has not "
            "changed since. The history runs up to the moment this dossier was made; each # is "
            "the event's number in the audit trail."
        ),
        "custody.head": (
            "Audit trail at the time of this dossier: event #{seq}, SHA-256 {hash}. On the "
            "server, “tracker dossier verify” checks that this event is still in the chain."
        ),
        "custody.no_head": "No audit chain head was given, so this cannot be tied to the chain.",
        "custody.none": "No exhibits to give a custody history for.",
        "custody.label": "Exhibit",
        "custody.receipt": "Received",
        "custody.received_on": "on {day}",
        "custody.source": "from {name}",
        "custody.how": "by {how}",
        "custody.sha": "SHA-256 at receipt",
        "custody.recorded_as": "audit event #{seq}",
        "custody.matches": "matches the attached file",
        "custody.differs": "differs from the attached file",
        "custody.not_recorded": "no receipt recorded",
        "custody.events": "Custody events (up to this dossier)",
        "custody.no_events": "none recorded",
        "cover.audit_head": "Audit trail head",
        "cover.audit_head_value": "event #{seq} · {hash}",
        "audit.title": "Audits of delivered data",
        "audit.profile": "Profile",
        "audit.rows": "Rows",
        "audit.usable_rows": "Usable rows",
        "audit.missing": "Missing",
        "audit.invalid": "Invalid",
        "audit.field": "Field",
        "evidence.label": "Exhibit",
        "statement.number": "Exhibit",
        "statement.title": "Title",
        "statement.made_on": "Date",
        "statement.author": "Author",
        "statement.proves": "What it proves (remarks)",
        "statement.case": "Case",
        "statement.intro": "In the above case the {role} submits the following evidence statement.",
        "statement.filer": "Submitted by",
        "statement.seal": "(seal)",
        "statement.to": "To the {court}",
        "statement.court_blank": "○○ District Court",
        "statement.hashes": "Annex: SHA-256 of the exhibit files",
        "statement.hashes_note": (
            "The original file of every exhibit is attached to this PDF. Take it from the "
            "attachments and compare it with the value below."
        ),
        "complaint.parties": "Parties",
        "complaint.address": "Address",
        "complaint.representative": "Representative",
        "complaint.contact": "Contact",
        "complaint.none": "No party recorded.",
        "complaint.to": "To: {addressee}",
        "complaint.addressee_blank": "the chief of ○○ police station",
        "complaint.list_intro": "The complainant submits the following evidence.",
        "complaint.copy": "1 copy",
        "complaint.original": "1 original",
        "complaint.filer": "The complainant",
        "evidence.title": "Title",
        "evidence.author": "Author",
        "evidence.made_on": "Date",
        "evidence.original": "Original/copy",
        "evidence.is_original": "Original",
        "evidence.is_copy": "Copy",
        "evidence.proves": "What it proves",
        "evidence.sha256": "SHA-256",
        "evidence.page": "Page",
        "evidence.page_suffix": "",
        "evidence.none": "No exhibits attached.",
        "evidence.listing": "{label}  {title}",
        "evidence.made_by": "by {author}, {made_on}, {original}",
        "evidence.starts_at": "from page {page}",
        "note.heading": "About the original file",
        "note.body": (
            "This exhibit is in a format that cannot be printed, so the original file is attached "
            "to this PDF. Take it from the PDF viewer's attachments and compare its SHA-256 with "
            "the value below."
        ),
        "note.preview": (
            "Preview: in the final dossier the exhibit's own pages take this place and the "
            "original file is attached to the PDF."
        ),
        "note.filename": "File name",
        "note.attachment": "Attachment name",
        "note.media_type": "Format",
        "note.size": "Size",
        "note.size_value": "{n} bytes",
        "note.unreadable": "The original file could not be opened for display: {reason}",
        "note.too_large": (
            "This image is {width} × {height} pixels, too large to draw on a page (more than a "
            "PDF viewer can open), so it is not shown. The original file is attached to this PDF "
            "as “{attachment}”: take it from the PDF viewer's attachments and compare its "
            "SHA-256 with the value below."
        ),
        "note.pixels": "Pixel size",
        "note.pixels_value": "{width} × {height}",
        "footer.generated": "Generated {when}",
        "footer.page": "Page {x} of {y}",
        "empty": "—",
        "yes": "Yes",
        "no": "No",
    },
}

_TERMS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "fact_status": {
        "undisputed": ("다툼 없음", "Undisputed"),
        "disputed_by_them": ("상대방 다툼", "Disputed by them"),
        "disputed_by_us": ("우리 측 다툼", "Disputed by us"),
        "unsure": ("불확실", "Unsure"),
    },
    "item_status": {
        "outstanding": ("미이행", "Outstanding"),
        "partially_delivered": ("일부 제공", "Partially delivered"),
        "refused": ("거부", "Refused"),
        "delivered": ("제공됨", "Delivered"),
        "verified": ("검증 완료", "Verified"),
    },
    "position": {
        "complied": ("이행", "Complied"),
        "partial": ("일부 이행", "Partial"),
        "refused": ("거부", "Refused"),
        "conditional": ("조건부", "Conditional"),
        "silent": ("무응답", "Silent"),
    },
    "direction": {
        "outgoing": ("발신", "Out"),
        "out": ("발신", "Out"),
        "incoming": ("수신", "In"),
        "in": ("수신", "In"),
    },
    "deadline_kind": {
        "hard": ("기한", "Deadline"),
        "follow_up": ("후속 조치", "Follow-up"),
        "hearing": ("기일", "Hearing"),
    },
    "custody": {
        "received": ("접수", "Received"),
        "viewed": ("열람", "Viewed"),
        "downloaded": ("내려받음", "Downloaded"),
        "exported": ("반출", "Exported"),
        "included_in_dossier": ("자료집에 포함", "Included in a dossier"),
        "integrity_verified": ("무결성 확인", "Integrity checked"),
    },
    "kind": {
        "letter": ("공문", "Letter"),
        "email": ("이메일", "Email"),
        "meeting": ("회의", "Meeting"),
        "call": ("전화", "Call"),
        "phone": ("전화", "Call"),
        "visit": ("방문", "Visit"),
    },
}


#: Our side and the other side as each purpose names them. A civil suit knows us by our
#: procedural role (원고/피고/참가인); a complaint makes us 고소인 and them 피고소인; internal
#: papers keep the plain "우리 측 / 상대방".
_SIDES: Mapping[tuple[str, str], tuple[tuple[str, str], tuple[str, str]]] = {
    ("civil", "plaintiff"): (("원고", "Plaintiff"), ("피고", "Defendant")),
    ("civil", "defendant"): (("피고", "Defendant"), ("원고", "Plaintiff")),
    ("civil", "intervenor"): (("참가인", "Intervenor"), ("상대방", "Opposing party")),
    ("criminal", ""): (("고소인", "Complainant"), ("피고소인", "Accused")),
    ("internal", ""): (("우리 측", "Our side"), ("상대방", "Counterparty")),
}

#: Our civil role when the matter does not record one: the city usually brings the claim (the
#: same default as ``exhibit_labels.default_scheme_for``). The build warns about it.
DEFAULT_CIVIL_ROLE = "plaintiff"


def sides(purpose: str, lang: str, procedural_role: str = "") -> dict[str, str]:
    """``{"our": "원고", "their": "피고"}`` for a civil suit brought by us, and so on."""
    if purpose == "civil":
        key = (purpose, procedural_role or DEFAULT_CIVIL_ROLE)
    else:
        key = (purpose if purpose == "criminal" else "internal", "")
    our, their = _SIDES.get(key, _SIDES[("internal", "")])
    index = 0 if lang == "ko" else 1
    return {"our": our[index], "their": their[index]}


def party_role(code: str, purpose: str, lang: str, procedural_role: str = "") -> str | None:
    """The printed role of a party whose role is ``our_side`` or ``counterparty`` (None for the
    other roles: the caller's own words apply)."""
    names = sides(purpose, lang, procedural_role)
    return {"our_side": names["our"], "counterparty": names["their"]}.get(code)


def with_topic(word: str) -> str:
    """A Korean noun with its topic particle: 원고는, 참가인은 (은 after a final consonant)."""
    last = word[-1:] if word else ""
    if "가" <= last <= "힣":
        return word + ("은" if (ord(last) - 0xAC00) % 28 else "는")
    return word + "은(는)"


def filing_date(day: dt.date, lang: str) -> str:
    """The date a court paper is signed (제출일): ``2022. 3. 2.``; ISO in English papers."""
    return f"{day.year}. {day.month}. {day.day}." if lang == "ko" else day.isoformat()


def confidentiality_mark(purpose: str, lang: str) -> str:
    """The mark printed at the top of every page and on the cover. A court or a prosecutor
    receives our filing, so it carries none; only internal papers say 대외비."""
    if purpose != "internal":
        return ""
    return "대외비 · 내부 검토용" if lang == "ko" else "Confidential · internal review"


#: Purposes whose dossier goes to a court or a prosecutor: dates in court style, amounts in 원.
COURT_FACING = ("civil", "criminal")
#: What the app hands the dossier as a date: ISO (``2021-12-03``), ``format_day`` output
#: (``2021-12-03 (금)``), a month or a year for a vague fact (``2022-01``, ``2021``), a moment
#: (``2022-03-02 09:00``), each maybe followed by `` 경`` (about).
_DAY_TEXT = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?: \(\w+\))?"
    r"(?:[ T](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:?\d{2}| KST)?)?( ?경)?"
)
_KST = dt.timezone(dt.timedelta(hours=9), "KST")


def court_facing(purpose: str | None, lang: str | None) -> bool:
    """Dates and amounts follow Korean court usage (a civil or criminal dossier in Korean)."""
    return purpose in COURT_FACING and lang == "ko"


def dossier_date(value: object, purpose: str | None = None, lang: str | None = None) -> str:
    """The one way the dossier prints a date or a moment (the ``day`` filter, the cover, the
    footer, dates inside our own sentences).

    A court-facing Korean dossier uses the court style: ``2021. 12. 3.`` (no weekday),
    ``2022. 1.`` for a month, ``2021년`` for a year, ``2021. 12. 3.경``, ``2022. 3. 2. 09:00``.
    Otherwise the ISO form the app gave is kept (``2021-12-03 (금)``); date objects print as
    ``2021-12-03``, moments as ``2021-12-03 09:00`` in KST. Text that is not a date (``날짜
    미상``) is printed as given; nothing is ``""``.
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        moment = value.astimezone(_KST) if value.tzinfo else value
        value = moment.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    text = str(value)
    if not court_facing(purpose, lang):
        return text
    match = _DAY_TEXT.fullmatch(text.strip())
    if match is None:
        return text
    year, month, day, hour, minute, about = match.groups()
    try:
        if day:
            exact = dt.date(int(year), int(month), int(day))
            printed = f"{exact.year}. {exact.month}. {exact.day}."
        elif month:
            printed = f"{int(year)}. {dt.date(int(year), int(month), 1).month}."
        else:
            printed = f"{int(year)}년"
    except ValueError:
        return text
    if hour:
        printed += f" {hour}:{minute}"
    return printed + ("경" if about else "")


def dossier_moment(moment: dt.datetime, purpose: str | None, lang: str | None) -> str:
    """The build moment on the cover and in the footer: ``2022. 3. 2. 09:00`` on court papers,
    ``2022-03-02 09:00 KST`` otherwise."""
    if court_facing(purpose, lang):
        return dossier_date(moment, purpose, lang)
    return moment.astimezone(_KST).strftime("%Y-%m-%d %H:%M KST")


def dossier_amount(value: object, unit: str | None, purpose: str | None, lang: str | None) -> str:
    """An amount as the dossier prints it: ``1,234,500원`` in a court-facing Korean dossier
    (``KRW``), ``1,234,500`` otherwise; counts get ``건`` / nothing. ``—`` when unknown."""
    if value is None or value == "" or isinstance(value, bool):
        return "—"
    if not isinstance(value, int):
        return str(value)
    text = f"{value:,}"
    if court_facing(purpose, lang):
        return text + {"KRW": "원", "count": "건"}.get(unit or "KRW", "")
    return text


#: The fields of the audit profiles (``reconcile/audit.py`` PROFILES) and the profiles
#: themselves, as a Korean reader knows them. Unknown names print as given.
_AUDIT_NAMES: Mapping[str, tuple[str, str]] = {
    "merchant_id": ("가맹점ID", "Merchant ID"),
    "name": ("가맹점명", "Merchant name"),
    "business_reg_no": ("사업자등록번호", "Business registration no."),
    "representative": ("대표자명", "Representative"),
    "address": ("주소", "Address"),
    "phone": ("전화번호", "Phone"),
    "category": ("업종", "Business category"),
    "user_id": ("회원ID", "User ID"),
    "balance": ("잔액", "Balance"),
}
_AUDIT_PROFILES: Mapping[str, tuple[str, str]] = {
    "merchants": ("가맹점 데이터", "Merchant data"),
    "users": ("이용자 데이터", "User data"),
}


def audit_field(name: object, lang: str) -> str:
    text = "" if name is None else str(name)
    pair = _AUDIT_NAMES.get(text)
    return text if pair is None else pair[0 if lang == "ko" else 1]


def audit_profile(name: object, lang: str) -> str:
    text = "" if name is None else str(name)
    pair = _AUDIT_PROFILES.get(text)
    return text if pair is None else pair[0 if lang == "ko" else 1]


def labels_for(lang: str) -> Mapping[str, str]:
    return LABELS[lang]


def term(group: str, value: object, lang: str, sides: Mapping[str, str] | None = None) -> str:
    """Our wording for a known code, else the value as given. With ``sides`` (see ``sides``),
    a status that names a side names it by its role: "원고 다툼" rather than "우리 측 다툼"."""
    text = "" if value is None else str(value)
    if sides and group == "fact_status" and text in _SIDED_STATUS:
        who = sides[_SIDED_STATUS[text]]
        return f"{who} 다툼" if lang == "ko" else f"Disputed by the {who.lower()}"
    pair = _TERMS.get(group, {}).get(text)
    if pair is None:
        return text
    return pair[0] if lang == "ko" else pair[1]


_SIDED_STATUS = {"disputed_by_us": "our", "disputed_by_them": "their"}


def all_fixed_text() -> str:
    """Every character our own wording may print (for the glyph check of the footer font)."""
    parts = [text for table in LABELS.values() for text in table.values()]
    parts += [name for groups in _TERMS.values() for pair in groups.values() for name in pair]
    parts += [name for pairs in _SIDES.values() for pair in pairs for name in pair]
    parts += [
        name
        for table in (_AUDIT_NAMES, _AUDIT_PROFILES)
        for pair in table.values()
        for name in pair
    ]
    parts += [
        "은는()0123456789. ",
        confidentiality_mark("internal", "ko"),
        confidentiality_mark("internal", "en"),
    ]
    return "".join(parts)
