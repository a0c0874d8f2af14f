"""The words of reminder mail and calendar entries, in Korean and English.

A small table instead of Flask-Babel: the mail layer runs outside any request (in the worker)
and every string here is written for one of exactly two audiences: the city's legal team
(Korean) and outside counsel who read English. Templates get finished phrases from here, so
plural forms and word order stay in Python, where they are tested.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from ..domain.calendar import format_day

LANGS = ("ko", "en")
DEFAULT_LANG = "ko"

KINDS = {
    "ko": {"hard": "기한", "follow_up": "후속 조치", "hearing": "기일"},
    "en": {"hard": "Deadline", "follow_up": "Follow-up", "hearing": "Hearing"},
}

TEXT = {
    "ko": {
        "calendar_name": "{product} 기한",
        "heading": "기한 알림",
        "hello": "{name}님, 안녕하세요.",
        "hello_anon": "안녕하세요.",
        "intro": "담당하시거나 지켜보시는 기한 {n}건을 알려 드립니다. 급한 것부터 적었습니다.",
        "rule": "모든 기한은 기한일 24:00(한국 표준시, KST)에 끝납니다(민법 제159조).",
        "section_overdue": "기한이 지난 항목",
        "section_today": "오늘 마감",
        "section_upcoming": "다가오는 기한",
        "matter": "사건",
        "due": "마감",
        "kind": "구분",
        "owner": "담당",
        "trace": "계산 근거",
        "open": "기한 열기",
        "ics": (
            "첨부한 deadlines.ics 파일을 Outlook이나 Google 캘린더로 가져오면 위 기한이 일정으로 "
            "추가됩니다. 일정마다 고유 ID가 있어, 다시 가져오면 보통 새로 생기지 않고 기존 일정이 "
            "갱신됩니다."
        ),
        "footer": "이 메일은 {product}에서 {moment} 기준으로 자동 발송했습니다. 회신하지 마세요.",
        "subject_count": "기한 알림 {n}건",
        "subject_overdue": "기한 경과 {n}건",
        "subject_today": "오늘 마감 {n}건",
        "cancelled": "취소됨",
    },
    "en": {
        "calendar_name": "{product} deadlines",
        "heading": "Deadline reminder",
        "hello": "Dear {name},",
        "hello_anon": "Hello,",
        "intro": (
            "Here is the deadline you own or watch.|"
            "Here are the {n} deadlines you own or watch, most urgent first."
        ),
        "rule": (
            "Each deadline ends at 24:00 Korea Standard Time (KST, UTC+9) on its due date, "
            "which is 15:00 UTC that day (Korean Civil Act, Art. 159)."
        ),
        "section_overdue": "Overdue",
        "section_today": "Due today",
        "section_upcoming": "Coming up",
        "matter": "Matter",
        "due": "Due",
        "kind": "Type",
        "owner": "Owner",
        "trace": "How it was computed",
        "open": "Open the deadline",
        "ics": (
            "Import the attached deadlines.ics into Outlook or Google Calendar to add these "
            "deadlines to your calendar. Each entry has a fixed ID, so importing it again "
            "normally updates the entry instead of adding a copy."
        ),
        "footer": "Sent automatically by {product} as of {moment}. Please do not reply.",
        "subject_count": "{n} deadline|{n} deadlines",
        "subject_overdue": "{n} overdue|{n} overdue",
        "subject_today": "{n} due today|{n} due today",
        "cancelled": "Cancelled",
    },
}


def norm_lang(lang: str | None) -> str:
    """``"ko"`` or ``"en"``: ``"en_US"``/``"en-GB"`` count as English; anything unknown or empty
    falls back to Korean, the team's language."""
    code = (lang or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in LANGS else DEFAULT_LANG


def text(lang: str, key: str, n: int | None = None, **values: object) -> str:
    """One phrase; ``n`` picks the singular or plural of a ``"one|many"`` entry (English)."""
    phrase = TEXT[norm_lang(lang)][key]
    if "|" in phrase:
        one, many = phrase.split("|", 1)
        phrase = one if n == 1 else many
    return phrase.format(n=n, **values)


def kind_label(kind: str, lang: str) -> str:
    """``hard``/``follow_up``/``hearing`` in words; an unknown kind is shown as it is."""
    return KINDS[norm_lang(lang)].get(kind, kind)


def day_label(day: date, lang: str) -> str:
    """``2022-02-28 (월)`` / ``2022-02-28 (Mon)``."""
    return format_day(day, norm_lang(lang))


def due_phrase(day: date, lang: str) -> str:
    """When the deadline ends, always saying 24:00 KST: ``2022-02-28 (월) 24:00(KST)까지``."""
    if norm_lang(lang) == "ko":
        return f"{day_label(day, 'ko')} 24:00(KST)까지"
    return f"{day_label(day, 'en')}, ends 24:00 KST"


def countdown(days_left: int) -> str:
    """The badge: ``D-7``, ``D-day``, ``D+3`` (three days overdue). Computed from ``days_left``,
    not taken from the reminder slot: a deadline entered five days out is reminded in its D-7
    slot but is D-5."""
    if days_left > 0:
        return f"D-{days_left}"
    if days_left == 0:
        return "D-day"
    return f"D+{-days_left}"


def status_phrase(days_left: int, lang: str) -> str:
    """``7일 남음`` / ``오늘 마감`` / ``기한 경과 3일``; ``7 days left`` / ``due today`` /
    ``3 days overdue``."""
    if norm_lang(lang) == "ko":
        if days_left > 0:
            return f"{days_left}일 남음"
        if days_left == 0:
            return "오늘 마감"
        return f"기한 경과 {-days_left}일"
    if days_left > 0:
        return f"{days_left} day left" if days_left == 1 else f"{days_left} days left"
    if days_left == 0:
        return "due today"
    late = -days_left
    return f"{late} day overdue" if late == 1 else f"{late} days overdue"


def trace_lines(steps: Iterable[Mapping[str, Any]], lang: str) -> tuple[str, ...]:
    """A deadline's computation trace (the steps ``Deadline.trace`` stores) as lines in the
    reader's language, each led by its article: ``민법 제161조: …``. The reminder mail, the
    calendar entry and the dossier all print these same lines."""
    key = "ko" if norm_lang(lang) == "ko" else "en"
    return tuple(f"{step.get('article', '')}: {step.get(key, '')}" for step in steps)
