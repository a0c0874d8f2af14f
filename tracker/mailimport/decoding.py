"""Charset, RFC 2047 and RFC 2231 decoding tuned for Korean mail.

Why not just ``email.policy.default``? Measured on Python 3.11 (see
``tests/mailimport/test_decoding.py::test_stdlib_default_policy_loses_cp949_syllables``):

* ``ks_c_5601-1987`` (what Korean Outlook declares) and ``EUC-KR`` resolve to Python's strict
  ``euc_kr`` codec, but real senders put CP949 (UHC) bytes behind both labels. Syllables outside
  KS X 1001's 2,350 (똠, 뷁, 햏, …) then come back as U+FFFD from ``policy.default`` with *no*
  defect recorded, and ``email.header.decode_header`` + ``make_header`` (compat32) raises.
* ``policy.default`` decodes RFC 2231 parameters with the same strict codecs, and cannot tell us
  when it guessed.

So the parser reads raw header strings and decodes them here: every Korean label maps to
``cp949`` (a superset of EUC-KR), failures fall back to UTF-8 / CP949 and are *reported*, and
nothing is silently replaced.

Every function returns ``(value, problems)``; ``problems`` are English sentences for
``ParsedMessage.problems``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import unquote_to_bytes

# Labels seen on Korean mail, all read with CP949 (UHC), the superset of EUC-KR that Windows and
# Outlook actually emit. Keys are lower-cased with "_" folded to "-".
_KOREAN_LABELS = {
    "ks-c-5601-1987",
    "ks-c-5601",
    "ks-c5601-1987",
    "ksc5601",
    "ksc-5601",
    "ks-x-1001",
    "ks-x-1001-1992",
    "euc-kr",
    "euckr",
    "x-euc-kr",
    "cseuckr",
    "csksc56011987",
    "iso-ir-149",
    "korean",
    "cp949",
    "ms949",
    "windows-949",
    "x-windows-949",
    "uhc",
    "x-uhc",
}
_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "iso-2022-kr": "iso2022_kr",
    "csiso2022kr": "iso2022_kr",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "ansi-x3.4-1968": "ascii",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "big5": "big5hkscs",
}

_FALLBACKS = ("utf-8", "cp949")
_SINGLE_BYTE = frozenset(
    {"ascii", "iso8859-1", "iso8859-15", "cp1252", "iso8859-2", "cp1250", "iso8859-9", "cp1254"}
)
_NOT_TEXT = {"base64", "bz2", "hex", "quopri", "rot-13", "uu", "zlib", "undefined"}


def codec_for(label: str | None) -> str | None:
    """The Python codec to use for a MIME charset label, or ``None`` if unknown/absent."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower().replace("_", "-")
    if not key:
        return None
    if key in _KOREAN_LABELS:
        return "cp949"
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    if name == "euc_kr":  # any other spelling Python maps to EUC-KR
        return "cp949"
    # Refuse codecs that are not text encodings (e.g. "base64", "rot13", "zlib").
    if name in _NOT_TEXT:
        return None
    return name


def _label(codec: str) -> str:
    return {"cp949": "CP949", "utf-8": "UTF-8", "iso2022_kr": "ISO-2022-KR"}.get(
        codec, codec.upper()
    )


def _strict(data: bytes, codec: str) -> str | None:
    try:
        text = data.decode(codec)
    except (UnicodeError, LookupError, TypeError):
        return None
    if codec == "utf-8" and text.startswith("\ufeff"):
        text = text[1:]
    return text


def _count_bad(data: bytes, codec: str) -> int:
    good = data.decode(codec, errors="replace")
    return max(1, good.count("\ufffd") - data.decode(codec, errors="ignore").count("\ufffd"))


def decode_bytes(data: bytes, declared: str | None, what: str) -> tuple[str, list[str]]:
    """Decode ``data`` declared as charset ``declared``; ``what`` names it in problems.

    Order: the declared charset (Korean labels → CP949) strictly; then UTF-8, then CP949
    strictly (reported: the label was wrong or missing); last resort the declared codec (or
    UTF-8) with U+FFFD replacement, reported with a count. Pure ASCII never produces a problem.
    """
    codec = codec_for(declared)
    if codec in _SINGLE_BYTE and not data.isascii():
        # Every byte string is valid Latin-1, so a wrong label never fails: text that is
        # valid UTF-8 with multi-byte characters is UTF-8 (real Latin-1 words practically
        # never form UTF-8 sequences), as a mislabelled "ISO-8859-1" body often is.
        utf8 = _strict(data, "utf-8")
        if utf8 is not None:
            return utf8, [f"{what} is declared as {declared} but is UTF-8; decoded as UTF-8"]
    if codec == "cp949" and not data.isascii():
        # UTF-8 Korean is very often *also* valid CP949 (and decodes to nonsense hanja), so
        # mail labelled Korean but actually UTF-8 (relabelled by forwarding webmail) must be
        # caught first. Genuine CP949 text is practically never valid UTF-8 that decodes to
        # characters beyond U+07FF.
        utf8 = _strict(data, "utf-8")
        if utf8 is not None and any(ord(ch) >= 0x800 for ch in utf8):
            return utf8, [f"{what} is declared as {declared} but is UTF-8; decoded as UTF-8"]
    if codec:
        text = _strict(data, codec)
        if text is not None:
            return text, []
    elif data.isascii():
        text = data.decode("ascii")
        if declared:
            return text, [f"{what} declares an unknown charset {declared!r}; read as ASCII"]
        return text, []
    if codec:
        why = f"{what} is declared as {declared} but is not valid {_label(codec)}"
    elif declared:
        why = f"{what} declares an unknown charset {declared!r}"
    else:
        why = f"{what} declares no charset"
    for alt in _FALLBACKS:
        if alt == codec:
            continue
        text = _strict(data, alt)
        if text is not None:
            return text, [f"{why}; decoded as {_label(alt)}"]
    last = codec or "utf-8"
    bad = _count_bad(data, last)
    return data.decode(last, errors="replace"), [
        f"{why}; {bad} undecodable byte sequence(s) replaced with U+FFFD ({_label(last)})"
    ]


