"""Fixtures: the demo matter (Seoul Love Gift Certificate handover) built into real PDFs.

The matter is recorded through the services into a scratch database (``dossier.demo``), with
three more exhibits uploaded and labelled as a user would (a Korean letter whose second page
is turned, a PNG filed as a branch of 갑 제3호증, an archive nothing can print); each context is
what ``services.dossiers.build_context`` makes of it. Builds are slow-ish (about a second
each), so each purpose is built once per session and the tests read the same bytes.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image
from weasyprint import HTML

from tracker.dossier import build_dossier
from tracker.dossier.demo import RecordedDemo, record_demo
from tracker.services import evidence


def page_texts(pdf_bytes: bytes, tmp_path: Path, *, layout: bool = True) -> list[str]:
    """Text of every page, as pdftotext extracts it (form feed separates pages)."""
    path = tmp_path / "extract.pdf"
    path.write_bytes(pdf_bytes)
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    text = subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8")
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _korean_pdf(path: Path) -> None:
    """A two-page Korean letter rendered by WeasyPrint; the second page is turned 90°."""
    html = (
        "<style>@page{size:A4;margin:25mm}body{font-family:'NanumGothic'}</style>"
        "<h1>한국간편결제진흥원 회신</h1>"
        "<p>귀 시의 자료 이관 요구에 대하여 다음과 같이 회신합니다.</p>"
        "<p style='break-before:page'>붙임: 정산 내역</p>"
    )
    pdf = pikepdf.open(io.BytesIO(HTML(string=html).write_pdf()))
    pdf.pages[1].obj.Rotate = 90
    pdf.save(path, deterministic_id=True)


def _png(path: Path) -> None:
    image = Image.new("RGBA", (300, 200), (250, 250, 240, 255))
    for x in range(0, 300, 20):
        for y in range(0, 200, 20):
            image.putpixel((x, y), (10, 40, 120, 128))
    image.save(path, "PNG")


@pytest.fixture(scope="session")
def exhibit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exhibits")
    _korean_pdf(folder / "korean-letter.pdf")
    _png(folder / "merchant-map.png")
    return folder


#: Scale keywords of ``record_demo``; the others go to ``RecordedDemo.context``.
_SCALE = ("facts", "letters", "exhibits", "pdf_pages", "detail")


def recorded_demo(exhibit_dir: Path, **scale: Any) -> RecordedDemo:
    """The demo matter plus the three test exhibits, recorded once per folder and scale."""
    demo = record_demo(exhibit_dir, **scale)
    with demo.session() as session:
        titles = {e.title for e in evidence.list_for_matter(session, 1)}
    if "한결원 2차 회신 공문" not in titles:
        archive = exhibit_dir / "원본 자료 묶음.zip"
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.writestr("readme.txt", "merchant data, as delivered")
        demo.add_exhibit(
            archive,
            title="원본 자료 묶음",
            author="한국간편결제진흥원",
            made_on=date(2022, 1, 14),
            proves="넘겨받은 원본 파일 일체",
            original=False,
        )
        demo.add_exhibit(
            exhibit_dir / "korean-letter.pdf",
            title="한결원 2차 회신 공문",
            author="한국간편결제진흥원",
            made_on=date(2022, 1, 20),
            proves="조건부 제공 의사 표시",
        )
        demo.add_exhibit(
            exhibit_dir / "merchant-map.png",
            title="가맹점 분포도",
            author="서울특별시",
            made_on=date(2022, 1, 20),
            proves="영향받는 가맹점의 분포",
            branch_of_number=3,
        )
    return demo


def make_context(exhibit_dir: Path, **overrides: Any) -> dict[str, Any]:
    """The recorded demo's context: 갑 제1호증–제9호증, with 갑 제3호증의 1 and 의 2 (the PNG),
    갑 제8호증 an archive and 갑 제9호증 the Korean letter. ``purpose``, ``lang`` and
    ``generated_at`` choose the dossier; ``facts``, ``letters``, ``exhibits``… scale it."""
    scale = {k: overrides.pop(k) for k in _SCALE if k in overrides}
    return recorded_demo(exhibit_dir, **scale).context(**overrides)


@pytest.fixture(scope="session")
def civil_context(exhibit_dir: Path) -> dict[str, Any]:
    return make_context(exhibit_dir)


@pytest.fixture(scope="session")
def civil_build(civil_context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("work-civil")
    return build_dossier(civil_context, out_path=None, signer=None, workdir=workdir, workers=1)


@pytest.fixture(scope="session")
def criminal_build(exhibit_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    context = make_context(exhibit_dir, purpose="criminal")
    workdir = tmp_path_factory.mktemp("work-criminal")
    return build_dossier(context, out_path=None, signer=None, workdir=workdir, workers=1)
