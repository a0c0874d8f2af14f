"""Real files from public test suites (tests/corpus/, sources in tests/corpus/SOURCES), recorded
as a user records them and carried into a dossier: import → label → build → sign → verify.

Each file is recorded through the services (``evidence.add_files``: vault, sniffing, e-mail
import with every attachment), every exhibit is labelled, and the matter's dossier is built
in the worker's code path (``dossiers.request_build`` + ``run_build``), verified
(``dossiers.verify_file``) and opened with pypdf. A dossier per file is slow (WeasyPrint and a
signature each), so the files of one folder share a matter and one dossier; when that dossier
fails, each file of the folder gets a matter and a dossier of its own, so the file that breaks
the build is still named. The work is done once per database (SQLite, and PostgreSQL when
TRACKER_TEST_DATABASE_URL is set); one test per file then reads its outcome.

Files that fail today for a known reason are marked ``xfail(strict=True)`` in ``KNOWN``: the
suite stays green, and turns red the day the cause is fixed so the mark can go.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import subprocess
import traceback
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from tests.conftest import BACKENDS
from tests.factories import make_matter, make_user
from tracker import create_app
from tracker.models import Correspondence, Dossier, Evidence
from tracker.services import dossiers, evidence
from tracker.vault import sniff

pytestmark = pytest.mark.xdist_group("dossier")

CORPUS = Path(__file__).resolve().parent / "corpus"
NOT_DATA = {"SOURCES", "README.md"}
FILES = sorted(
    p.relative_to(CORPUS).as_posix()
    for p in CORPUS.rglob("*")
    if p.is_file() and p.name not in NOT_DATA
)
GROUPS = sorted({f.split("/")[0] for f in FILES})

# --- what each file must turn into ----------------------------------------------------------

#: Sniffed media type by extension; a file whose bytes are something else says so in MEDIA.
MEDIA_BY_EXT = {
    ".eml": sniff.EML,
    ".msg": sniff.MSG,
    ".pdf": sniff.PDF,
    ".jpg": sniff.JPEG,
    ".png": sniff.PNG,
    ".gif": sniff.GIF,
    ".webp": sniff.WEBP,
    ".tif": "image/tiff",
    ".xlsx": sniff.XLSX,
    ".docx": sniff.DOCX,
    ".hwp": sniff.HWP,
    ".hwpx": sniff.HWPX,
    ".csv": sniff.CSV,
    ".txt": sniff.TEXT,
}
MEDIA = {
    # Encrypted Office files are OLE2 containers, not zips: no OOXML type can be claimed.
    "sheet/poi-protected-passtika.xlsx": sniff.OLE2,
    "doc/poi-password-is-pass.docx": sniff.OLE2,
    # One header line and a body: too little to call it a message; it is still imported.
    "eml/bad-encoded-subject.eml": sniff.TEXT,
    # A fuzzed file ("Fro :uMmlti …") with stray 8-bit bytes: text, but not a message.
    "eml/dovecot-malformed-019.eml": sniff.TEXT,
}


@dataclasses.dataclass(frozen=True)
class Mail:
    """What an e-mail must decode to: text in the subject, the attachments shown with it, text
    in the body (None: not checked)."""

    subject: str
    attachments: int = 0
    body: str | None = None
    #: The source file's own bytes are mojibake: kept exactly as received, not "repaired".
    garbled_source: bool = False


MAIL = {
    "eml/bad-encoded-subject.eml": Mail("TEST", 0, "TEST"),
    # The fixture is UTF-8 of Big5 bytes once read as Latin-1 ("¤j®a»¡…"), in its subject and
    # its body (labelled big5): that is what the file says, so it is shown as received.
    "eml/big5-html-empty-cte.eml": Mail("4d8119", 0, "Yahoo!", garbled_source=True),
    "eml/dovecot-malformed-021.eml": Mail("test multipart, related first", 1, "áóúäöüß"),
    "eml/enclosed-message.eml": Mail("The enclosing message", 1),
    "eml/encoding-madness.eml": Mail("eBay Bid - 2008 Ford Super Duty", 0, "Body Text"),
    "eml/enmime-bad-final-boundary.eml": Mail("Attachment", 1, "A text section"),
    "eml/enmime-malformed-base64-attach.eml": Mail("Attachment", 1, "A text section"),
    "eml/enmime-mime-bad-8bit-filename.eml": Mail("Malformed test", 1, "Text part"),
    "eml/enmime-quoted-printable-mime.eml": Mail("MIME Quoted Printable", 0, "Lorem ipsum"),
    "eml/euc-kr-body-mixed-subject.eml": Mail('Re: Test: "漢字" mid "漢字" tail', 0, "제 이름은"),
    "eml/euc-kr-subject-base64.eml": Mail("NOTE: 한국말로 하는 것", 0, "우리는 하나님을 믿습니다"),
    "eml/gb2312-short.eml": Mail("代开各地增值税发票", 0, "我公司可代开各类增值税发票"),
    "eml/gb2312-spam.eml": Mail("我把镜头拉近些", 0, "go2buy.com.cn"),
    "eml/illegal-boundary.eml": Mail("Testing outlook", 0, "This is an outlook test"),
    "eml/iso-2022-jp-attachment-long-name.eml": Mail("まみむめも", 1),
    "eml/iso-2022-jp-body.eml": Mail("まみむめも", 0, "すみません。"),
    "eml/iso-2022-jp-mimekit.eml": Mail("日本語メールテスト", 0, "正常に"),
    "eml/iso-8859-15-groupwise.eml": Mail("GroupwiseForwardingTest", 1),
    "eml/koi8-r-multipart.eml": Mail("Lyrics", 0),
    "eml/koi8-r-nested-multipart.eml": Mail("Lyrics", 0),
    "eml/koi8-r-qp-with-tnef.eml": Mail("rr test 7", 1, "шостий"),
    "eml/ks_c_5601-1987-8bit.eml": Mail("test", 0, "스티해"),
    "eml/message-rfc822-attached.eml": Mail("testing", 1, "This is the first part."),
    "eml/nested-attachment.eml": Mail("Testing attachments", 2, "a test of an attachment"),
    "eml/pdf-attachment-non-ascii-name.eml": Mail("Another PDF with 🎉 Unicode chars", 1),
    "eml/rfc6532-utf8-headers.eml": Mail("Säying Hello", 0, "body"),
    "eml/shift_jis-8bit.eml": Mail("test", 0, "このメールはテスト用のメールです。"),
    "eml/tika-png-attachment.eml": Mail("Test Attachment Email", 1, "PNG attachment"),
    # The uuencoded part of this fixture is empty: nothing to store, and it says so.
    "eml/x-uuencode.eml": Mail("PGP Comments on RTO West", 0, "Public Generating Pool"),
    "msg/msgreader-nonunicode-cp932.msg": Mail("日本語 Non Unicode タイトル", 0, "本文"),
    "msg/poi-ascii-cp1251-lcid1049.msg": Mail("Subject автоматически Subject", 0, "Body"),
    "msg/poi-ascii-utf8-cp1252-lcid1031.msg": Mail("Subject öäü Subject", 0, "Body öäü"),
    "msg/poi-attachment-msg-pdf.msg": Mail("test email", 2, "1 msg attachment, 1 pdf"),
    "msg/poi-chinese-traditional.msg": Mail("MSG 格式測試", 0, "中文測試"),
    "msg/poi-clusterfuzz-broken.msg": Mail("QuickBrownFox", 0, "lazy brown dog"),
    "msg/poi-cyrillic.msg": Mail("Автоматический ответ подсистемы", 0, "Ваше сообщение"),
    "msg/poi-example-received-regular.msg": Mail("This is a test message", 1, "quick brown"),
    # The same message (same Message-ID) as -regular saved as Unicode: recognised as the same
    # correspondence, whose attachment it shows.
    "msg/poi-example-received-unicode.msg": Mail("This is a test message", 1, "quick brown"),
    "msg/poi-htmlbody-binary-cp1251.msg": Mail("Subject", 0, "HTML автоматически"),
    "msg/tika-msg-forwarded.msg": Mail("FW: Testing", 0, "Forwarded Body"),
}

#: Spreadsheets whose columns make a ledger: (key, amount). Reconciled against itself through
#: ``tracker reconcile`` every key must match.
LEDGERS = {
    "sheet/tika-test-columnar.csv": ("Record Number", "Square of the Record Number"),
}

#: Files that fail today, with the step and the error; strict, so a fix shows up.
KNOWN: dict[str, str] = {}

#: Spreadsheets that crash ``tracker audit-data`` instead of a report or a clear refusal.
CLI_KNOWN: dict[str, str] = {}

# --- the run --------------------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    name: str
    error: str = ""  # "<step>: <exception summary>" of the first step that failed
    media_type: str = ""
    evidence_ids: list[int] = dataclasses.field(default_factory=list)
    subject: str | None = None
    body: str = ""
    attachments: list[str] = dataclasses.field(default_factory=list)
    problems: str = ""
    dossier: str = ""  # the matter whose dossier holds this file
    pdf_text: str = ""


def _summary(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = next((f for f in reversed(frames) if "/tracker/" in f.filename), None)
    place = f" at {Path(where.filename).name}:{where.lineno} {where.name}" if where else ""
    first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}{place}"


def _record(app, owner, matter, names: list[str], outcomes: dict[str, Outcome]) -> None:
    """Upload each file as a user does, then label every exhibit of the matter."""
    vault = app.extensions["tracker.vault"]
    engine = app.extensions["tracker.engine"]
    for name in names:
        out = outcomes.setdefault(name, Outcome(name))
        try:
            with Session(engine, expire_on_commit=False) as s:
                with (CORPUS / name).open("rb") as fh:
                    (result,) = evidence.add_files(
                        session=s,
                        vault=vault,
                        actor=owner,
                        matter_id=matter.id,
                        uploads=[evidence.Upload(Path(name).name, fh)],
                    )
                if result.error:
                    out.error = f"import: {result.error}"
                    continue
                item = result.evidence
                out.media_type, out.problems = item.media_type, "\n".join(result.problems)
                out.evidence_ids = [item.id]
                if result.correspondence is not None:
                    c = s.get(Correspondence, result.correspondence.id)
                    out.subject, out.body = c.subject, c.body_text
                    # What the correspondence page shows: the files imported with it or
                    # linked to it (an attachment already in the matter must be linked too).
                    children = [
                        e
                        for e in evidence.exhibits_for(s, matter.id, "correspondence", c.id)
                        if e.parent_id is not None
                    ]
                    out.attachments = [e.display_name for e in children]
                    out.evidence_ids += [e.id for e in children]
                for evidence_id in out.evidence_ids:
                    if s.get(Evidence, evidence_id).label_number is None:
                        evidence.mark_for_production(
                            session=s, actor=owner, matter_id=matter.id, evidence_id=evidence_id
                        )
        except Exception as exc:  # noqa: BLE001 - any failure is this file's finding
            out.error = f"import: {_summary(exc)}"


#: The cheaper dossier of one file: its letter (subject, sender) and its exhibit, no more.
ONE_FILE_SECTIONS = ["correspondence", "evidence_statement"]


def _build(app, owner, matter, sections: list[str] | None = None) -> tuple[str, str]:
    """Build, verify and open the matter's dossier: ("", text) or (error, "")."""
    engine = app.extensions["tracker.engine"]
    settings = app.config["TRACKER"]
    vault = app.extensions["tracker.vault"]
    step = "build"
    try:
        with Session(engine, expire_on_commit=False) as s:
            row = dossiers.request_build(
                session=s,
                actor=owner,
                matter_id=matter.id,
                purpose="internal",
                lang="ko",
                sections=sections,
            )
        dossiers.run_build(engine=engine, vault=vault, settings=settings, dossier_id=row.id)
        # Read the row afresh: what run_build returns on failure can be a stale copy.
        with Session(engine, expire_on_commit=False) as s:
            row = s.get(Dossier, row.id)
        if row.status != "done":
            return f"build: dossier {row.status}: {row.error}", ""
        step = "verify"
        with vault.open(row.sha256) as fh:
            pdf = fh.read()
        with Session(engine) as s:
            report = dossiers.verify_file(s, pdf, settings)
        if not report["ok"]:
            return f"verify: {json.dumps(report, default=str)[:400]}", ""
        step = "open"
        reader = PdfReader(io.BytesIO(pdf))
        if len(reader.pages) != row.page_count:
            return f"open: {len(reader.pages)} pages, the row says {row.page_count}", ""
        inside = {x["evidence_id"] for x in json.loads(row.exhibits)}
        with Session(engine) as s:
            labelled = {
                e.id for e in evidence.list_for_matter(s, matter.id) if e.label_number is not None
            }
        if inside != labelled:
            return f"open: exhibits inside {sorted(inside)}, labelled {sorted(labelled)}", ""
        step = "text"
        shown = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode("utf-8", "replace")
        return "", shown
    except Exception as exc:  # noqa: BLE001 - any failure is this dossier's finding
        return f"{step}: {_summary(exc)}", ""


