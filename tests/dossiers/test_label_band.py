"""The label stamp never covers the exhibit (issue 10, point 4).

Before, the white ``갑 제N호증`` box was drawn on top of the exhibit's first page, 10 mm below
its top edge, and hid whatever the document printed there (a 공문's 문서번호). Now every page of a
PDF exhibit is shrunk, centred and with its aspect ratio kept, so that a band at the top (the
label) and one at the bottom (the footer) hold none of its content.

Real PDFs go in through the services as a user uploads them: a letter with its document number
in the top-right corner, the corpus's rotated pages, a page with odd MediaBox/CropBox origins
(and content outside its CropBox that must stay hidden), and a tiny page. The dossier is built
as the worker builds it, and every exhibit page is rendered and compared with the exhibit's own
page rendered alone at the scale it was given: the exhibit's pixels are all there and unchanged,
the label and footer sit only in the bands, and all of the exhibit's text is still extracted.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageFilter

from tests.dossiers import pdfboxes
from tests.factories import make_matter, make_user
from tracker.dossier.assemble import EXHIBIT_BOTTOM_BAND, EXHIBIT_TOP_BAND
from tracker.dossier.exhibits import A4
from tracker.dossier.stamp import displayed_box, placement
from tracker.models import Dossier
from tracker.services import dossiers, evidence

pytestmark = pytest.mark.xdist_group("dossier")

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus" / "pdf"
FONT = ROOT / "tracker" / "static" / "fonts" / "NanumGothic.ttf"
AT = datetime(2022, 3, 2, 0, 0, tzinfo=UTC)
DPI = 90
#: The two renders are up to half a pixel apart and their glyphs are rasterised a little
#: differently: pixels are compared after a 3×3 box blur, and one may differ from the other by
#: this much (of 255) beyond the range of its 3×3 neighbourhood there. A label box over the
#: exhibit (black border, white fill over its ink) makes some two thousand pixels fail.
TOLERANCE = 32
#: Pixels allowed to fail on a page.
STRAY = 20


def letter_with_number_top_right() -> bytes:
    """A 공문 as an office prints it: the document number in the top-right corner, the page
    number at the bottom, as near the edges as the old label and footer were."""
    html = f"""<!doctype html><html><head><style>
      @font-face {{ font-family: Nanum; src: url({FONT.as_uri()}); }}
      @page {{ size: A4; margin: 0; }}
      body {{ font-family: Nanum; font-size: 11pt; margin: 0; }}
      .no {{ position: absolute; top: 11mm; right: 14mm; font-size: 10pt; }}
      .body {{ position: absolute; top: 40mm; left: 25mm; right: 25mm; }}
      .foot {{ position: absolute; bottom: 8mm; left: 0; right: 0; text-align: center; }}
    </style></head><body>
      <div class="no">문서번호 정산-2021-117</div>
      <div class="body"><h1>한국간편결제진흥원</h1><p>수신: 서울특별시장</p>
        <p>가맹점 정산 내역을 회신합니다. 붙임 자료의 합계와 대조하여 주십시오.</p></div>
      <div class="foot">- 1 -</div>
    </body></html>"""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def odd_boxes() -> bytes:
    """A corpus page moved so that its MediaBox starts at (-300, 250), cropped 10 pt inside
    that, turned by /Rotate 270, with a black strip between the CropBox and the MediaBox that
    no viewer shows (and the dossier must not either)."""
    pdf = pikepdf.open(CORPUS / "pypdf-indirect-rotation.pdf")
    del pdf.pages[1:]
    page = pdf.pages[0]
    page.contents_add(pdf.make_stream(b"q 1 0 0 1 -300 250 cm\n"), prepend=True)
    page.contents_add(pdf.make_stream(b"\nQ q 0 g -300 1033 612 9 re f Q\n"))
    page.obj.MediaBox = pikepdf.Array([-300, 250, 312, 1042])
    page.obj.CropBox = pikepdf.Array([-290, 260, 302, 1032])
    page.obj.Rotate = 270
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def shared_annotation() -> bytes:
    """The corpus page with a file attached by an annotation, twice: both pages point at the
    same annotation object (as some producers write it)."""
    pdf = pikepdf.open(CORPUS / "pypdf-attachment.pdf")
    pdf.pages.append(pdf.pages[0])
    assert pdf.pages[0].Annots[0].objgen == pdf.pages[1].Annots[0].objgen
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def render(path: Path, page: int, dpi: float, *, cropbox: bool = False) -> np.ndarray:
    prefix = path.with_name(f"{path.stem}-{page}-{dpi:.3f}")
    subprocess.run(
        ["pdftoppm", "-f", str(page), "-l", str(page), "-r", f"{dpi:.4f}", "-gray", "-png"]
        + (["-cropbox"] if cropbox else [])
        + ["-singlefile", str(path), str(prefix)],
        check=True,
        capture_output=True,
    )
    with Image.open(f"{prefix}.png") as image:
        return np.asarray(image.convert("L"), dtype=np.int16)


def mismatches(shown: np.ndarray, alone: np.ndarray) -> int:
    """Pixels of ``shown`` outside the 3×3 range of ``alone`` (± TOLERANCE), or the other way,
    both blurred first."""

    def blurred(a: np.ndarray) -> Image.Image:
        return Image.fromarray(a.astype(np.uint8)).filter(ImageFilter.BoxBlur(1))

    def spread(image: Image.Image) -> tuple[np.ndarray, np.ndarray]:
        low = np.asarray(image.filter(ImageFilter.MinFilter(3)), dtype=np.int16)
        high = np.asarray(image.filter(ImageFilter.MaxFilter(3)), dtype=np.int16)
        return low - TOLERANCE, high + TOLERANCE

    shown_image, alone_image = blurred(shown), blurred(alone)
    shown = np.asarray(shown_image, dtype=np.int16)
    alone = np.asarray(alone_image, dtype=np.int16)
    low, high = spread(alone_image)
    bad = (shown < low) | (shown > high)
    low, high = spread(shown_image)
    bad |= (alone < low) | (alone > high)
    return int(bad.sum())


@pytest.fixture
def owner(session):
    return make_user(session)


def upload(session, app, owner, matter, name: str, data: bytes) -> None:
    [result] = evidence.add_files(
        session=session,
        vault=app.extensions["tracker.vault"],
        actor=owner,
        matter_id=matter.id,
        uploads=[evidence.Upload(name, io.BytesIO(data))],
    )
    assert result.evidence is not None, result.error
    evidence.mark_for_production(
        session=session, actor=owner, matter_id=matter.id, evidence_id=result.evidence.id
    )


def test_the_label_and_footer_never_cover_an_exhibit_and_nothing_of_it_is_lost(
    app, session, owner, tmp_path
):
    files = {
        "정산회신.pdf": letter_with_number_top_right(),
        "hello-rotated.pdf": (CORPUS / "pdfjs-hello-world-rotated.pdf").read_bytes(),
        "rotation.pdf": (CORPUS / "pdfjs-rotation.pdf").read_bytes(),
        "multilang.pdf": (CORPUS / "pypdf-multilang.pdf").read_bytes(),
        "odd-boxes.pdf": odd_boxes(),
        "tiny.pdf": (CORPUS / "pdfjs-bad-pagelabels.pdf").read_bytes(),
        "attachment.pdf": shared_annotation(),
    }
    matter = make_matter(session, owner, label_scheme="gap")
    for name, data in files.items():
        upload(session, app, owner, matter, name, data)
        (tmp_path / name).write_bytes(data)
    row = dossiers.request_build(
        session=session, actor=owner, matter_id=matter.id, purpose="civil", lang="ko", at=AT
    )
    dossiers.run_build(
        engine=app.extensions["tracker.engine"],
        vault=app.extensions["tracker.vault"],
        settings=app.config["TRACKER"],
        dossier_id=row.id,
        sign=False,
    )
    session.rollback()
    session.expire_all()
    row = session.get(Dossier, row.id)
    assert row.status == "done", row.error
    bundle = tmp_path / "dossier.pdf"
    bundle.write_bytes(Path(app.extensions["tracker.vault"].path_hint(row.sha256)).read_bytes())
    with pikepdf.open(bundle) as out:
        shown_sizes = [displayed_box(page)[:2] for page in out.pages]
        manifest = json.loads(out.attachments["manifest.json"].get_file().read_bytes())
        inside = {x["filename"]: x for x in manifest["exhibits"]}
        first = inside["attachment.pdf"]["start_page"] - 1
        moved = [[float(v) for v in out.pages[n].Annots[0].Rect] for n in (first, first + 1)]
    assert set(inside) == set(files)
    assert {x["shown_as"] for x in inside.values()} == {"pdf"}
    words_of = {page.number: page for page in pdfboxes.pages(bundle)}
    scales = {}
    for name, exhibit in inside.items():
        original = tmp_path / name
        with pikepdf.open(original) as source:
            sizes = [displayed_box(page)[:2] for page in source.pages]
        own_words = pdfboxes.pages(original, cropbox=True)
        assert exhibit["pages"] == len(sizes)
        for index, (width, height) in enumerate(sizes):
            number = exhibit["start_page"] + index
            where = placement(
                width, height, top=EXHIBIT_TOP_BAND, bottom=EXHIBIT_BOTTOM_BAND, minimum=A4
            )
            scales[name, index] = where.scale
            page_w, page_h = shown_sizes[number - 1]
            assert (round(page_w, 1), round(page_h, 1)) == (
                round(where.width, 1),
                round(where.height, 1),
            )
            # The content's box: inside the page, clear of both bands, same aspect ratio.
            left, right = where.left, where.left + width * where.scale
            top = page_h - where.bottom - height * where.scale
            bottom = page_h - where.bottom
            assert 0 <= left and right <= page_w + 0.01
            assert top >= EXHIBIT_TOP_BAND - 0.01 and bottom <= page_h - EXHIBIT_BOTTOM_BAND + 0.01

            # Pixels: the content region is the exhibit's own page, as rendered alone...
            shown = render(bundle, number, DPI)
            alone = render(original, index + 1, DPI * where.scale, cropbox=True)
            x, y = round(left * DPI / 72), round(top * DPI / 72)
            h = min(alone.shape[0], shown.shape[0] - y)
            w = min(alone.shape[1], shown.shape[1] - x)
            region = shown[y : y + h, x : x + w]
            assert abs(alone.shape[0] - h) <= 1 and abs(alone.shape[1] - w) <= 1
            bad = mismatches(region, alone[:h, :w])
            assert bad <= STRAY, f"{name} p{index + 1}: {bad} pixels differ"
            assert alone.min() < 128, f"{name} p{index + 1}: the exhibit page is blank"

            # ...and outside it only the stamps print: the label in the top band of the first
            # page, the footer in the bottom band; nothing of the exhibit shows there.
            page = words_of[number]
            outside = [
                wd
                for wd in page.words
                if not (
                    left - 1 <= (wd.x0 + wd.x1) / 2 <= right + 1
                    and top - 1 <= (wd.y0 + wd.y1) / 2 <= bottom + 1
                )
            ]
            in_top = [wd for wd in outside if wd.y1 <= EXHIBIT_TOP_BAND]
            in_bottom = [wd for wd in outside if wd.y0 >= page_h - EXHIBIT_BOTTOM_BAND]
            assert len(in_top) + len(in_bottom) == len(outside), (name, outside)
            label = exhibit["label"].split() if index == 0 else []
            assert [wd.text for wd in in_top] == label
            assert in_bottom and f"{number}" in " ".join(wd.text for wd in in_bottom)
            blank = shown.copy()
            blank[y : y + h, x : x + w] = 255
            for wd in in_top + in_bottom:
                pad = 9 if wd in in_top else 2  # the label's box reaches 6 pt beyond its text
                x0, x1 = (round((v + d) * DPI / 72) for v, d in ((wd.x0, -pad), (wd.x1, pad)))
                y0, y1 = (round((v + d) * DPI / 72) for v, d in ((wd.y0, -pad), (wd.y1, pad)))
                blank[max(y0, 0) : y1, max(x0, 0) : x1] = 255
            assert blank.min() > 255 - TOLERANCE, f"{name} p{index + 1}: ink outside the content"

            # No text of the exhibit is lost, and none is printed over.
            own = Counter(wd.text for wd in own_words[index].words)
            kept = Counter(wd.text for wd in page.words if wd not in outside)
            assert not own - kept, f"{name} p{index + 1}: lost {own - kept}"
            # (An exhibit's own words may touch each other: rotated text comes out letter by
            # letter. What matters is that no stamp touches any of them.)
            stamped = [
                (a, b) for a, b in pdfboxes.overlaps(page.words) if a in outside or b in outside
            ]
            assert not stamped, f"{name} p{index + 1}: {pdfboxes.describe(stamped)}"

    # A4 and Letter pages keep their paper size and are shrunk by about a tenth; a tiny page
    # is put unscaled on an A4 page.
    assert 0.88 < scales["정산회신.pdf", 0] < 0.92
    assert 0.85 < scales["hello-rotated.pdf", 0] < 0.9  # Letter, turned: landscape
    assert scales["tiny.pdf", 0] == 1
    # An annotation moves with the content it sits on, clear of the label: the file attached
    # to the corpus page, its icon 18 pt from the top-left corner; once, though two pages
    # share it.
    scale, low = scales["attachment.pdf", 0], EXHIBIT_BOTTOM_BAND
    left = (612 - 612 * scale) / 2
    expected = [left + 18 * scale, low + 747 * scale, left + 45 * scale, low + 774 * scale]
    assert moved[0] == moved[1] == pytest.approx(expected, abs=0.01)
    assert moved[0][3] <= 792 - EXHIBIT_TOP_BAND  # a Letter page
    assert shown_sizes[inside["tiny.pdf"]["start_page"] - 1] == pytest.approx((A4[1], A4[0]))
