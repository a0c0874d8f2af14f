"""The font stack: what dossier.css declares, what the fetcher serves, what user text becomes."""

from __future__ import annotations

import re

from tracker.dossier.fetcher import TEMPLATE_DIR, LockedFetcher
from tracker.dossier.glyphs import FONT_STACK, printable_codepoints, printable_text
from tracker.dossier.render import render_part


def test_css_declares_the_stack_in_order():
    css = (TEMPLATE_DIR / "dossier.css").read_text(encoding="utf-8")
    faces = re.findall(
        r'@font-face \{ font-family: "([^"]+)"; font-weight: (\w+);\s+src: url\(([^)]+)\)', css
    )
    declared = [(family, weight, url.rsplit("/", 1)[-1]) for family, weight, url in faces]
    expected = [
        (face.family, weight, path.name)
        for face in FONT_STACK
        for weight, path in (("normal", face.regular), ("bold", face.bold))
        if path is not None
    ]
    assert declared == expected
    stack = re.search(r"html \{\s+font-family: ([^;]+);", css).group(1)
    assert re.findall(r'"([^"]+)"', stack) == [face.family for face in FONT_STACK]
    for face in FONT_STACK:
        for path in face.paths:
            assert path.is_file() and path.stat().st_size > 10_000


def test_a_part_fetches_only_our_fonts():
    fetcher = LockedFetcher()
    render_part("<html><body><p>서울 Příbram 这个 😀</p></body></html>", fetcher=fetcher)
    assert fetcher.requested and not fetcher.refused
    assert all("/tracker/static/fonts/" in url or url.endswith(".css") for url in fetcher.requested)


def test_printable_text():
    assert printable_text("가\r\n나\r다\u2028라") == "가\n나\n다\n라"
    assert printable_text("a\x00b\x07c\x1b[0m\x7f\x85\x9bd\te") == "a\u2400bc[0md\te"
    assert printable_text("file\u202egpj.exe") == "filegpj.exe"  # no bidi override
    assert printable_text("e\u0301") == "\u00e9"  # NFC
    assert printable_text("\ue000\U000f0000\u0f40") == "[U+E000][U+F0000][U+0F40]"
    assert printable_text("👍\ufe0f 👨\u200d👩") == "👍\ufe0f 👨\u200d👩"  # emoji sequences stay
    assert printable_text("Příbram 这个 ␀ ✓") == "Příbram 这个 ␀ ✓"
    covered = printable_codepoints()
    assert all(
        ord(c) in covered or c in "\t\n" for c in printable_text("".join(map(chr, range(0x3000))))
    )
