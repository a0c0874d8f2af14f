"""Context → HTML: validation, wording, order, page-number markers, the SVG chart."""

from __future__ import annotations

import copy

import pytest

from tracker.dossier import render_html
from tracker.dossier.chart import bar_chart
from tracker.dossier.context import DEFAULT_SECTIONS
from tracker.dossier.errors import ContextInvalid
from tracker.dossier.html import chunk_rows, label_sort_key, render_parts
from tracker.dossier.render import render_part
from tracker.dossier.typeset import plain

from .conftest import make_context


def test_single_document_uses_target_counter_and_renders(exhibit_dir):
    html = render_html(make_context(exhibit_dir))
    assert 'class="pref" href="#sec-chronology"' in html
    assert '<link rel="stylesheet" href="dossier.css">' in html
    rendered = render_part(html, stylesheet=False)
    assert rendered.page_count > 10
    assert rendered.warnings == []


def test_parts_carry_placeholders_not_numbers(exhibit_dir):
    parts, exhibits = render_parts(make_context(exhibit_dir), notes_for=lambda e: [])
    front = parts[0]
    assert 'id="pno:toc:sec-chronology"' in front.html
    assert "target-counter" not in front.html
    assert [p.name for p in parts][:3] == ["front", "summary", "chronology.0"]
    assert exhibits[0]["anchor"] == "ex-1"


@pytest.mark.parametrize("purpose", ["civil", "criminal", "internal"])
def test_purpose_sets_order_and_wording(exhibit_dir, purpose):
    context = make_context(exhibit_dir, purpose=purpose)
    context.pop("sections", None)
    html = plain(render_html(context))  # without the word joiners of typeset.keep_words
    order = [html.index(f'id="sec-{name}"') for name in DEFAULT_SECTIONS[purpose]]
    assert order == sorted(order)
    evidence = {"civil": "증거설명서", "criminal": "증거목록", "internal": "증거 목록"}[purpose]
    assert f">{evidence}</h1>" in html


def test_chosen_sections_only(exhibit_dir):
    context = make_context(exhibit_dir)
    context["sections"] = ["evidence_statement", "summary"]
    html = render_html(context)
    assert html.index('id="sec-evidence_statement"') < html.index('id="sec-summary"')
    assert 'id="sec-chronology"' not in html


def test_invalid_context_is_refused_with_every_problem(exhibit_dir):
    context = copy.deepcopy(make_context(exhibit_dir))
    context["generated_at"] = context["generated_at"].replace(tzinfo=None)
    context["lang"] = "fr"
    context["exhibits"][1]["label"] = context["exhibits"][0]["label"]
    context["sections"] = ["summary", "gossip"]
    with pytest.raises(ContextInvalid) as caught:
        render_html(context)
    fields = {field for field, _ in caught.value.errors}
    assert {"generated_at", "lang", "exhibits[1]", "sections"} <= fields


def test_chart_escapes_labels():
    svg = bar_chart(
        ["<script>alert(1)</script>", "발행수수료"], ["비즈&플레이"], [[5], [-3]], title="t"
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "비즈&amp;플레이" in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_label_order_is_natural():
    labels = ["갑 제10호증", "갑 제2호증", "갑 제3호증의 2", "갑 제3호증", "갑 제3호증의 1"]
    assert sorted(labels, key=label_sort_key) == [
        "갑 제2호증",
        "갑 제3호증",
        "갑 제3호증의 1",
        "갑 제3호증의 2",
        "갑 제10호증",
    ]


def test_chunks_are_stable_when_a_row_is_inserted():
    rows = [{"n": i} for i in range(3000)]
    before = chunk_rows(rows)
    after = chunk_rows(rows[:1500] + [{"n": "new"}] + rows[1500:])
    assert sum(len(c) for c in before) == 3000
    same = sum(1 for chunk in after if chunk in before)
    assert same >= len(before) - 2