def to_bytes(text: str) -> bytes:
    """Recover the original bytes of a string the email parser built with surrogateescape."""
    try:
        return text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def has_raw_8bit(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


#: The charset the message's own text declares: raw 8-bit header bytes carry no label, and the
#: sender's mailer wrote them in the charset it wrote the body in (what Thunderbird and
#: Outlook assume too). Set by the parser around a message's header decoding.
_HEADER_HINT: ContextVar[str | None] = ContextVar("raw_header_charset", default=None)


@contextmanager
def raw_header_charset(charset: str | None) -> Iterator[None]:
    token = _HEADER_HINT.set(charset)
    try:
        yield
    finally:
        _HEADER_HINT.reset(token)


def decode_raw_text(text: str, what: str) -> tuple[str, list[str]]:
    """Header text that may carry undeclared 8-bit bytes (parsed with surrogateescape)."""
    if not has_raw_8bit(text):
        return text, []
    data = to_bytes(text)
    if (utf8 := _strict(data, "utf-8")) is not None:
        return utf8, []  # RFC 6532 allows raw UTF-8 in headers
    hint = _HEADER_HINT.get()
    codec = codec_for(hint)
    if codec and (decoded := _strict(data, codec)) is not None:
        return decoded, [f"{what} has raw 8-bit text; read in the body's charset {hint}"]
    return decode_bytes(data, None, what)


def unfold(value: str) -> str:
    """RFC 5322 unfolding: drop the CRLF before folding whitespace; drop stray line breaks."""
    value = re.sub(r"\r?\n(?=[ \t])", "", value)
    return value.replace("\r", "").replace("\n", "")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_text(value: str, *, nfc: bool = True) -> str:
    """Control characters become spaces; result is stripped and (by default) NFC-normalized."""
    value = _CONTROL.sub(" ", value).strip()
    return unicodedata.normalize("NFC", value) if nfc else value


_B64_CLEAN = re.compile(rb"[A-Za-z0-9+/]*={0,2}")


def b64decode_lenient(data: bytes) -> tuple[bytes, list[str]]:
    """Decode base64 the way mail clients do, saying what was wrong with it.

    Returns ``(bytes, issues)``; issues are phrases such as ``"is truncated (...)"``. Whitespace
    is ignored; independently padded chunks (concatenated encoder output) are decoded one by one;
    a final chunk that stops mid-quantum is decoded as far as it goes and reported as truncated.
    """
    compact = data.translate(None, b" \t\r\n\f\v")
    if len(compact) % 4 == 0 and _B64_CLEAN.fullmatch(compact):
        return binascii.a2b_base64(compact), []  # the usual case: one copy, no slicing
    issues: list[str] = []
    cleaned = re.sub(rb"[^A-Za-z0-9+/=]", b"", compact)
    if len(cleaned) != len(compact):
        issues.append(
            f"contains {len(compact) - len(cleaned)} character(s) outside the base64 alphabet"
            " (ignored)"
        )
    out = bytearray()
    chunks = re.findall(rb"([A-Za-z0-9+/]*)(=*)", cleaned)
    chunks = [(body, pad) for body, pad in chunks if body or pad]
    for index, (body, pad) in enumerate(chunks):
        last = index == len(chunks) - 1
        rest = len(body) % 4
        if rest == 1:
            body = body[:-1]
            rest = 0
            if last:
                issues.append("is truncated (ends in the middle of a base64 quantum)")
        elif rest and not pad and last:
            issues.append("is truncated (ends without base64 padding)")
        if rest:
            body += b"=" * (4 - rest)
        try:
            out += base64.b64decode(body)
        except binascii.Error:  # pragma: no cover - cleaned input always decodes
            issues.append("could not be decoded")
    return bytes(out), issues


def _q_decode(payload: str) -> bytes:
    raw = to_bytes(payload.replace("_", " "))
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), raw)


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def decode_header_text(raw: str | None, what: str, *, nfc: bool = True) -> tuple[str, list[str]]:
    """Decode an unfolded or folded header value with RFC 2047 encoded-words and raw 8-bit.

    Adjacent encoded-words in the same charset are joined *as bytes* before decoding, so a
    multi-byte character split across two words (common with CP949 and UTF-8 senders) survives.
    Whitespace between encoded-words is dropped (RFC 2047 §6.2). Encoded-words are also
    recognised inside quoted strings and parameter values, as real Korean mailers write them.
    Result: control characters removed, stripped, NFC-normalized unless ``nfc=False``.
    """
    if raw is None:
        return "", []
    text = unfold(raw)
    problems: list[str] = []
    # pieces: [kind, charset, value] with kind "text" (str) or "word" (bytes)
    pieces: list[list] = []
    pos = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[pos : match.start()]
        if between and not (pieces and pieces[-1][0] == "word" and between.isspace()):
            pieces.append(["text", None, between])
        charset = match[1].split("*", 1)[0]
        payload = match[3]
        if match[2] in "bB":
            data, issues = b64decode_lenient(to_bytes(payload))
            for issue in issues:
                problems.append(f"{what}: an RFC 2047 encoded-word {issue}")
        else:
            data = _q_decode(payload)
        if pieces and pieces[-1][0] == "word" and pieces[-1][1].lower() == charset.lower():
            pieces[-1][2] += data
        else:
            pieces.append(["word", charset, data])
        pos = match.end()
    if pos < len(text):
        pieces.append(["text", None, text[pos:]])
    out: list[str] = []
    for kind, charset, value in pieces:
        if kind == "word":
            decoded, issues = decode_bytes(value, charset, what)
        else:
            decoded, issues = decode_raw_text(value, what)
        out.append(decoded)
        problems.extend(issues)
    return clean_text("".join(out), nfc=nfc), problems


