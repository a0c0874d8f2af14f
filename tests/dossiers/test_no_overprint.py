"""Tables never overprint (issue 10, point 11).

The demo matter is recorded through the services (``tracker demo``), its civil (ko), criminal
(ko) and criminal (en) dossiers are built through the CLI, and every page of each PDF is read
back word by word: no two word boxes on a page may overlap. Before the fix the weekday of
every date in the correspondence table ran into the next column (``(금발신``, ``(FriOut``) and
"Meeting" broke as ``Meetin/g``.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.dossiers import pdfboxes
from tracker.dossier.wording import labels_for
from tracker.models import Correspondence, Matter, User
from tracker.services.dossiers import WORDS

pytestmark = pytest.mark.xdist_group("dossier")

DOSSIERS = [("civil", "ko"), ("criminal", "ko"), ("criminal", "en")]


@pytest.fixture
def demo_dossiers(runner, session, tmp_path):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    admin = session.exec(select(User).where(User.email == "admin@example.com")).one()
    built = {}
    for purpose, lang in DOSSIERS:
        out = tmp_path / f"{purpose}-{lang}.pdf"
        result = runner.invoke(
            args=[
                "dossier",
                "build",
                "--matter",
                "2022-법무-001",
                "--purpose",
                purpose,
                "--lang",
                lang,
                "--out",
                str(out),
                "--as",
                admin.email,
                "--unsigned",
                "--at",
                "2022-03-02T09:00+09:00",
            ]
        )
        assert result.exit_code == 0, result.output
        built[purpose, lang] = out
    session.commit()  # end this read so later queries see what the CLI committed
    return built


def test_no_two_words_overlap_on_any_page_of_the_demo_dossiers(demo_dossiers, session):
    matter = session.exec(select(Matter).where(Matter.reference == "2022-법무-001")).one()
    letters = session.exec(
        select(Correspondence).where(Correspondence.matter_id == matter.id)
    ).all()
    assert letters
    for (purpose, lang), path in demo_dossiers.items():
        pages = pdfboxes.pages(path)
        assert len(pages) > 10
        for page in pages:
            pairs = pdfboxes.overlaps(page.words)
            assert not pairs, f"{purpose}/{lang} page {page.number}: {pdfboxes.describe(pairs)}"

        # The correspondence table: the pages with its column heading.
        heading = labels_for(lang)["letter.direction"]
        table = [p for p in pages if heading in {w.text for w in p.words}]
        assert table, f"{purpose}/{lang}: no correspondence table"
        words = [w for p in table for w in p.words]
        texts = {w.text for w in words}
        # Every kind and direction of the recorded letters prints as whole words.
        for letter in letters:
            kind = WORDS[lang].get(letter.channel, letter.channel)
            for word in kind.split():
                assert word in texts, f"{purpose}/{lang}: {kind!r} broken: {sorted(texts)}"
        out_word, in_word = ("발신", "수신") if lang == "ko" else ("Out", "In")
        assert {out_word, in_word} <= texts
        # Each date (with its weekday, where the style prints one) keeps one line of the date
        # column: as many lines there as letters.
        date_lines = set()
        for p in table:
            head = next(w for w in p.words if w.text == heading)
            footer = p.height - 57  # the stamped footer, 20 mm from the bottom edge
            column = [w for w in p.words if w.x1 <= head.x0 and head.y1 < w.y0 < footer]
            date_lines |= {(p.number, round(w.y0)) for w in column}
        assert len(date_lines) == len(letters), f"{purpose}/{lang}: a date wrapped"
