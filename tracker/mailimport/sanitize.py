"""Make email HTML safe to display, and turn HTML into plain text.

``sanitize_html`` is an allow-list (nh3 / ammonia): formatting tags only; no script, style,
iframe, object, embed, form controls, SVG/MathML, meta/base/link; no event handlers; links
only to http(s)/mailto/tel and always ``rel="noopener noreferrer nofollow"``; images only from
``cid:`` (left for the caller to map to attachments) or inline ``data:image/*``, so remote images
and tracking pixels never load (the ``src`` is dropped, the ``<img>`` and its ``alt`` stay);
``style`` attributes are cut down to a list of harmless properties with plain values (no
``url()``, ``expression()``, escapes, ``behavior``...). Legacy ``background=`` attributes, which
also load remote images, are not allowed.

The output is meant to be shown inside the tracker's own page; the caller should still serve it
in a sandboxed frame or under a CSP that forbids remote images, as defence in depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

_TAGS = {
    "a",
    "abbr",
    "address",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
}

# Removed together with everything inside them.
_CLEAN_CONTENT = {
    "applet",
    "button",
    "embed",
    "frame",
    "frameset",
    "head",
    "iframe",
    "math",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "script",
    "select",
    "style",
    "svg",
    "template",
    "textarea",
    "title",
    "xml",
}

_GENERIC_ATTRS = {"style", "title", "dir", "lang", "align", "valign"}
_ATTRS = {
    "*": _GENERIC_ATTRS,
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "border"},
    "font": {"color", "face", "size"},
    "table": {"border", "cellpadding", "cellspacing", "width", "bgcolor"},
    "td": {"colspan", "rowspan", "width", "height", "bgcolor", "nowrap"},
    "th": {"colspan", "rowspan", "width", "height", "bgcolor", "nowrap", "scope"},
    "tr": {"bgcolor"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "ol": {"start", "type"},
    "ul": {"type"},
    "li": {"value"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "hr": {"size", "width", "noshade"},
}

_STYLE_PROPERTIES = {
    "background-color",
    "border",
    "border-bottom",
    "border-collapse",
    "border-color",
    "border-left",
    "border-radius",
    "border-right",
    "border-spacing",
    "border-style",
    "border-top",
    "border-width",
    "color",
    "direction",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "height",
    "letter-spacing",
    "line-height",
    "list-style-type",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "max-width",
    "min-width",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "table-layout",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "vertical-align",
    "white-space",
    "width",
    "word-break",
    "word-spacing",
}
_STYLE_VALUE = re.compile(r"[\w\s#%.,'\"+\-/!()]*")
_STYLE_FORBIDDEN = re.compile(
    r"expression|url|javascript|vbscript|behavior|binding|import|image|element|attr|var\s*\(",
    re.IGNORECASE,
)
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|jpg|gif|webp|bmp);base64,[A-Za-z0-9+/=\s]*", re.I)
_LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")


def clean_style(value: str) -> str:
    """Keep only allow-listed CSS declarations whose values are plain (no functions but rgb())."""
    value = re.sub(r"/\*.*?\*/", "", value, flags=re.S)
    kept: list[str] = []
    for declaration in value.split(";"):
        name, sep, val = declaration.partition(":")
        name = name.strip().lower()
        val = val.strip()
        if not sep or name not in _STYLE_PROPERTIES or not val:
            continue
        if "\\" in val or "&" in val or _STYLE_FORBIDDEN.search(val):
            continue
        if not _STYLE_VALUE.fullmatch(val):
            continue
        if "(" in val and not re.fullmatch(r"(?:[^()]|(?:rgba?|hsla?)\([^()]*\))*", val, re.I):
            continue
        kept.append(f"{name}: {val}")
    return "; ".join(kept)


@dataclass
class SanitizeReport:
    remote_images_blocked: int = 0


def sanitize_html(html: str, report: SanitizeReport | None = None) -> str:
    """Sanitize email HTML for display (see module docstring). Returns a fragment."""
    if not html or not html.strip():
        return ""
    report = report if report is not None else SanitizeReport()

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        compact = re.sub(r"[\x00-\x20]", "", value).lower()
        if attr == "style":
            return clean_style(value) or None
        if tag == "img" and attr == "src":
            if compact.startswith("cid:") or _DATA_IMAGE.fullmatch(value.strip()):
                return value.strip()
            report.remote_images_blocked += 1
            return None
        if attr in {"href", "cite"}:
            return value.strip() if compact.startswith(_LINK_SCHEMES) else None
        return value

    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_CLEAN_CONTENT,
        attributes=_ATTRS,
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
        # Relative URLs reach attribute_filter, which drops them (counted for images).
        url_relative="pass_through",
    ).strip()


# --- HTML → text ----------------------------------------------------------------------------

_BLOCK = {
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tr",
    "ul",
}
_SKIP = {"script", "style", "head", "title", "xml", "template", "noscript", "svg", "math"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.cell_in_row = 0

    def _newline(self) -> None:
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag == "tr":
            self._newline()
            self.cell_in_row = 0
        elif tag in {"td", "th"}:
            if self.cell_in_row:
                self.out.append("\t")
            self.cell_in_row += 1
        elif tag in _BLOCK:
            self._newline()
            if tag == "pre":
                self.pre += 1
            if tag == "li":
                self.out.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag in _BLOCK:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self._newline()
            if tag in {"p", "blockquote", "table", "h1", "h2", "h3", "h4", "h5", "h6"}:
                self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        data = data.replace("\xa0", " ")
        if not self.pre:
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
            if self.out and self.out[-1].endswith(("\n", "\t", " ")):
                data = data.lstrip(" ")
        if data:
            self.out.append(data)


def text_html_to_plain(html: str) -> str:
    """Readable plain text from email HTML: block elements and ``<br>`` become line breaks,
    list items get ``- ``, table cells are tab-separated, script/style/head are dropped,
    entities are decoded, runs of blank lines collapse to one. Links keep their text only."""
    if not html:
        return ""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
