"""The assembled bundle: text, page numbers, footers, labels, bookmarks, attachments, metadata."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pikepdf
import pytest

from tracker.dossier import build_dossier

from .conftest import make_context, page_texts

SECTION_TITLES = {
    "summary": "사건 개요",
    "chronology": "사실관계 연대표",
    "demands": "요구 사항과 회신",
    "correspondence": "주고받은 문서",
    "discrepancies": "수치 불일치와 자료 감사",
    "evidence_statement": "증거설명서",
}


@pytest.fixture(scope="module")
def texts(civil_build, tmp_path_factory):
    return page_texts(civil_build.pdf_bytes, tmp_path_factory.mktemp("text"))


def test_korean_text_survives_extraction(texts):
    everything = "\n".join(texts)
    assert "서울사랑상품권 판매대행 업무 이관·정산 분쟁" in everything
    assert "영업기밀" in everything
    assert "한국간편결제진흥원" in everything
    assert "갑 제1호증" in everything


def test_every_page_has_footer_with_x_of_y(civil_build, texts):
    total = civil_build.page_count
    assert len(texts) == total
    for number, text in enumerate(texts, start=1):
        assert f"{number} / {total}쪽" in text, f"page {number}"
        assert "D-2022-법무-001-0001" in text
        assert "작성 2022. 3. 3. 10:30" in text  # 01:30 UTC shown in KST, court style
        # A court filing carries no internal confidentiality mark (대외비 is for internal use).
        assert "대외비" not in text


def test_toc_numbers_point_at_section_pages(civil_build, texts):
    toc = texts[1]
    assert "목차" in toc
    for name, title in SECTION_TITLES.items():
        match = re.search(rf"\d\. {re.escape(title)}[ .]*?(\d+)\s*$", toc, re.MULTILINE)
        assert match, title
        page = int(match.group(1))
        assert page == civil_build.section_start_pages[name]
        assert title in texts[page - 1]


def test_toc_links_land_on_section_pages(civil_build):
    pdf = pikepdf.open(io.BytesIO(civil_build.pdf_bytes))
    page_numbers = {page.obj.objgen: index + 1 for index, page in enumerate(pdf.pages)}
    targets = [
        page_numbers[annot.Dest[0].objgen]
        for annot in pdf.pages[1].obj.Annots
        if annot.Subtype == "/Link"
    ]
    expected = set(civil_build.section_start_pages.values()) - {2}
    assert expected <= set(targets)
    assert set(civil_build.exhibit_start_pages.values()) <= set(targets)


def test_evidence_statement_lists_start_pages_and_hashes(civil_build, civil_context, texts):
    start = civil_build.section_start_pages["evidence_statement"]
    statement = "\n".join(texts[start - 1 : civil_build.exhibit_start_pages["갑 제1호증"] - 1])
    for exhibit in civil_context["exhibits"]:
        label = exhibit["label"]
        page = civil_build.exhibit_start_pages[label]
        row = re.search(rf"{re.escape(label)}\s.*?{exhibit['sha256'][:32]}\s+(\d+)", statement)
        assert row, label
        assert int(row.group(1)) == page


def test_exhibits_in_label_order_with_label_on_first_page(civil_build, texts):
    starts = civil_build.exhibit_start_pages
    order = sorted(starts, key=starts.get)
    assert order[:5] == [
        "갑 제1호증",
        "갑 제2호증",
        "갑 제3호증의 1",
        "갑 제3호증의 2",
        "갑 제4호증",
    ]
    assert order[-1] == "갑 제9호증"
    for label, page in starts.items():
        first_lines = "\n".join(texts[page - 1].splitlines()[:6])
        assert label in first_lines, label


def test_non_printable_exhibit_gets_description_page(civil_build, civil_context, texts):
    hwp = next(e for e in civil_context["exhibits"] if e["media_type"] == "application/zip")
    page = texts[civil_build.exhibit_start_pages[hwp["label"]] - 1]
    assert "원본 파일을 이 PDF에 첨부하였습니다" in page
    assert hwp["sha256"] in page.replace(" ", "")


def test_rotated_exhibit_page_gets_upright_footer(civil_build, texts):
    page = civil_build.exhibit_start_pages["갑 제9호증"] + 1  # the page with /Rotate 90
    assert f"{page} / {civil_build.page_count}쪽" in texts[page - 1]


def test_bookmarks_for_every_section_and_exhibit(civil_build):
    pdf = pikepdf.open(io.BytesIO(civil_build.pdf_bytes))
    page_numbers = {page.obj.objgen: index + 1 for index, page in enumerate(pdf.pages)}

    def page_of(item) -> int:
        return page_numbers[item.destination[0].objgen]

    with pdf.open_outline() as outline:
        top = {item.title: item for item in outline.root}
        for name, title in SECTION_TITLES.items():
            assert page_of(top[title]) == civil_build.section_start_pages[name]
        exhibits = top["증거 자료"]
        children = {child.title.split("  ")[0]: page_of(child) for child in exhibits.children}
    assert children == civil_build.exhibit_start_pages


def test_attachments_match_manifest_and_files(civil_build, civil_context):
    pdf = pikepdf.open(io.BytesIO(civil_build.pdf_bytes))
    files = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
    manifest = json.loads(files.pop("manifest.json"))
    assert manifest["dossier_number"] == "D-2022-법무-001-0001"
    assert manifest["generated_at"] == "2022-03-03T01:30:00Z"
    assert manifest["page_count"] == civil_build.page_count
    by_label = {e["label"]: e for e in civil_context["exhibits"]}
    assert {entry["label"] for entry in manifest["exhibits"]} == set(by_label)
    for entry in manifest["exhibits"]:
        data = files[entry["attachment"]]
        assert (
            hashlib.sha256(data).hexdigest()
            == entry["sha256"]
            == by_label[entry["label"]]["sha256"]
        )
        assert len(data) == entry["size"]
        assert entry["start_page"] == civil_build.exhibit_start_pages[entry["label"]]
    assert len(pdf.Root.AF) == len(files) + 1  # associated files, PDF/A-3 style


def test_metadata_uses_generated_at(civil_build):
    pdf = pikepdf.open(io.BytesIO(civil_build.pdf_bytes))
    assert str(pdf.docinfo.CreationDate) == "D:20220303013000Z"
    assert str(pdf.docinfo.Author) == "김법무"
    assert "소송 증거자료집" in str(pdf.docinfo.Title)
    with pdf.open_metadata() as xmp:
        assert xmp["xmp:CreateDate"] == "2022-03-03T01:30:00Z"
        assert "소송 증거자료집" in xmp["dc:title"]
        assert "pdfaid:part" not in xmp  # not validated, so not claimed
    assert "/OutputIntents" in pdf.Root


def test_same_context_gives_identical_bytes(civil_context, civil_build, tmp_path):
    again = build_dossier(civil_context, out_path=None, signer=None, workdir=tmp_path, workers=1)
    assert again.pdf_bytes == civil_build.pdf_bytes
    assert again.sha256 == civil_build.sha256


def test_rebuild_reuses_parts_and_rerenders_only_the_edited_chunk(civil_context, tmp_path):
    first = build_dossier(civil_context, out_path=None, signer=None, workdir=tmp_path, workers=1)
    edited = {**civil_context, "facts": [dict(f) for f in civil_context["facts"]]}
    edited["facts"][3]["text"] += " (정정)"
    second = build_dossier(edited, out_path=None, signer=None, workdir=tmp_path, workers=1)
    assert second.timings["parts_rendered"] == 1
    assert second.timings["parts_reused"] == first.timings["parts_rendered"] - 1
    assert second.pdf_bytes != first.pdf_bytes


def test_out_path_is_written(civil_context, tmp_path):
    target = tmp_path / "dossier.pdf"
    result = build_dossier(
        civil_context, out_path=target, signer=None, workdir=tmp_path / "w", workers=1
    )
    assert target.read_bytes() == result.pdf_bytes
    assert result.timings["total"] > 0


def test_criminal_dossier_uses_jeung_list(criminal_build, tmp_path):
    texts = page_texts(criminal_build.pdf_bytes, tmp_path)
    assert "고소장 첨부 증거자료" in texts[0]
    start = criminal_build.section_start_pages["evidence_statement"]
    listing = texts[start - 1]
    assert "증거목록" in listing
    assert "증 제1호증" in listing
    assert "증거설명서" not in "\n".join(texts[:start])
    order = list(criminal_build.section_start_pages)
    assert order.index("discrepancies") < order.index("demands")


def test_english_dossier(exhibit_dir, tmp_path):
    context = make_context(exhibit_dir, lang="en")
    result = build_dossier(context, out_path=None, signer=None, workdir=tmp_path, workers=1)
    texts = page_texts(result.pdf_bytes, tmp_path)
    assert "Litigation dossier" in texts[0]
    assert "Evidence statement" in "\n".join(texts)
    assert f"Page 1 of {result.page_count}" in texts[0]


def test_parallel_build_gives_the_same_bytes(civil_context, civil_build, tmp_path):
    parallel = build_dossier(civil_context, out_path=None, signer=None, workdir=tmp_path, workers=2)
    assert parallel.timings["parts_rendered"] > 1
    assert parallel.pdf_bytes == civil_build.pdf_bytes


def test_tampered_exhibit_stops_the_build(civil_context, tmp_path):
    from tracker.dossier.errors import ExhibitIntegrityError

    changed = tmp_path / "changed.pdf"
    original = civil_context["exhibits"][0]
    changed.write_bytes(original["path"].read_bytes() + b"\n% appended")
    context = {**civil_context, "exhibits": [{**original, "path": changed}]}
    with pytest.raises(ExhibitIntegrityError, match="SHA-256"):
        build_dossier(context, out_path=None, signer=None, workdir=tmp_path, workers=1)


def test_exif_rotated_photo_is_placed_upright(tmp_path):
    from PIL import Image

    from tracker.dossier.exhibits import ExhibitFile, image_page

    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated 90° clockwise
    Image.new("RGB", (400, 200), "white").save(buffer, "JPEG", exif=exif.tobytes())
    pdf = pikepdf.Pdf.new()
    page = image_page(pdf, ExhibitFile({"label": "갑 제1호증"}, buffer.getvalue(), "jpeg"))
    width, height = float(page.mediabox[2]), float(page.mediabox[3])
    assert height > width  # portrait page for a portrait-shown photo
    operators = page.obj.Contents.read_bytes().decode()
    assert operators.split()[1] == "0.0000"  # rotated placement matrix (a = 0)
