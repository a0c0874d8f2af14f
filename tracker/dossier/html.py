"""Context dict → print HTML, through a sandboxed, autoescaping Jinja environment.

Two outputs come from the same templates:

- ``render_html(context)``: one self-contained document (cover, contents, every section, one
  page per exhibit) whose page numbers come from CSS ``target-counter``. It is the preview and
  the single-pass baseline.
- ``render_parts(context)``: the same content cut into independent parts (front matter, each
  section, big tables in chunks, exhibit notes) for the parallel, cached build. Page numbers are
  left as empty placeholders (``<span class="pno" id="pno:…">``) and drawn in the final pass,
  once every part's page count is known.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, pass_context
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..domain.exhibit_labels import text_sort_key
from .chart import bar_chart
from .context import check_context, sections_of
from .fetcher import TEMPLATE_DIR
from .glyphs import printable
from .typeset import keep_words
from .wording import (
    audit_field,
    audit_profile,
    dossier_amount,
    dossier_date,
    dossier_moment,
    filing_date,
    labels_for,
    sides,
    term,
    with_topic,
)

KST = dt.timezone(dt.timedelta(hours=9), "KST")

#: Rows per chunk of a long table: chunk ends are chosen from the content (a hash of each row)
#: so inserting or editing a row re-renders one chunk, not every chunk after it.
CHUNK_TARGET = 64
CHUNK_MIN = 100
CHUNK_MAX = 180
#: Exhibits are listed one by one in the table of contents up to this many.
TOC_EXHIBIT_LIMIT = 40


@dataclasses.dataclass(frozen=True)
class Part:
    """One independently rendered piece of the body."""

    name: str  # "front", "chronology.2", "notes"
    section: str | None  # section this part belongs to (None for front matter and notes)
    first: bool  # first part of its section (carries the section anchor and heading)
    html: str

    @property
    def key(self) -> str:
        return hashlib.sha256(self.html.encode("utf-8")).hexdigest()


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _number
    env.filters["signed"] = _signed
    env.filters["day"] = _day_filter
    env.filters["amount"] = _amount_filter
    env.filters["sha_lines"] = _sha_lines
    return env


_ENV: SandboxedEnvironment | None = None


def environment() -> SandboxedEnvironment:
    global _ENV  # noqa: PLW0603 - one environment per process, built lazily
    if _ENV is None:
        _ENV = _environment()
    return _ENV


def _number(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _signed(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:+,}" if value else "0"
    return str(value)


def _day(value: Any, purpose: str | None = None, lang: str | None = None) -> str:
    if value is None or value == "":
        return "—"
    return dossier_date(value, purpose, lang)


@pass_context
def _day_filter(context: Any, value: Any) -> str:
    """``{{ d|day }}``: court style (2021. 12. 3.) in a civil or criminal Korean dossier."""
    return _day(value, context.get("purpose"), context.get("lang"))


@pass_context
def _amount_filter(context: Any, value: Any, unit: str | None = "KRW") -> str:
    """``{{ n|amount }}``: 1,234,500원 in a civil or criminal Korean dossier."""
    return dossier_amount(value, unit, context.get("purpose"), context.get("lang"))


def _sha_lines(value: str) -> Markup:
    """64 hex digits as two lines of 32, so the column stays narrow and nothing wraps."""
    text = str(value).lower()
    return Markup("<br>").join(text[i : i + 32] for i in range(0, len(text), 32))


def kst_text(moment: dt.datetime, purpose: str | None = None, lang: str | None = None) -> str:
    return dossier_moment(moment, purpose, lang)


def label_sort_key(label: str) -> tuple:
    """Court order for exhibit labels: 갑 제2호증 < 갑 제10호증 < 갑 제10호증의 2 (the one
    implementation is ``exhibit_labels.text_sort_key``)."""
    return text_sort_key(unicodedata.normalize("NFC", label))


def nfc(value: Any) -> Any:
    """Every string made printable (NFC, no control characters, only characters the shipped
    fonts have: see ``glyphs.printable_text``); file paths are left alone."""
    return printable(value)


def ordered_exhibits(context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Exhibits in label order, each with its anchor ``ex-N`` and attachment name."""
    exhibits = sorted(
        (_filled("exhibit", nfc(e)) for e in context.get("exhibits") or []),
        key=lambda e: label_sort_key(e["label"]),
    )
    for number, exhibit in enumerate(exhibits, start=1):
        exhibit["anchor"] = f"ex-{number}"
        exhibit["attachment"] = attachment_name(number, exhibit)
    return exhibits


