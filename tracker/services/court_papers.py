"""What a court-facing dossier printed blank: the warnings a build lists, on screen and in the CLI.

A civil dossier's 증거설명서 needs, for each exhibit, its 작성자, 작성일 and 입증취지, and from
the matter the court, the case number and our procedural role; a criminal dossier's 증거목록
needs the same of each exhibit and the complaint's addressee. A build never stops for a gap
(the lawyer may fill it in by hand), but it says which ones it left, from the very data the
PDF was made of: the dossier's snapshot, or the context of a preview.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..models import Dossier
from .checks import N_

#: Exhibit fields the statement prints, with the names a reader knows them by.
EXHIBIT_FIELDS = (
    ("author", N_("Author (작성자)")),
    ("made_on", N_("Document date (작성일)")),
    ("proves", N_("What it proves (입증취지)")),
)

_MESSAGES = {
    "no_court": N_(
        "No court is recorded on the matter: the evidence statement is addressed to “○○지방법원”."
    ),
    "no_case_number": N_(
        "No case number is recorded on the matter: the 사건 line of the evidence statement "
        "is blank."
    ),
    "no_role": N_(
        "Our procedural role is not recorded on the matter: the evidence statement names us "
        "원고 (plaintiff)."
    ),
    "no_addressee": N_(
        "No addressee is recorded on the matter: the complaint annex is addressed to “○○경찰서장”."
    ),
    "exhibit_gaps": N_("%(label)s: %(fields)s left empty."),
}


def gaps(context: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The blanks of a court-facing dossier, as ``(code, params)``, matter first, then each
    exhibit in the order printed. Internal dossiers have none."""
    purpose = context.get("purpose")
    if purpose not in ("civil", "criminal"):
        return []
    matter = context.get("matter") or {}
    found: list[tuple[str, dict[str, Any]]] = []
    if purpose == "civil":
        for key, code in (
            ("court", "no_court"),
            ("case_number", "no_case_number"),
            ("procedural_role", "no_role"),
        ):
            if not str(matter.get(key) or "").strip():
                found.append((code, {}))
    elif not str(matter.get("criminal_addressee") or "").strip():
        found.append(("no_addressee", {}))
    for exhibit in context.get("exhibits") or []:
        missing = [key for key, _name in EXHIBIT_FIELDS if not str(exhibit.get(key) or "").strip()]
        if missing:
            found.append(("exhibit_gaps", {"label": exhibit.get("label", ""), "fields": missing}))
    return found


def render(found: list[tuple[str, dict[str, Any]]], locale: str | None = None) -> list[str]:
    """The gaps as sentences in the reader's language (the request's, or ``locale``)."""
    from contextlib import nullcontext

    from flask_babel import force_locale, gettext

    names = dict(EXHIBIT_FIELDS)
    with force_locale(locale) if locale else nullcontext():
        lines = []
        for code, params in found:
            if code == "exhibit_gaps":
                fields = ", ".join(gettext(names[key]) for key in params["fields"])
                lines.append(gettext(_MESSAGES[code], label=params["label"], fields=fields))
            else:
                lines.append(gettext(_MESSAGES[code]))
        return lines


def of_dossier(row: Dossier, locale: str | None = None) -> list[str]:
    """The warnings of a built dossier, from the snapshot of the data it was made of."""
    if row.status != "done":
        return []
    return render(gaps(json.loads(row.snapshot or "{}")), locale)


def of_context(context: Mapping[str, Any], locale: str | None = None) -> list[str]:
    return render(gaps(context), locale)


def of_preview(
    *, session, vault, actor, matter_id: int | str, purpose: str, lang: str, at
) -> list[str]:
    """The warnings a preview (``dossier build --unsigned``) would list: the same data, read
    again, as the preview printed (it registers nothing, so it keeps no snapshot)."""
    from . import access, dossiers

    matter = access.matter_for(session, actor, matter_id)
    context = dossiers.build_context(
        session,
        vault,
        matter,
        number="PREVIEW",
        purpose=purpose,
        lang=lang,
        generated_at=at,
        prepared_by=getattr(actor, "name", str(actor)),
    )
    return of_context(context, getattr(actor, "locale", None))
