"""Korean line breaking for the dossier: lines break between 어절 (words), never inside one.

WeasyPrint lays text out with Pango, which follows UAX #14: a line may end between any two
Hangul syllables or Han characters, so a narrow cell printed ``대`` / ``조하면`` and ``營`` /
``業秘密``. CSS has ``word-break: keep-all`` for this, but WeasyPrint does not implement it.

So ``keep_words`` puts a U+2060 WORD JOINER between the characters of every word that holds
Hangul or Han, in the rendered HTML's text (never in tags, attributes, ``<head>``, styles or
SVG). Pango never breaks next to a word joiner; it draws nothing for it and the PDF's text has
none (copying and searching see the plain word). Spaces stay break opportunities. A word longer
than its line still breaks, anywhere: ``overflow-wrap: break-word`` (dossier.css) does that
only when a word cannot fit a line by itself, as it does for a long URL or hash.

A ``<span>`` with ``white-space: nowrap`` per word was the other way; it costs a box per word
and, in a fixed-width table cell, an over-long word would run over the next cell instead of
breaking (``nowrap`` turns ``overflow-wrap`` off).

The same joiner keeps what a Korean reader reads as one unit on one line: a separator or
closing mark never starts a line (``관리번호 · 사건명``), nor does the rest of a court date
(``2021. 12. 3.``) or of an exhibit label (``갑 제3호증의 2``). A line may end after a
가운뎃점, which joins the words of a list (``가맹점ID·상호·주소``), as it may after a comma.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata

WJ = "\u2060"

#: Hangul (syllables, jamo, compatibility and half-width jamo), Han (unified, extensions,
#: compatibility), CJK punctuation, enclosed and compatibility forms (㈜, ㎡), full-width
#: forms. Kana are left out: Japanese, like Chinese, breaks between characters.
_CJK = re.compile(
    "[\u1100-\u11ff\u3000-\u303f\u3130-\u318f\u3200-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]"
)
#: Cheap test whether a text run needs any work at all.
_MAY_NEED = re.compile(
    "[\u00b7\u2027\u2022\u30fb\u1100-\u11ff\u3000-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]"
    r"|\d\. \d|Exhibit \d"
)
#: Marks that must not begin a line: after a space they are glued to the word before.
_NO_LINE_START = frozenset("·‧•・,.:;!?%)]}」』〉》】〕”’…")
#: 가운뎃점: it joins words of a list, and a line may end after it (never begin with it).
_MIDDLE_DOTS = frozenset("·‧・")
#: Spaces that must not end a line: inside a court date (2021. 12. 3.) and an exhibit label
#: (갑 제3호증의 2, 증 제1호증, Exhibit 4).
_GLUED_SPACE = re.compile(
    r"(?<=\d\.) (?=\d{1,2}\.)"
    r"|(?<=[갑을병증]) (?=제\d)"
    r"|(?<=\d호증의) (?=\d)|(?<=\d호의) (?=\d)"
    r"|(?<=Exhibit) (?=\d)"
)
_WORD = re.compile(r"[^ \t\n\r\f]+")
_UNIT = re.compile(r"&#?[0-9A-Za-z]+;|.", re.S)
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
#: Elements whose text is not laid out as lines of the page.
_SKIPPED = ("head", "style", "script", "svg", "title")
_OPEN = re.compile(r"<(" + "|".join(_SKIPPED) + r")\b[^>]*?(/?)>", re.I)
_CLOSE = re.compile(r"</(" + "|".join(_SKIPPED) + r")\s*>", re.I)


def _char(unit: str) -> str:
    return html_lib.unescape(unit) if len(unit) > 1 else unit


def _is_cjk(char: str) -> bool:
    return bool(char) and _CJK.match(char[0]) is not None


def _extends(char: str) -> bool:
    """Continues the character before it (a mark, a joiner, a variation selector, a medial or
    final jamo, an emoji modifier): a joiner there would split one visible character."""
    code = ord(char[0]) if char else 0
    return (
        unicodedata.category(char[0]) in ("Mn", "Mc", "Me")
        or code in (0x200C, 0x200D)
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0000 <= code <= 0xE01EF
        or 0x1160 <= code <= 0x11FF
        or 0xD7B0 <= code <= 0xD7FF
        or 0x1F3FB <= code <= 0x1F3FF
    )


def _needs_joiner(a: str, b: str) -> bool:
    if not a or not b or WJ in (a, b) or a == "\u200d" or _extends(b):
        return False
    if a in _MIDDLE_DOTS and b not in _NO_LINE_START:
        return False  # a list of words (가맹점ID·상호·주소) may break after its dots, as after ","
    if 0x1F1E6 <= ord(a[0]) <= 0x1F1FF and 0x1F1E6 <= ord(b[0]) <= 0x1F1FF:
        return False  # a flag is two regional indicators
    # Two letters or digits of an alphabet never break apart; leave their kerning alone.
    return not (a.isalnum() and b.isalnum() and not _is_cjk(a) and not _is_cjk(b))


def keep_word(word: str) -> str:
    """One word (no spaces, HTML-escaped) with joiners wherever a line could break in it."""
    units = _UNIT.findall(word)
    chars = [_char(u) for u in units]
    if not any(_is_cjk(c) for c in chars):
        return word
    out = [units[0]]
    for index in range(1, len(units)):
        if _needs_joiner(chars[index - 1], chars[index]):
            out.append(WJ)
        out.append(units[index])
    return "".join(out)


def _keep_text(text: str, before: str) -> str:
    """A text node (escaped). ``before`` is the last character of the text before it."""
    if not _MAY_NEED.search(text):
        return text
    text = _GLUED_SPACE.sub(" " + WJ, text)
    pieces: list[str] = []
    end = 0
    for match in _WORD.finditer(text):
        start = match.start()
        word = keep_word(match.group())
        first = _char(_UNIT.match(word).group())
        if start > 0 or before.isspace() or not before:
            if first in _NO_LINE_START and (start > 0 or before):
                word = WJ + word  # "· " after a space stays with the word before it
        elif (
            first != WJ
            and not _extends(first)
            and (_is_cjk(first) or _is_cjk(before) or first in _NO_LINE_START)
        ):
            word = WJ + word  # a word that goes on after an inline tag (<b>영업</b>비밀)
        pieces.append(text[end:start])
        pieces.append(word)
        end = match.end()
    pieces.append(text[end:])
    return "".join(pieces)


def keep_words(markup: str) -> str:
    """The rendered dossier HTML with every Korean word unbreakable (see the module doc)."""
    if not _MAY_NEED.search(markup):
        return markup
    out: list[str] = []
    skipping: str | None = None
    last = ""  # last character of laid-out text so far
    for piece in _TAG_OR_TEXT.split(markup):
        if not piece:
            continue
        if piece.startswith("<"):
            out.append(piece)
            if skipping is None:
                opened = _OPEN.match(piece)
                if opened and not opened.group(2):
                    skipping = opened.group(1).lower()
            else:
                closed = _CLOSE.match(piece)
                if closed and closed.group(1).lower() == skipping:
                    skipping = None
            continue
        if skipping is not None:
            out.append(piece)
            continue
        kept = _keep_text(piece, last)
        out.append(kept)
        last = _char(_UNIT.findall(piece)[-1])
    return "".join(out)


def plain(text: str) -> str:
    """``text`` without the joiners ``keep_words`` added (for comparisons and tests)."""
    return text.replace(WJ, "")
