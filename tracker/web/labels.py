"""Display names for the closed vocabularies, in the reader's language."""

from flask_babel import lazy_gettext as _l

LABELS = {
    "matter_kind": {
        "civil": _l("Civil"),
        "criminal": _l("Criminal"),
        "administrative": _l("Administrative"),
        "pre_litigation": _l("Pre-litigation"),
    },
    "procedural_role": {
        "plaintiff": _l("Plaintiff (원고)"),
        "defendant": _l("Defendant (피고)"),
        "intervenor": _l("Intervenor (참가인)"),
    },
    "matter_status": {"open": _l("Open"), "on_hold": _l("On hold"), "closed": _l("Closed")},
    "party_role": {
        "our_side": _l("Our side"),
        "counterparty": _l("Counterparty"),
        "third_party": _l("Third party"),
        "regulator": _l("Regulator"),
        "court": _l("Court"),
    },
    "demand_kind": {
        "data_transfer": _l("Data transfer"),
        "settlement": _l("Settlement"),
        "other": _l("Other"),
    },
    "channel": {
        "official_letter": _l("Official letter"),
        "letter": _l("Letter"),
        "email": _l("Email"),
        "meeting": _l("Meeting"),
        "call": _l("Phone call"),
        "other": _l("Other"),
    },
    "item_status": {
        "outstanding": _l("Outstanding"),
        "partial": _l("Partially delivered"),
        "refused": _l("Refused"),
        "delivered": _l("Delivered"),
        "verified": _l("Verified"),
    },
    "position": {
        "complied": _l("Complied"),
        "partial": _l("Partial"),
        "refused": _l("Refused"),
        "conditional": _l("Conditional"),
        "silent": _l("No answer"),
    },
    "direction": {"in": _l("Received"), "out": _l("Sent")},
    "fact_status": {
        "undisputed": _l("Undisputed"),
        "disputed_by_them": _l("Disputed by them"),
        "disputed_by_us": _l("Disputed by us"),
        "unsure": _l("Unsure"),
    },
    "precision": {
        "day": _l("Exact day"),
        "month": _l("Month only"),
        "year": _l("Year only"),
        "about": _l("Approximate"),
    },
    "role": {"admin": _l("Admin"), "editor": _l("Editor"), "viewer": _l("Viewer")},
    "label_scheme": {
        "gap": _l("갑 제N호증 (plaintiff)"),
        "eul": _l("을 제N호증 (defendant)"),
        "byeong": _l("병 제N호증 (intervenor)"),
        "jeung": _l("증 제N호 (numbered list)"),
        "complaint": _l("증 제N호증 (criminal complaint)"),
        "exhibit": _l("Exhibit N (English)"),
    },
    "deadline_kind": {
        "hard": _l("Hard deadline (기한)"),
        "follow_up": _l("Follow-up"),
        "hearing": _l("Hearing / appointment"),
    },
    "deadline_status": {
        "open": _l("Open"),
        "met": _l("Met"),
        "missed": _l("Missed"),
        "extended": _l("Extended"),
        "cancelled": _l("Cancelled"),
    },
    "reminder_status": {
        "sending": _l("Sending"),
        "sent": _l("Sent"),
        "failed": _l("Failed"),
        "skipped": _l("Skipped"),
    },
    "job_status": {
        "queued": _l("Queued"),
        "running": _l("Running"),
        "done": _l("Done"),
        "failed": _l("Failed"),
        "cancelled": _l("Cancelled"),
    },
    "purpose": {
        "civil": _l("Civil"),
        "criminal": _l("Criminal"),
        "internal": _l("Internal review"),
    },
    "action": {
        "create": _l("created"),
        "update": _l("changed"),
        "delete": _l("deleted"),
        "link": _l("linked"),
        "unlink": _l("unlinked"),
        "renumber": _l("label changed"),
        "custody.received": _l("received"),
        "custody.viewed": _l("viewed"),
        "custody.downloaded": _l("downloaded"),
        "custody.exported": _l("exported"),
        "custody.included_in_dossier": _l("included in a dossier"),
        "custody.integrity_verified": _l("integrity verified"),
    },
}


def label(kind: str, value) -> str:
    return str(LABELS.get(kind, {}).get(str(value), value))


def choices(kind: str, blank: str | None = None) -> list[tuple[str, str]]:
    items = [(key, text) for key, text in LABELS[kind].items()]
    return ([("", blank)] if blank is not None else []) + items