def run_corpus(app, names: list[str] | None = None) -> dict[str, Outcome]:
    """Record and build every corpus file (or ``names``) in ``app``; one outcome per file."""
    names = names if names is not None else FILES
    engine = app.extensions["tracker.engine"]
    with Session(engine, expire_on_commit=False) as s:
        owner = make_user(s, email="corpus@example.com", name="말뭉치")
    outcomes: dict[str, Outcome] = {}
    n = 0
    for group in sorted({f.split("/")[0] for f in names}):
        members = [f for f in names if f.split("/")[0] == group]
        n += 1
        with Session(engine, expire_on_commit=False) as s:
            matter = make_matter(s, owner, title=f"말뭉치 {group}", reference=f"C-{n:03d}")
        _record(app, owner, matter, members, outcomes)
        error, shown = _build(app, owner, matter)
        if not error:
            for name in members:
                outcomes[name].dossier, outcomes[name].pdf_text = matter.reference, shown
            continue
        # The folder's dossier failed: one matter and one dossier per file names the culprit.
        for name in members:
            if outcomes[name].error:
                continue
            n += 1
            with Session(engine, expire_on_commit=False) as s:
                single = make_matter(s, owner, title=f"말뭉치 {name}", reference=f"C-{n:03d}")
            _record(app, owner, single, [name], outcomes)
            if outcomes[name].error:
                continue
            error, shown = _build(app, owner, single, ONE_FILE_SECTIONS)
            outcomes[name].error = error
            outcomes[name].dossier, outcomes[name].pdf_text = single.reference, shown
    return outcomes


