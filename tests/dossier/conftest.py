"""Fixtures: the demo matter (Seoul Love Gift Certificate handover) built into real PDFs.

Builds are slow-ish (about a second each), so each purpose is built once per session and the
tests read the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image
from weasyprint import HTML

from tracker.domain.exhibit_labels import format_label, scheme_for
from tracker.dossier import build_dossier
from tracker.dossier.demo import demo_context


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


def _add_exhibit(context: dict[str, Any], path: Path, **fields: Any) -> None:
    data = path.read_bytes()
    context["exhibits"].append(
        {
            "author": "서울특별시",
            "made_on": "2022-01-20",
            "original": True,
            "proves": "추가 증거",
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "path": path,
            **fields,
        }
    )


@pytest.fixture(scope="session")
def exhibit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exhibits")
    _korean_pdf(folder / "korean-letter.pdf")
    _png(folder / "merchant-map.png")
    return folder


def make_context(exhibit_dir: Path, **overrides: Any) -> dict[str, Any]:
    """The demo context plus a WeasyPrint Korean PDF (갑 제9호증) and a PNG (갑 제3호증의 1)."""
    context = demo_context(exhibit_dir, **overrides)
    scheme = scheme_for(context["purpose"], context["lang"], "plaintiff", working="gap")
    _add_exhibit(
        context,
        exhibit_dir / "korean-letter.pdf",
        label=format_label(scheme, 9),
        title="한결원 2차 회신 공문",
        author="한국간편결제진흥원",
        filename="한결원_2차_회신.pdf",
        media_type="application/pdf",
    )
    _add_exhibit(
        context,
        exhibit_dir / "merchant-map.png",
        label=format_label(scheme, 3, 1),
        title="가맹점 분포도",
        filename="가맹점_분포도.png",
        media_type="image/png",
    )
    return context


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