def attachment_name(number: int, exhibit: Mapping[str, Any]) -> str:
    label = re.sub(r"\s+", "", exhibit["label"])
    filename = exhibit.get("filename") or "file"
    return f"{number:03d}_{label}_{filename}".replace("/", "_").replace("\\", "_")


def chunk_rows(
    rows: Sequence[Any],
    *,
    target: int = CHUNK_TARGET,
    minimum: int = CHUNK_MIN,
    maximum: int = CHUNK_MAX,
) -> list[list[Any]]:
    """Cut ``rows`` where a row's content hash says so (content-defined chunking)."""
    chunks: list[list[Any]] = []
    current: list[Any] = []
    for row in rows:
        current.append(row)
        digest = hashlib.sha256(
            json.dumps(row, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).digest()
        boundary = int.from_bytes(digest[:4], "big") % target == 0
        if (boundary and len(current) >= minimum) or len(current) >= maximum:
            chunks.append(current)
            current = []
    if current:
        if chunks and len(current) < minimum // 3:
            chunks[-1].extend(current)
        else:
            chunks.append(current)
    return chunks or [[]]


class _View:
    """Everything the templates read, derived once from the context."""

    def __init__(self, context: Mapping[str, Any], mode: str) -> None:
        check_context(context)
        ctx = nfc(dict(context))
        lang = ctx["lang"]
        self.mode = mode
        self.lang = lang
        self.purpose = ctx["purpose"]
        self.labels = labels_for(lang)
        self.ctx = ctx
        self.sections = sections_of(ctx)
        self.exhibits = ordered_exhibits(ctx)
        self.anchor_by_label = {e["label"]: e["anchor"] for e in self.exhibits}
        role = (ctx.get("matter") or {}).get("procedural_role") or ""
        self.sides = sides(self.purpose, lang, role)
        # Court papers name each side by its role; internal papers keep 우리 측 / 상대방.
        self.term_sides = self.sides if self.purpose != "internal" else None

    def text(self, key: str, **values: Any) -> str:
        template = self.labels[key]
        return template.format(**values) if values else template

    def section_title(self, name: str) -> str:
        return section_titles(self.ctx)[name]

    def globals(self) -> dict[str, Any]:
        ctx = self.ctx
        matter = ctx.get("matter") or {}
        return {
            "mode": self.mode,
            "lang": self.lang,
            "purpose": self.purpose,
            "t": self.text,
            "term": lambda group, value: term(group, value, self.lang, self.term_sides),
            "sides": self.sides,
            "our_role_topic": with_topic(self.sides["our"])
            if self.lang == "ko"
            else self.sides["our"].lower(),
            "audit_field": lambda name: audit_field(name, self.lang),
            "audit_profile": lambda name: audit_profile(name, self.lang),
            "filed_on": filing_date(ctx["generated_at"].astimezone(KST).date(), self.lang),
            "our_parties": [
                _filled("party", p)
                for p in ctx.get("parties") or []
                if p.get("role_code") == "our_side"
            ],
            "their_parties": [
                _filled("party", p)
                for p in ctx.get("parties") or []
                if p.get("role_code") == "counterparty"
            ],
            "section_title": self.section_title,
            "exhibit_anchor": self.anchor_by_label.get,
            "dossier_number": ctx["dossier_number"],
            "prepared_by": ctx["prepared_by"],
            "confidentiality": ctx["confidentiality"],
            "generated_kst": kst_text(ctx["generated_at"], self.purpose, self.lang),
            "signature_note": ctx.get("signature_note") or self.text("cover.unsigned"),
            "audit_head": ctx.get("audit_head") or None,
            "matter": {key: matter.get(key) or "" for key in _MATTER_KEYS},
            "parties": [_filled("party", p) for p in ctx.get("parties") or []],
            "sections": self.sections,
            "exhibits": self.exhibits,
            "toc_exhibits": self.exhibits if len(self.exhibits) <= TOC_EXHIBIT_LIMIT else [],
            "document_title": f"{self.text('title.' + self.purpose)} — {matter.get('title', '')}",
        }

    # -- section payloads ------------------------------------------------------------------

    def facts(self) -> list[dict[str, Any]]:
        return [_filled("fact", row) for row in self.ctx.get("facts") or []]

    def letters(self) -> list[dict[str, Any]]:
        return [_filled("letter", row) for row in self.ctx.get("correspondence") or []]

    def demands(self) -> list[dict[str, Any]]:
        demands = []
        for row in self.ctx.get("demands") or []:
            demand = _filled("demand", row)
            demand["items"] = [_filled("item", item) for item in demand["items"]]
            demand["responses"] = [_filled("response", r) for r in demand["responses"]]
            demands.append(demand)
        return demands

    def deadlines(self) -> list[dict[str, Any]]:
        return [_filled("deadline", row) for row in self.ctx.get("deadlines") or []]

    def custody(self) -> list[dict[str, Any]]:
        """One row per exhibit in the dossier, in label order, with its exhibit's anchor."""
        by_label = {row.get("label"): row for row in self.ctx.get("custody") or []}
        rows = []
        for exhibit in self.exhibits:
            row = _filled("custody", by_label.get(exhibit["label"]) or {})
            row.update(label=exhibit["label"], anchor=exhibit["anchor"])
            row["matches_file"] = row["sha256_at_receipt"] == exhibit.get("sha256")
            rows.append(row)
        return rows

    def discrepancies(self) -> dict[str, Any]:
        figures = self.ctx.get("figures") or {}
        rows = list(figures.get("rows") or [])
        baseline = figures.get("baseline") or ""
        sources: list[str] = []
        for row in rows:
            for name in (row.get("values") or {}).keys():
                if name not in sources:
                    sources.append(name)
        others = [name for name in sources if name != baseline]
        chart = None
        if rows and others:
            chart = bar_chart(
                [
                    f"{row.get('metric', '')} "
                    f"({_day(row.get('reference_date'), self.purpose, self.lang)})"
                    for row in rows
                ],
                others,
                [[(row.get("diffs") or {}).get(name) for name in others] for row in rows],
                title=self.text("figures.chart"),
            )
        reconciliations = [
            _filled("reconciliation", r) for r in self.ctx.get("reconciliations") or []
        ]
        recon_chart = None
        if reconciliations:
            series = [
                self.text("recon.matched"),
                self.text("recon.mismatched"),
                self.text("recon.only_left_generic"),
                self.text("recon.only_right_generic"),
            ]
            lefts = {r["left_name"] for r in reconciliations}
            rights = {r["right_name"] for r in reconciliations}
            if len(lefts) == 1 and len(rights) == 1:  # one pair of sources: name them
                series[2] = self.text("recon.only_left", name=lefts.pop())
                series[3] = self.text("recon.only_right", name=rights.pop())
            recon_chart = bar_chart(
                [r.get("title", "") for r in reconciliations],
                series,
                [
                    [
                        _int_or_none((r.get("summary") or {}).get(key))
                        for key in ("matched", "mismatched", "only_left", "only_right")
                    ]
                    for r in reconciliations
                ],
                title=self.text("recon.chart"),
                signed=False,
            )
        return {
            "figure_rows": rows,
            "sources": sources,
            "others": others,
            "baseline": baseline,
            "chart": chart,
            "reconciliations": reconciliations,
            "recon_chart": recon_chart,
            "audits": [_filled("audit", a) for a in self.ctx.get("data_audits") or []],
            # All figures in won: one "(단위: 원)" above the table instead of 원 in every cell.
            "money": all((row.get("unit") or "KRW") == "KRW" for row in rows),
        }


_MATTER_KEYS = (
    "reference",
    "title",
    "kind",
    "status",
    "summary",
    "our_side",
    "court",
    "case_number",
    "case_name",
    "procedural_role",
    "criminal_addressee",
)
_ROW_KEYS: dict[str, dict[str, Any]] = {
    "fact": {"date_text": "", "text": "", "status": "", "sources": []},
    "letter": {
        "date": "",
        "direction": "",
        "kind": "",
        "counterpart": "",
        "subject": "",
        "exhibit_labels": [],
    },
    "demand": {
        "title": "",
        "party": "",
        "sent_on": "",
        "channel": "",
        "basis": "",
        "due_on": "",
        "items": [],
        "responses": [],
    },
    "item": {
        "category": "",
        "reference_date": "",
        "status": "",
        "latest_response": "",
        "deadline_result": "open",
        "days_late": None,
    },
    "response": {"received_on": "", "position": "", "grounds": "", "conditions": ""},
    "party": {
        "name": "",
        "role": "",
        "contact": "",
        "role_code": "",
        "address": "",
        "representative": "",
    },
    "exhibit": {
        "title": "",
        "author": "",
        "made_on": "",
        "original": False,
        "proves": "",
        "filename": "",
        "media_type": "",
        "size": None,
        "unreadable": None,
        "too_large": False,
        "pixels": None,
    },
    "reconciliation": {"title": "", "left_name": "", "right_name": "", "summary": {}},
    "deadline": {
        "title": "",
        "kind": "",
        "due_on": "",
        "status": "open",
        "days": None,
        "met_on": "",
        "basis": "",
        "note": "",
        "trace": [],
    },
    "custody": {
        "received_on": "",
        "source": "",
        "how": "",
        "sha256_at_receipt": "",
        "receipt_seq": None,
        "events": [],
    },
    "audit": {"title": "", "profile": "", "rows": None, "usable_rows": None},
}


def _filled(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` with every key the templates read (missing ones get an empty value)."""
    filled = {key: (list(v) if isinstance(v, list) else v) for key, v in _ROW_KEYS[kind].items()}
    filled.update({key: value for key, value in row.items() if value is not None})
    return filled


_CHUNKED = {
    "chronology": "facts",
    "correspondence": "letters",
    "evidence_statement": "exhibits",
    "custody": "custody",
}


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _render(template: str, view: _View, **values: Any) -> str:
    env = environment()
    # Korean words never break inside (see typeset.py); done on the output so that every
    # template's text, fixed wording and user text alike, is covered.
    return keep_words(env.get_template(template).render(**view.globals(), **values))


def _section_values(view: _View, name: str) -> dict[str, Any]:
    if name == "chronology":
        return {"rows": view.facts()}
    if name == "correspondence":
        return {"rows": view.letters()}
    if name == "evidence_statement":
        return {"rows": view.exhibits}
    if name == "demands":
        return {"demands": view.demands()}
    if name == "discrepancies":
        return view.discrepancies()
    if name == "deadlines":
        return {"deadlines": view.deadlines()}
    if name == "custody":
        return {"rows": view.custody()}
    return {}


def render_html(context: Mapping[str, Any]) -> str:
    """The whole dossier as one print-ready HTML document (one page per exhibit).

    Page numbers in the contents and the evidence statement use CSS ``target-counter``, so this
    document is correct on its own when WeasyPrint lays it out in a single pass. Refuses (with
    ``ContextInvalid``) a context it could not print faithfully; user text never makes it fail
    (characters no shipped font has are shown by name, see ``glyphs.printable_text``).
    """
    view = _View(context, "single")
    sections = [
        {
            "name": name,
            "first": True,
            "continued": False,
            "last": True,
            **_section_values(view, name),
        }
        for name in view.sections
    ]
    return _render("document.html", view, parts=sections, notes=view.exhibits)


def render_parts(
    context: Mapping[str, Any], *, notes_for: Callable[[Iterable[dict[str, Any]]], list[dict]]
) -> tuple[list[Part], list[dict[str, Any]]]:
    """The dossier cut into independently renderable parts, plus the ordered exhibit list.

    ``notes_for(exhibits)`` picks the exhibits that need a generated description page (files
    that are neither PDF nor image, or that could not be opened); they share one ``notes`` part.
    """
    view = _View(context, "parted")
    parts = [Part("front", None, True, _render("front.html", view))]
    for name in view.sections:
        values = _section_values(view, name)
        if name in _CHUNKED:
            chunks = chunk_rows(values["rows"])
            for index, rows in enumerate(chunks):
                html = _render(
                    "part.html",
                    view,
                    section={
                        "name": name,
                        "first": index == 0,
                        "continued": index > 0,
                        "last": index == len(chunks) - 1,
                    },
                    values={**values, "rows": rows},
                )
                parts.append(Part(f"{name}.{index}", name, index == 0, html))
        else:
            html = _render(
                "part.html",
                view,
                section={"name": name, "first": True, "continued": False, "last": True},
                values=values,
            )
            parts.append(Part(name, name, True, html))
    notes = notes_for(view.exhibits)
    if notes:
        parts.append(Part("notes", None, True, _render("notes.html", view, notes=notes)))
    return parts, view.exhibits


def section_titles(context: Mapping[str, Any]) -> dict[str, str]:
    """Printed titles of the chosen sections, plus ``exhibits``, ``toc`` and ``cover``."""
    labels = labels_for(context["lang"])
    purpose = context["purpose"]
    titles = {}
    for name in sections_of(context):
        key = f"section.{name}.{purpose}" if name == "evidence_statement" else f"section.{name}"
        titles[name] = labels[key]
    titles["exhibits"] = labels["section.exhibits"]
    titles["toc"] = labels["toc"]
    titles["cover"] = labels[f"title.{purpose}"]
    return titles
