"""Korean typesetting of the demo dossiers, read off the built PDF (issue 10, item 10) and the
demo's finished bundle (item 13).

The dossiers are built by the CLI from the demo matter (recorded through the services). The
words each line of the PDF ends with are compared with the words of the text the dossier was
built from (its registered snapshot, rendered again): a line may only end where that text has
a space (or after a 가운뎃점, which joins the words of a list).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import importlib
import io
import json
import pkgutil
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader
from sqlmodel import select

import tracker.dossier
from tracker.dossier.html import render_parts
from tracker.dossier.typeset import keep_words, plain
from tracker.models import Dossier, Evidence, EvidenceLink, User

pytestmark = pytest.mark.xdist_group("dossier")

_XHTML = "{http://www.w3.org/1999/xhtml}"
HANGUL = re.compile("[\uac00-\ud7a3\u4e00-\u9fff]")
#: Punctuation a word may carry at either end in one place and not in another.
HASH = re.compile(r"[0-9a-f]{16}")
#: The page number the final pass draws in the footer ("3 / 25쪽").
FOOTER = re.compile(r"\d+쪽")
EDGE = "()[]{}「」『』<>“”‘’\"',.:;!?·…—–-/"


@pytest.fixture
def demo(runner, session):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    admin = session.exec(select(User).where(User.email == "admin@example.com")).one()
    session.commit()
    return admin


def build(runner, session, tmp_path, admin, purpose, lang="ko"):
    out = tmp_path / f"{purpose}-{lang}.pdf"
    args = ["dossier", "build", "--matter", "2022-법무-001", "--purpose", purpose]
    args += ["--lang", lang, "--out", str(out), "--as", admin.email]
    result = runner.invoke(args=[*args, "--at", "2022-03-02T09:00+09:00"])
    assert result.exit_code == 0, result.output
    session.rollback()
    row = session.exec(select(Dossier).order_by(Dossier.id.desc())).first()
    return out, row


def lines_of(pdf: Path, first: int, last: int) -> list[tuple[int, float, list[str]]]:
    """(page, top, words) of every text line poppler finds on pages first..last."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", str(first), "-l", str(last), str(pdf), "-"],
        capture_output=True,
        check=True,
    ).stdout
    root = ElementTree.fromstring(out)  # noqa: S314 - poppler's output for our own PDF
    result = []
    for number, page in enumerate(root.iter(_XHTML + "page"), start=first):
        for line in page.iter(_XHTML + "line"):
            words = [w.text or "" for w in line.iter(_XHTML + "word")]
            if words:
                result.append((number, float(line.get("yMin")), words))
    return result


def generated_pages(row: Dossier, session) -> list[int]:
    """Pages we typeset: all but the exhibits' own pages (PDFs and images as received)."""
    inside = sorted(json.loads(row.exhibits), key=lambda x: x["start_page"])
    theirs: set[int] = set()
    for index, x in enumerate(inside):
        media = session.get(Evidence, x["evidence_id"]).media_type
        end = inside[index + 1]["start_page"] if index + 1 < len(inside) else row.page_count + 1
        if media == "application/pdf" or media.startswith("image/"):
            theirs.update(range(x["start_page"], end))
    return [p for p in range(1, row.page_count + 1) if p not in theirs]


class Source:
    """Every word (text between spaces) the dossier was typeset from: its registered snapshot
    rendered again, our fixed wording (placeholders match anything), the cover's signature
    note, and the cells of the data exhibits it prints as tables."""

    def __init__(self, row: Dossier, files: Path) -> None:
        context = json.loads(row.snapshot)
        context["generated_at"] = dt.datetime.fromisoformat(context["generated_at"])
        for exhibit in context["exhibits"]:
            exhibit["path"] = "unused"
        parts, _ = render_parts(context, notes_for=lambda exhibits: list(exhibits))
        texts = [plain(html.unescape(re.sub(r"<[^>]*>", " ", p.html))) for p in parts]
        for path in files.iterdir():
            if path.suffix == ".csv":
                data = path.read_bytes()
                try:
                    decoded = data.decode("utf-8")
                except UnicodeDecodeError:
                    decoded = data.decode("cp949")
                texts += [cell for cells in csv.reader(io.StringIO(decoded)) for cell in cells]
        self.words = {w for text in texts for w in text.split()}
        self.words |= {w.strip(EDGE) for w in self.words}
        fixed = {w for text in fixed_wording() for w in text.split()}
        self.patterns = [
            re.compile(".+".join(re.escape(bit) for bit in re.split(r"\{\w+\}", w)))
            for w in fixed
            if "{" in w and HANGUL.search(w)
        ]
        self.words |= {w for w in fixed if "{" not in w}
        self.words |= {w.strip(EDGE) for w in self.words}

    def __contains__(self, word: str) -> bool:
        if word in self.words or any(p.fullmatch(word) for p in self.patterns):
            return True
        # The rest of a list of words broken after one of its dots (…·주소·연락처·업종)).
        return any(w.endswith(dot + word) for w in self.words for dot in "·‧・")


