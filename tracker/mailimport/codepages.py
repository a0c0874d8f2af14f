"""Which code page the 8-bit (PT_STRING8) strings of a non-Unicode .msg are in.

A "non-Unicode" (ANSI) .msg stores its strings in the code page of the Outlook that wrote it,
and extract_msg believes only ``PR_MESSAGE_CODEPAGE`` (0x3FFD); without it, it reads
ISO-8859-15, so a Chinese or Japanese file comes out as ``®æŠ¡Žú`` with no error at all
(measured on Apache POI's ``chinese-traditional.msg`` and msgreader's ``nonUnicodeCP932.msg``,
``tests/corpus/msg``: neither carries 0x3FFD). Real files name the code page in one of these
places, tried in this order (the order Apache POI's ``MAPIMessage.guess7BitEncoding`` uses,
which its tests confirm on real files):

1. ``PR_MESSAGE_CODEPAGE`` (0x3FFD), the message's own code page;
2. ``PR_MESSAGE_LOCALE_ID`` (0x3FF1): the ANSI code page of the writer's locale (the store's
   code page when the client wrote none: Outlook saves in the system's ANSI code page);
3. the ``charset`` of the saved transport headers' Content-Type;
4. ``PR_INTERNET_CPID`` (0x3FDE), the code page the message was sent in. Last, because it is
   often not the strings' code page: msgreader's Japanese file says 50220 (ISO-2022-JP) for
   Shift_JIS strings, POI's German file says 65001 for CP1252 strings.

Then CP949 (this is a Korean product) and, when the strings hold ISO-2022 escapes, ISO-2022-JP
and ISO-2022-KR. The first candidate that decodes *every* 8-bit string strictly wins; if none
does, the most authoritative one is used with U+FFFD for what it cannot read, and the caller
says so on the record.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from .decoding import codec_for

# Code page → Python codec. Windows code pages are supersets of the ISO/EUC sets they are
# named after (936 is GBK, 932 is Shift_JIS with the NEC/IBM extensions, 949 is UHC), so the
# superset codec is used: the strict one would reject characters Windows wrote.
_CODECS = {
    65001: "utf-8",
    20127: "ascii",
    932: "cp932",
    20932: "euc_jp",
    51932: "euc_jp",
    50220: "iso2022_jp",
    50221: "iso2022_jp_ext",
    50222: "iso2022_jp_ext",
    936: "gb18030",
    20936: "gb18030",
    51936: "gb18030",
    54936: "gb18030",
    52936: "hz",
    950: "cp950",
    51950: "cp950",
    10002: "big5",
    949: "cp949",
    51949: "cp949",
    20949: "cp949",
    1361: "johab",
    50225: "iso2022_kr",
    874: "cp874",
    866: "cp866",
    20866: "koi8_r",
    21866: "koi8_u",
    10000: "mac_roman",
    10007: "mac_cyrillic",
    28591: "latin_1",
    28605: "iso8859_15",
}
for _n in range(1250, 1259):
    _CODECS[_n] = f"cp{_n}"
for _n in range(2, 10):
    _CODECS[28590 + _n] = f"iso8859_{_n}"
_CODECS[28603] = "iso8859_13"

# The ANSI code page Windows uses for a locale, by primary language id (LCID & 0x3FF), with the
# sub-languages that differ. Languages not listed use 1252.
_ANSI_BY_LANGUAGE = {
    0x11: 932,  # Japanese
    0x12: 949,  # Korean
    0x1E: 874,  # Thai
    0x08: 1253,  # Greek
    0x0D: 1255,  # Hebrew
    0x2A: 1258,  # Vietnamese
    **dict.fromkeys((0x05, 0x0E, 0x15, 0x18, 0x1B, 0x1C, 0x24), 1250),  # cs hu pl ro sk sq sl
    **dict.fromkeys((0x02, 0x19, 0x22, 0x23, 0x2F, 0x3F, 0x40, 0x44, 0x50), 1251),  # bg ru uk
    # be mk kk ky tt mn
    **dict.fromkeys((0x1F,), 1254),  # Turkish
    **dict.fromkeys((0x01, 0x20, 0x29, 0x8C), 1256),  # Arabic, Urdu, Persian, Dari
    **dict.fromkeys((0x25, 0x26, 0x27), 1257),  # Estonian, Latvian, Lithuanian
}
_ANSI_BY_LCID = {
    0x0404: 950,  # zh-TW
    0x0804: 936,  # zh-CN
    0x0C04: 950,  # zh-HK
    0x1004: 936,  # zh-SG
    0x1404: 950,  # zh-MO
    0x041A: 1250,  # hr-HR
    0x081A: 1250,  # sr-Latn-CS
    0x0C1A: 1251,  # sr-Cyrl-CS
    0x101A: 1250,  # hr-BA
    0x141A: 1250,  # bs-Latn
    0x181A: 1250,  # sr-Latn-BA
    0x1C1A: 1251,  # sr-Cyrl-BA
    0x201A: 1251,  # bs-Cyrl
    0x042C: 1254,  # az-Latn
    0x082C: 1251,  # az-Cyrl
    0x0443: 1254,  # uz-Latn
    0x0843: 1251,  # uz-Cyrl
}

_LENIENT_PREFIX = "tracker_lenient_"
_registered = False


def codec_for_codepage(codepage: int | None) -> str | None:
    """The Python codec for a Windows code page number, or ``None`` when unknown."""
    if codepage is None:
        return None
    name = _CODECS.get(codepage)
    if name is None:
        try:
            name = codecs.lookup(f"cp{codepage}").name
        except LookupError:
            return None
    return name


def ansi_codepage_for_lcid(lcid: int | None) -> int | None:
    """The ANSI code page Windows uses for a locale id (``None`` for none or a neutral one)."""
    if not lcid or lcid in (0x0400, 0x0800, 0x7F):
        return None
    lcid &= 0xFFFF
    if lcid in _ANSI_BY_LCID:
        return _ANSI_BY_LCID[lcid]
    language = lcid & 0x3FF
    if language == 0x04:
        return 936  # other Chinese locales: Simplified
    return _ANSI_BY_LANGUAGE.get(language, 1252)


def lenient(codec: str) -> str:
    """The name of a codec that decodes like ``codec`` but puts U+FFFD where a byte sequence is
    not valid instead of raising (extract_msg decodes strictly and would lose the whole field).
    """
    global _registered
    if not _registered:
        codecs.register(_search)
        _registered = True
    return _LENIENT_PREFIX + codecs.lookup(codec).name


def _search(name: str) -> codecs.CodecInfo | None:
    if not name.startswith(_LENIENT_PREFIX):
        return None
    base = codecs.lookup(name[len(_LENIENT_PREFIX) :])

    def decode(data, errors="strict"):
        return base.decode(data, "replace")

    return codecs.CodecInfo(base.encode, decode, name=name)


def describe(codepage: int | None, codec: str) -> str:
    """``"code page 936 (GB18030)"`` or, without a number, ``"CP949"``."""
    label = codec.upper().replace("_", "-")
    return f"code page {codepage} ({label})" if codepage is not None else label


@dataclass
class Candidate:
    codec: str
    codepage: int | None
    source: str  # "message" | "locale" | "headers" | "internet" | "guess"

    def describe(self) -> str:
        where = {
            "message": "the message's code page (PR_MESSAGE_CODEPAGE)",
            "locale": "the code page of the message's locale (PR_MESSAGE_LOCALE_ID)",
            "headers": "the charset of the saved transport headers",
            "internet": "the message's Internet code page (PR_INTERNET_CPID)",
            "guess": "a guess",
        }[self.source]
        return f"{describe(self.codepage, self.codec)}, from {where}"


@dataclass
class Choice:
    """The code page to read the strings with, and what to tell the reader about it."""

    codec: str
    clean: bool  # every 8-bit string decodes strictly
    problems: list[str] = field(default_factory=list)


_HEADER_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def candidates(
    *,
    message_codepage: int | None,
    locale_id: int | None,
    headers: bytes | None,
    internet_codepage: int | None,
    escapes: bool,
) -> list[Candidate]:
    """Every code page the message names for its strings, most authoritative first, then the
    guesses; each codec once."""
    found: list[Candidate] = []

    def add(codec: str | None, codepage: int | None, source: str) -> None:
        if codec and all(c.codec != codec for c in found):
            found.append(Candidate(codec, codepage, source))

    add(codec_for_codepage(message_codepage), message_codepage, "message")
    locale_cp = ansi_codepage_for_lcid(locale_id)
    add(codec_for_codepage(locale_cp), locale_cp, "locale")
    if headers:
        for match in _HEADER_CHARSET.finditer(headers):
            add(codec_for(match[1].decode("ascii")), None, "headers")
    add(codec_for_codepage(internet_codepage), internet_codepage, "internet")
    if escapes:
        add("iso2022_jp_ext", 50221, "guess")
        add("iso2022_kr", 50225, "guess")
    add("cp949", 949, "guess")
    return found


def decodes(data: bytes, codec: str) -> bool:
    """Strictly valid in ``codec``, and no escape sequence left over (an ISO-2022 string read
    with a non-ISO-2022 codec "decodes" to ESC characters and nonsense)."""
    try:
        text = data.decode(codec)
    except (UnicodeError, LookupError):
        return False
    return "\x1b" not in text


def choose(found: list[Candidate], strings: list[tuple[str, bytes]]) -> Choice:
    """Pick the code page for ``strings`` (``(label, bytes)`` pairs, NULs stripped).

    The first candidate that reads every string cleanly wins. A candidate other than the
    message's own (or its locale's), or one that had to be passed over, is reported. When none
    reads everything, the most authoritative one is used and the unreadable fields are named.
    """
    named = [c for c in found if c.source != "guess"]
    for number, candidate in enumerate(found):
        if not all(decodes(data, candidate.codec) for _label, data in strings):
            continue
        problems: list[str] = []
        if number and named and candidate is not named[0]:
            problems.append(
                f"the .msg's 8-bit strings are not valid in {named[0].describe()};"
                f" read them as {describe(candidate.codepage, candidate.codec)}"
            )
        elif not named:
            problems.append(
                "the .msg stores 8-bit strings without a code page; read them as"
                f" {describe(None, candidate.codec) if candidate.codec != 'cp949' else 'CP949'}"
            )
        elif candidate.source in ("headers", "internet"):
            problems.append(
                "the .msg does not name the code page of its 8-bit strings; read them in"
                f" {candidate.describe()}"
            )
        return Choice(candidate.codec, True, problems)
    if not named:
        return Choice(
            "iso8859_15",
            False,
            [
                "the .msg stores 8-bit strings without a code page and they are not CP949;"
                " read as ISO-8859-15"
            ],
        )
    best = named[0]
    bad = ", ".join(dict.fromkeys(what for what, data in strings if not decodes(data, best.codec)))
    return Choice(
        best.codec,
        False,
        [
            f"some text of the .msg is not valid in {best.describe()} and cannot be read"
            f" exactly; unreadable characters are shown as \ufffd in: {bad}"
        ],
    )
