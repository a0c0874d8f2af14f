"""Make the dossier's fallback fonts (tracker/static/fonts/Noto*) from their published files.

The dossier prints with NanumGothic; these fonts draw what NanumGothic lacks (Latin letters
beyond Latin-1, Greek, Cyrillic, CJK ideographs, symbols, emoji, a few scripts). All are Noto,
under the SIL Open Font License 1.1 (LICENSE-Noto.txt). Run once when a font is updated; the
output is committed, so neither the server nor CI needs this script or its inputs.

Inputs (unpacked, not installed, so the machine's own fonts stay as they are):

- Debian ``fonts-noto-core`` and ``fonts-noto-cjk``: ``apt-get download fonts-noto-core
  fonts-noto-cjk`` then ``dpkg-deb -x <deb> <root>`` for each; ``--debian-root <root>``.
- Fontsource ``@fontsource/noto-emoji`` (monochrome Noto Emoji; Debian ships only the colour
  bitmap one, which a PDF cannot embed as outlines): ``npm pack @fontsource/noto-emoji`` and
  untar; ``--fontsource <package folder>``.

What is changed: the emoji WOFF2 is unpacked to TTF; the Korean face of Noto Sans CJK is cut
out of the collection, stripped of every character NanumGothic or Noto Sans already draws
(they come first in the font stack, so those glyphs could never be used: 27,000 glyphs are
left of 65,000; spaces and ASCII stay, see ``build_cjk``) and its CFF outlines turned into
TrueType ones, which WeasyPrint subsets in milliseconds and the final pass's stamp font can
embed. Everything else is copied as it is.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

OUT = Path(__file__).resolve().parents[1] / "tracker" / "static" / "fonts"
NOTO = "usr/share/fonts/truetype/noto"
CJK = "usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CJK_FACE = "Noto Sans CJK KR"
COPIED = [
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoSansSymbols2-Regular.ttf",
    "NotoSansSymbols-Regular.ttf",
    "NotoSansMath-Regular.ttf",
    "NotoSansArabic-Regular.ttf",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansThai-Regular.ttf",
    "NotoSansLao-Regular.ttf",
    "NotoSansKhmer-Regular.ttf",
    "NotoSansMyanmar-Regular.ttf",
    "NotoSansDevanagari-Regular.ttf",
    "NotoSansBengali-Regular.ttf",
    "NotoSansSinhala-Regular.ttf",
    "NotoSansTamil-Regular.ttf",
    "NotoSansArmenian-Regular.ttf",
    "NotoSansGeorgian-Regular.ttf",
    "NotoSansEthiopic-Regular.ttf",
]


def cmap(path: Path) -> set[int]:
    return set(TTFont(path, lazy=True).getBestCmap())


def to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines of ``font`` with quadratic TrueType ones (max error 1 unit)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    post.glyphOrder = order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def build_cjk(debian_root: Path) -> None:
    collection = TTCollection(debian_root / CJK)
    [face] = [f for f in collection.fonts if f["name"].getDebugName(1) == CJK_FACE]
    covered = cmap(OUT / "NanumGothic.ttf") & cmap(OUT / "NanumGothicBold.ttf")
    covered |= cmap(debian_root / NOTO / "NotoSans-Regular.ttf")
    # Spaces and ASCII stay: Pango draws a space between two ideographs with the ideographs'
    # font, and one without a space glyph prints it as .notdef.
    ascii_and_spaces = {cp for cp in face.getBestCmap() if cp < 0x100 or chr(cp).isspace()}
    keep = sorted((set(face.getBestCmap()) - covered) | ascii_and_spaces)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=keep)
    subsetter.subset(face)
    to_truetype(face)
    face.save(OUT / "NotoSansCJKkr-Fallback-Regular.ttf")


def build_emoji(fontsource: Path) -> None:
    font = TTFont(fontsource / "files" / "noto-emoji-emoji-400-normal.woff2")
    font.flavor = None
    font.save(OUT / "NotoEmoji-Regular.ttf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debian-root", type=Path, required=True)
    parser.add_argument("--fontsource", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    for name in COPIED:
        shutil.copyfile(args.debian_root / NOTO / name, OUT / name)
    build_emoji(args.fontsource)
    build_cjk(args.debian_root)
    print(f"fonts written to {OUT} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
