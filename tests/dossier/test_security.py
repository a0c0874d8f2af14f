"""Nothing the user typed can fetch a resource, inject markup, or print a missing glyph."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from tracker.dossier import build_dossier, render_html
from tracker.dossier.errors import AssetRefused, MissingGlyph
from tracker.dossier.fetcher import LockedFetcher
from tracker.dossier.render import render_part
from tracker.errors import TrackerError

from .conftest import make_context, page_texts

PAYLOADS = [
    '<img src="http://169.254.169.254/">',
    '<link rel="stylesheet" href="file:///etc/passwd">',
    "file:///etc/passwd",
    "<style>@import url(http://evil.example/x.css);</style>",
    "</td></tr></table><h1>가짜 제목</h1>",
    "{{ 7*7 }}{% raw %}",
]
PAYLOAD = " ".join(PAYLOADS)


def _poison(value: Any, key: str = "") -> Any:
    if key in ("path", "sha256", "purpose", "lang", "sections", "deadline_result", "label"):
        return value
    if isinstance(value, str):
        return f"{value} {PAYLOAD}"
    if isinstance(value, dict):
        return {k: _poison(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, key) for v in value]
    return value


@pytest.fixture
def recorded(monkeypatch):
    """Every URL any LockedFetcher is asked for during the test."""
    seen: list[str] = []
    original = LockedFetcher.fetch

    def fetch(self, url, headers=None):
        seen.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(LockedFetcher, "fetch", fetch)
    monkeypatch.setattr("tracker.dossier.render._shared", {})  # fonts fetched again, seen here
    return seen


def test_poisoned_context_fetches_nothing_and_prints_payload_as_text(
    exhibit_dir, tmp_path, recorded
):
    context = _poison(copy.deepcopy(make_context(exhibit_dir)))
    # labels are user text too: keep them unique but hostile
    for exhibit in context["exhibits"]:
        exhibit["label"] += ' <img src="http://169.254.169.254/">'
    for fact in context["facts"]:
        fact["sources"] = [f'{s} <img src="http://169.254.169.254/">' for s in fact["sources"]]
    result = build_dossier(context, out_path=None, signer=None, workdir=tmp_path, workers=1)

    assert recorded, "the fetcher was not exercised at all"
    allowed = LockedFetcher().roots
    for url in recorded:
        assert url.startswith("file:///"), url
        path = Path(re.sub(r"^file://", "", url))
        assert any(path.resolve().is_relative_to(root) for root in allowed), url
    assert not any("169.254" in u or "passwd" in u or "evil" in u for u in recorded)

    flat = re.sub(r"\s+", "", "".join(page_texts(result.pdf_bytes, tmp_path, layout=False)))
    for payload in PAYLOADS:
        assert re.sub(r"\s+", "", payload) in flat, payload


def test_render_html_escapes_every_field(exhibit_dir):
    html = render_html(_poison(copy.deepcopy(make_context(exhibit_dir))))
    assert "169.254.169.254" in html
    assert '<img src="http://169.254.169.254/">' not in html
    assert "&lt;img src=&#34;http://169.254.169.254/&#34;&gt;" in html
    assert '<link rel="stylesheet" href="file:' not in html
    assert "@import url(http://evil" in html  # as text inside an element, never in a <style>
    assert not re.search(r"<style>[^<]*evil", html)
    assert "{{ 7*7 }}" in html  # user text is not a template


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/font.ttf",
        "file:///etc/passwd",
        "file:///work/main/tracker/static/../../../etc/passwd",
        "file://otherhost/work/main/tracker/static/fonts/NanumGothic.ttf",
        "data:text/css,body{}",
        "ftp://example.com/x.css",
    ],
)
def test_fetcher_refuses(url):
    fetcher = LockedFetcher()
    with pytest.raises(AssetRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_our_font():
    from tracker.dossier.glyphs import REGULAR_FONT

    response = LockedFetcher().fetch(REGULAR_FONT.as_uri())
    assert response.read(4) == b"\x00\x01\x00\x00"


def test_template_asking_for_outside_resource_fails_the_build_cleanly():
    html = '<html><body><p>x</p><img src="http://169.254.169.254/"></body></html>'
    with pytest.raises(AssetRefused) as caught:
        render_part(html)
    assert isinstance(caught.value, TrackerError)
    css = "<html><head><style>@import url(http://evil.example/x.css);</style></head><body>x"
    with pytest.raises(AssetRefused):
        render_part(css)


@pytest.mark.parametrize(
    ("char", "printed"),
    [("\U0001f600", "\U0001f600"), ("\u0159", "\u0159"), ("\U00020000", "[U+20000]")],
)
def test_user_text_never_fails_the_build(exhibit_dir, tmp_path, char, printed):
    """A character NanumGothic lacks is drawn by a shipped fallback font; one no shipped font
    has is printed as its code point, and the build goes on."""
    context = make_context(exhibit_dir)
    context["facts"][0]["text"] += f" {char}"
    result = build_dossier(context, out_path=None, signer=None, workdir=tmp_path, workers=1)
    text = "".join("".join(page_texts(result.pdf_bytes, tmp_path, layout=False)).split())
    assert printed in text


@pytest.mark.parametrize("char", ["\U00020000", "\u0f40", "\ue000"])
def test_notdef_warning_from_weasyprint_fails_the_render(char):
    """Second line of defence: text that reaches WeasyPrint without ``printable_text``, with a
    character no font of the stack has, comes out as .notdef or from a system font: refused."""
    with pytest.raises(MissingGlyph):
        render_part(f"<html><body><p>서울 {char}</p></body></html>")