# --- MIME parameters (Content-Type / Content-Disposition) ----------------------------------


def _split_params(value: str) -> list[str]:
    """Split on ';' outside double quotes (backslash escapes honoured)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            current.append(ch)
            escaped = True
        elif ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    if value.startswith('"'):  # unterminated quote (truncated header): keep what is there
        return re.sub(r"\\(.)", r"\1", value[1:])
    return value


def parse_param_header(raw: str | None, what: str) -> tuple[str, dict[str, str], list[str]]:
    """Parse ``value; a=b; c*=utf-8''%ED%95%9C`` into ``(value, {name: decoded}, problems)``.

    Handles RFC 2231 (extended values, continuations, mixed encoded/plain continuations), plain
    values that hold RFC 2047 encoded-words (``filename="=?EUC-KR?B?...?="``, non-standard but
    universal in Korean mail) and raw 8-bit values (CP949 bytes straight in the header). When a
    parameter is given both ways, the RFC 2231 form wins. Names are lower-cased. Values are
    *not* Unicode-normalized (callers keep the original file name and normalize a copy).
    """
    if raw is None:
        return "", {}, []
    problems: list[str] = []
    parts = _split_params(unfold(raw))
    main = parts[0].strip().lower()
    simple: dict[str, str] = {}
    extended: dict[str, dict[int, tuple[bool, str]]] = {}
    for part in parts[1:]:
        if "=" not in part:
            continue
        name, _, value = part.partition("=")
        name = name.strip().lower()
        if not name:
            continue
        encoded = name.endswith("*")
        base = name[:-1] if encoded else name
        continuation = re.fullmatch(r"(.+)\*(\d+)", base)
        if continuation:
            extended.setdefault(continuation[1], {})[int(continuation[2])] = (
                encoded,
                _unquote(value),
            )
        elif encoded:
            extended.setdefault(base, {})[0] = (True, _unquote(value))
        else:
            simple.setdefault(name, _unquote(value))
    params: dict[str, str] = {}
    for name, value in simple.items():
        decoded, issues = decode_header_text(value, f"{what} parameter {name!r}", nfc=False)
        params[name] = decoded
        problems.extend(issues)
    for name, segments in extended.items():
        charset: str | None = None
        data = bytearray()
        for position, index in enumerate(sorted(segments)):
            if index != position:
                problems.append(
                    f"{what} parameter {name!r}: RFC 2231 continuation {position} is missing"
                )
                break
            encoded, value = segments[index]
            if encoded:
                if index == 0:
                    pieces = value.split("'", 2)
                    if len(pieces) == 3:
                        charset, value = pieces[0] or None, pieces[2]
                data += unquote_to_bytes(to_bytes(value))
            else:
                data += to_bytes(value)
        decoded, issues = decode_bytes(bytes(data), charset, f"{what} parameter {name!r}")
        problems.extend(issues)
        params[name] = clean_text(decoded, nfc=False)
    return main, params, problems