# --- fixtures: one app and one run per database for the whole module ------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def corpus_app(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"corpus-{request.param}")
    if request.param == "sqlite":
        path = root / "tracker.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
        _truncate(url)
    app = create_app(
        {
            "instance_dir": root / "instance",
            "database_url": url,
            "storage_dir": root / "instance" / "vault",
            "secret_key": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )
    yield app
    app.extensions["tracker.engine"].dispose()
    if request.param != "sqlite":
        _truncate(url)


def _truncate(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="module")
def corpus(corpus_app) -> dict[str, Outcome]:
    return run_corpus(corpus_app)


# --- the tests ------------------------------------------------------------------------------

#: Replacement characters, C1 controls, or a Latin-1 sign next to a Latin-1 letter or sign:
#: bytes read in the wrong code page (Big5 read as Latin-1 gives "¤j®a»¡", UTF-8 "Ã©").
#: Runs of accented letters alone (German "öäü") are fine.
GARBLED = re.compile(
    "[\ufffd\u0080-\u009f]|[\u00a1-\u00bf][\u00a1-\u00ff]|[\u00c0-\u00ff][\u00a1-\u00bf]"
)


def _params():
    for name in FILES:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN[name])] if name in KNOWN else []
        yield pytest.param(name, id=name, marks=marks)


