"""Korean time: store UTC, show and reason in Asia/Seoul (UTC+9, no DST)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")

WEEKDAYS = {
    "ko": ("월", "화", "수", "목", "금", "토", "일"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def to_kst(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(KST)


def kst_today(now: datetime) -> date:
    return to_kst(now).date()


def format_day(day: date | datetime | None, lang: str = "ko") -> str:
    """``2022-02-28 (월)``; a datetime is first moved to KST."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = to_kst(day).date()
    names = WEEKDAYS.get(lang, WEEKDAYS["en"])
    return f"{day.isoformat()} ({names[day.weekday()]})"


def format_moment(moment: datetime | None, lang: str = "ko") -> str:
    """``2022-02-28 (월) 14:05 KST``."""
    if moment is None:
        return ""
    local = to_kst(moment)
    return f"{format_day(local.date(), lang)} {local:%H:%M} KST"