def fixed_wording() -> list[str]:
    """Every string of the dossier engine's own wording tables (labels, terms, notes)."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, (tuple, list)):
            for item in value:
                walk(item)

    for module in pkgutil.iter_modules(tracker.dossier.__path__):
        loaded = importlib.import_module(f"tracker.dossier.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, Mapping) and not isinstance(value, type):
                walk(value)
    return found


def mid_word_breaks(pdf: Path, pages: list[int], source: Source) -> list[str]:
    """Lines that end inside a Korean word: the line's last word and the next line's first
    word are the two halves of one word of the source, or the last word is no word of it."""
    found = []
    lines = [line for page in pages for line in lines_of(pdf, page, page)]
    for (page, top, line), after in zip(lines, [*lines[1:], (0, 0.0, [""])], strict=True):
        last = line[-1]
        if not HANGUL.search(last) or FOOTER.fullmatch(last) or last[-1] in "·‧・":
            continue  # a list of words may break after its dots
        below = after[0] == page and after[1] > top + 1
        if below and (last + after[2][0]).strip(EDGE) in source.words:
            found.append(f"p{page}: …{last} / {after[2][0]}…")
        elif all(len(w) == 1 for w in line):
            continue  # letter-spaced heading (증 거 설 명 서): one word per character
        elif last not in source and last.strip(EDGE) not in source:
            found.append(f"p{page}: …{last}| (no such word)")
    return found


def test_keep_words_joins_korean_words_and_leaves_markup_alone():
    markup = (
        '<html><head><title>사건</title></head><body><p class="x">대조하면 營業秘密 A&amp;B한'
        "</p><p>관리번호 · 사건명 2021. 12. 3. 갑 제3호증의 2</p><svg><text>가나</text></svg>"
    )
    kept = keep_words(markup)
    assert plain(kept) == markup  # only joiners added, never a tag or a character
    assert "대\u2060조\u2060하\u2060면" in kept and "營\u2060業\u2060秘\u2060密" in kept
    assert "A\u2060&amp;\u2060B\u2060한" in kept  # an entity is one character, kept whole
    assert " \u2060· " in kept  # a separator never starts a line
    assert "2021. \u206012. \u20603." in kept and "갑 \u2060제" in kept and "의 \u20602" in kept
    assert "<title>사건</title>" in kept and "<text>가나</text>" in kept


@pytest.mark.parametrize("purpose", ["civil", "criminal"])
def test_court_dossier_lines_end_between_words(app, runner, session, demo, tmp_path, purpose):
    pdf, row = build(runner, session, tmp_path, demo, purpose)
    pages = generated_pages(row, session)
    assert len(pages) >= 8
    found = mid_word_breaks(
        pdf, pages, Source(row, app.config["TRACKER"].instance_dir / "demo-files")
    )
    assert found == [], "\n".join(found[:60])
    # No line starts with a separator.
    starts = [line[0] for page in pages for _, _, line in lines_of(pdf, page, page)]
    assert not [w for w in starts if w[:1] in "·‧・"]
    # Body text is 10.5–12 pt: most of the text of the cover, contents and sections (before
    # the first exhibit), by characters; running heads, footers and hashes are smaller.
    sizes: dict[float, int] = {}
    reader = PdfReader(pdf)
    first_exhibit = min(x["start_page"] for x in json.loads(row.exhibits))
    for number in range(1, first_exhibit):

        def visit(text, cm, tm, _font, size):
            scale = abs(cm[3] * tm[3]) or 1
            if text.strip() and not HASH.search(text):  # hashes are codes, not body text
                key = round(size * scale, 1)
                sizes[key] = sizes.get(key, 0) + len(text.strip())

        reader.pages[number - 1].extract_text(visitor_text=visit)
    total = sum(sizes.values())
    body = sum(n for size, n in sizes.items() if 10.4 <= size <= 12.1)
    assert body / total > 0.8, sorted(sizes.items())
    # Court date style: 2021. 12. 3. — not the ISO form with a weekday.
    text = "\n".join(reader.pages[n - 1].extract_text() for n in pages)
    assert "2021. 12. 3." in text and "2022. 2. 28." in text
    assert "2021-12-03" not in text and "2022-01-10 (월)" not in text
    assert "(단위: 원)" in text  # the reported figures are amounts in won


def test_demo_bundle_cites_its_exhibits(runner, session, demo, tmp_path):
    """The demo's facts cite their exhibits and its letters carry theirs, through the same
    links a user makes; loading the demo again adds none."""
    links = session.exec(select(EvidenceLink)).all()
    kinds = {(link.target_type) for link in links}
    assert kinds == {"fact", "correspondence"} and len(links) >= 12
    assert runner.invoke(args=["demo"]).exit_code == 0
    session.rollback()
    assert len(session.exec(select(EvidenceLink)).all()) == len(links)
    pdf, row = build(runner, session, tmp_path, demo, "civil")
    snapshot = json.loads(row.snapshot)
    cited = [f for f in snapshot["facts"] if f["sources"]]
    carried = [c for c in snapshot["correspondence"] if c["exhibit_labels"]]
    assert len(cited) >= 7 and len(carried) >= 5
    assert {"갑 제5호증", "갑 제6호증"} <= {s for f in cited for s in f["sources"]}
    # The chronology and the correspondence register print the labels next to each row.
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(
        r"2022\. 1\. 10\..*한국간편결제진흥원.*가맹점 데이터 파일 송부.*갑 제7호증", text
    )
    assert re.search(r"2022\. 2\. 7\..*갑 제5호증", text)