def test_corpus_is_small_and_every_file_has_a_source():
    sources = (CORPUS / "SOURCES").read_text(encoding="utf-8")
    listed = {
        line.split("\t")[0].strip()
        for line in sources.splitlines()
        if line.strip() and not line.startswith("#")
    }
    missing = [f for f in FILES if f not in listed and f.split("/")[0] + "/" not in listed]
    assert not missing, f"add these to tests/corpus/SOURCES: {missing}"
    assert len(FILES) >= 60
    assert sum((CORPUS / f).stat().st_size for f in FILES) < 8 * 1024 * 1024


@pytest.mark.parametrize("name", list(_params()))
def test_corpus_file_survives_import_dossier_and_verify(corpus, name):
    out = corpus[name]
    assert not out.error, out.error
    expected = MEDIA.get(name) or MEDIA_BY_EXT[Path(name).suffix.lower()]
    assert out.media_type == expected, f"sniffed as {out.media_type}"
    # The dossier holds this file, and shows its label.
    assert out.dossier and out.pdf_text
    mail = MAIL.get(name)
    if mail is None:
        return
    assert out.subject is not None, f"not imported as an e-mail: {out.problems}"
    assert mail.subject in out.subject, out.subject
    # The dossier lists the letter under its decoded subject.
    shown = " ".join(out.pdf_text.split())
    assert " ".join(out.subject.split())[:12] in shown, out.subject
    checked = () if mail.garbled_source else (out.subject, out.body)
    for value in (*checked, *out.attachments):
        assert not GARBLED.search(value), f"garbled: {value[:200]!r}"
    assert len(out.attachments) == mail.attachments, (out.attachments, out.problems)
    if mail.body is not None:
        assert mail.body in out.body, out.body[:300]


def _cli_params():
    for name in (f for f in FILES if f.startswith("sheet/")):
        marks = (
            [pytest.mark.xfail(strict=True, reason=CLI_KNOWN[name])] if name in CLI_KNOWN else []
        )
        yield pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", list(_cli_params()))
def test_corpus_spreadsheet_through_audit_data_and_reconcile(name, tmp_path):
    """``tracker audit-data`` gives a report or a clear refusal (exit 2), never a traceback;
    a ledger reconciled against itself through ``tracker reconcile`` matches every key."""
    from click.testing import CliRunner

    from tracker.reconcile.commands import audit_data_command, reconcile_command

    path = str(CORPUS / name)
    runner = CliRunner()
    result = runner.invoke(
        audit_data_command,
        [path, "--profile", "merchants", "--json", "--out", str(tmp_path / "audit")],
    )
    assert result.exit_code in (0, 2), f"{type(result.exception).__name__}: {result.exception}"
    if result.exit_code == 0:
        report = json.loads(result.stdout)
        assert report["rows"] >= 1
    else:
        assert "Error: " in result.output and "0 sheets" not in result.output, result.output
    if name not in LEDGERS:
        return
    key, amount = LEDGERS[name]
    result = runner.invoke(
        reconcile_command,
        [path, path, "--key", key, "--amount", amount, "--json", "--out", str(tmp_path / "r")],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["matched"] == summary["left"]["keys"] > 0
    assert summary["mismatched"] == summary["only_left"] == summary["only_right"] == 0
