"""Deadlines under 민법 제155조~제161조 (Korean Civil Act, computation of periods).

Pure functions: no Flask, no database. Every computed deadline carries a trace of the steps
and the article behind each, so a lawyer can check the arithmetic next to the date.

Readings this module commits to (see also ``compute_due``):

* A ``date`` start is the day of the triggering event, so the first day is not counted
  (Art. 157). A ``datetime`` whose Seoul wall-clock time is exactly 00:00 starts the period at
  midnight, so that day counts (Art. 157 proviso). Naive datetimes are read as Seoul time.
* Hours and minutes (Art. 156) run from the moment itself and end at that exact moment.
  Art. 161 speaks of the *last day* (말일) of a period; a period in hours has an end moment
  rather than a last day, so no Saturday/holiday shifting is applied to it.
* Art. 160(2) and (3): the period ends the day before the day in the last week/month/year that
  corresponds to the first counted day (기산일). When that corresponding day does not exist
  (e.g. 02-30), the period ends on the last day of that month. So counting from 01-31 for one
  month ends 02-28/29, and counting from 02-01 ends the day before 03-01, also 02-28/29.
* A period counted from the first day of a month or year (Art. 160(1) without (2)) ends on the
  last day of the final month or year, which is the same date as the formula above.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays

KST = ZoneInfo("Asia/Seoul")

UNITS: tuple[str, ...] = ("minutes", "hours", "days", "weeks", "months", "years")

# Guards against absurd input before date arithmetic overflows; no real deadline comes close.
MAX_AMOUNT = 1_000_000

_UNIT_ALIASES: dict[str, str] = {
    "minute": "minutes",
    "minutes": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "분": "minutes",
    "hour": "hours",
    "hours": "hours",
    "hr": "hours",
    "hrs": "hours",
    "시간": "hours",
    "day": "days",
    "days": "days",
    "일": "days",
    "week": "weeks",
    "weeks": "weeks",
    "wk": "weeks",
    "wks": "weeks",
    "주": "weeks",
    "주일": "weeks",
    "month": "months",
    "months": "months",
    "개월": "months",
    "달": "months",
    "year": "years",
    "years": "years",
    "yr": "years",
    "yrs": "years",
    "년": "years",
}

_KO_UNIT = {
    "minutes": "분",
    "hours": "시간",
    "days": "일",
    "weeks": "주",
    "months": "개월",
    "years": "년",
}

_PERIOD_RE = re.compile(r"^(?P<amount>[+-]?\d+)\s*(?P<unit>[^\d\s].*)$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class PeriodError(ValueError):
    """A period or date could not be read or computed; the message says why, in English."""


def _clean(text: str) -> str:
    # NFKC folds full-width digits and spaces that arrive from Korean IMEs and Excel.
    return " ".join(unicodedata.normalize("NFKC", text).split())


def parse_iso_date(text: str) -> date:
    """Read a strict ``YYYY-MM-DD`` date; raise PeriodError for anything else."""
    if not isinstance(text, str):
        raise PeriodError(f"Expected a date as text (YYYY-MM-DD), got {type(text).__name__}.")
    cleaned = _clean(text)
    if not cleaned:
        raise PeriodError("The date is empty; expected YYYY-MM-DD.")
    match = _ISO_DATE_RE.match(cleaned)
    if not match:
        raise PeriodError(f"{text!r} is not a date in the form YYYY-MM-DD.")
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise PeriodError(f"{cleaned} is not a real calendar date ({exc}).") from None


@dataclass(frozen=True)
class Period:
    """A length of time such as 10 days or 1 month."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise PeriodError(f"Unknown period unit {self.unit!r}; use one of {', '.join(UNITS)}.")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise PeriodError(f"The period length must be a whole number, got {self.amount!r}.")
        if self.amount < 1:
            raise PeriodError(f"The period length must be at least 1, got {self.amount}.")
        if self.amount > MAX_AMOUNT:
            raise PeriodError(f"The period length {self.amount} is too large.")

    def describe(self, lang: str = "ko") -> str:
        """Human text: ``"1개월"`` in Korean, ``"1 month"`` in English."""
        if lang == "ko":
            return f"{self.amount}{_KO_UNIT[self.unit]}"
        if lang == "en":
            word = self.unit if self.amount != 1 else self.unit[:-1]
            return f"{self.amount} {word}"
        raise ValueError(f"Unsupported language {lang!r}; use 'ko' or 'en'.")


def parse_period(text: str) -> Period:
    """Read ``"10 days"``, ``"1 month"``, ``"10일"``, ``"1개월"``, ``"2 주"`` and the like."""
    if not isinstance(text, str):
        raise PeriodError(f"Expected a period as text, got {type(text).__name__}.")
    cleaned = _clean(text).lower()
    if not cleaned:
        raise PeriodError("The period is empty; write e.g. '10 days' or '1개월'.")
    match = _PERIOD_RE.match(cleaned)
    if not match:
        raise PeriodError(
            f"Could not read {text!r} as a period; write a number and a unit, "
            "e.g. '10 days', '1 month', '10일', '1개월'."
        )
    amount = int(match.group("amount"))
    unit_text = match.group("unit")
    unit = _UNIT_ALIASES.get(unit_text)
    if unit is None:
        raise PeriodError(
            f"Unknown unit {unit_text!r} in {text!r}; use minutes, hours, days, weeks, months "
            "or years (분, 시간, 일, 주, 개월/달, 년)."
        )
    if amount < 1:
        raise PeriodError(f"A period must be at least 1 {unit[:-1]}, got {amount} in {text!r}.")
    return Period(amount, unit)


class HolidayCalendar:
    """Korean public holidays (관공서의 공휴일에 관한 규정) plus days the app adds.

    Built on ``holidays.country_holidays("KR")``, which includes 설날/추석 (3 days each),
    election days, 대체공휴일 and the temporary holidays known when the package was released
    (e.g. 2023-10-02). ``extra`` holds further government-designated days added in the app.
    The package covers 1948-2100; outside that range only Sundays and ``extra`` count.
    """

    def __init__(self, extra: Mapping[date, str] | None = None) -> None:
        self._extra: dict[date, str] = {}
        for day, name in (extra or {}).items():
            key = day.date() if isinstance(day, datetime) else day
            if not isinstance(key, date):
                raise TypeError(f"Extra holiday keys must be dates, got {day!r}.")
            self._extra[key] = str(name)
        self._years: dict[int, dict[date, tuple[str, str]]] = {}
        # Flask serves requests from threads; the package mutates itself when it expands years.
        self._lock = threading.Lock()

    def _year(self, year: int) -> dict[date, tuple[str, str]]:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._years.get(year)
            if cached is None:
                ko = holidays.country_holidays("KR", years=year, language="ko")
                en = holidays.country_holidays("KR", years=year, language="en_US")
                cached = {day: (name, en.get(day, name)) for day, name in ko.items()}
                self._years[year] = cached
        return cached

    @staticmethod
    def _as_date(d: date) -> date:
        return d.date() if isinstance(d, datetime) else d

    def holiday_name(self, d: date, lang: str = "ko") -> str | None:
        """Name of the public holiday on ``d``; "일요일"/"Sunday" for a plain Sunday; else None."""
        if lang not in ("ko", "en"):
            raise ValueError(f"Unsupported language {lang!r}; use 'ko' or 'en'.")
        day = self._as_date(d)
        names: list[str] = []
        official = self._year(day.year).get(day)
        if official:
            names.append(official[0] if lang == "ko" else official[1])
        extra = self._extra.get(day)
        if extra and extra not in names:
            names.append(extra)
        if names:
            return "; ".join(names)
        if day.weekday() == 6:
            return "일요일" if lang == "ko" else "Sunday"
        return None

    def is_public_holiday(self, d: date) -> bool:
        """True for Sundays, statutory holidays and ``extra`` days. Saturdays are not."""
        day = self._as_date(d)
        return day.weekday() == 6 or day in self._extra or day in self._year(day.year)

    def is_closed(self, d: date) -> bool:
        """The Art. 161 test: Saturday or public holiday."""
        day = self._as_date(d)
        return day.weekday() == 5 or self.is_public_holiday(day)


@dataclass(frozen=True)
class TraceStep:
    """One step of a deadline computation and the article it rests on."""

    article: str
    ko: str
    en: str
    on: date | None

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "ko": self.ko,
            "en": self.en,
            "on": self.on.isoformat() if self.on else None,
        }


@dataclass(frozen=True)
class Due:
    """A computed deadline: the last day, the exact end moment in KST, and how we got there."""

    due: date
    ends_at: datetime
    trace: tuple[TraceStep, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "due": self.due.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "trace": [step.to_json() for step in self.trace],
        }


def _to_kst(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=KST)
    return moment.astimezone(KST)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _days_in_month(year: int, month: int) -> int:
    # Avoids "import calendar", which would read ambiguously next to tracker/domain/calendar.py.
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - timedelta(days=1)).day


def _closed_reason(day: date, calendar: HolidayCalendar) -> tuple[str, str]:
    name_ko = calendar.holiday_name(day, "ko")
    name_en = calendar.holiday_name(day, "en")
    if day.weekday() == 6 and name_ko == "일요일":
        return "일요일(공휴일)", "a Sunday (a public holiday)"
    if name_ko is not None and name_en is not None:
        return f"공휴일({name_ko})", f"a public holiday ({name_en})"
    return "토요일", "a Saturday"


def _fmt_moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _compute_short(start: date | datetime, period: Period) -> Due:
    if not isinstance(start, datetime):
        raise PeriodError(
            f"A period of {period.describe('en')} runs from a moment (Art. 156); "
            "give a date and time, not just a date."
        )
    begin = _to_kst(start)
    delta = timedelta(**{period.unit: period.amount})
    try:
        end = begin + delta
    except OverflowError:
        raise PeriodError(f"{period.describe('en')} from {begin} is beyond the calendar.") from None
    # The due day is the day whose 24:00 is the end moment, as for day-based periods.
    due = end.date() - timedelta(days=1) if end.time() == time(0) else end.date()
    steps = (
        TraceStep(
            "민법 제156조",
            f"시·분으로 정한 기간은 즉시부터 기산: {_fmt_moment(begin)} (KST)",
            f"A period in hours or minutes runs from the moment itself: {_fmt_moment(begin)} KST",
            begin.date(),
        ),
        TraceStep(
            "민법 제156조",
            f"{period.describe('ko')} 후인 {_fmt_moment(end)} (KST)에 만료"
            " (시각으로 끝나는 기간이므로 제161조의 말일 연장은 적용하지 않음)",
            f"Ends {period.describe('en')} later, at {_fmt_moment(end)} KST "
            "(the period ends at a moment, not on a last day, so Art. 161 does not extend it)",
            end.date(),
        ),
    )
    return Due(due=due, ends_at=end, trace=steps)


def _first_day(start: date | datetime) -> tuple[date, TraceStep]:
    if isinstance(start, datetime):
        local = _to_kst(start)
        if local.time() == time(0):
            first = local.date()
            return first, TraceStep(
                "민법 제157조 단서",
                f"기간이 {first} 오전 0시부터 시작하므로 초일을 산입하여 {first}부터 기산",
                f"The period starts at 00:00 on {first}, so the first day counts; "
                f"counting starts on {first}",
                first,
            )
        first = local.date() + timedelta(days=1)
        return first, TraceStep(
            "민법 제157조",
            f"{_fmt_moment(local)} (KST)에 시작하므로 초일은 산입하지 않고 "
            f"다음 날 {first}부터 기산",
            f"The period starts at {_fmt_moment(local)} KST, so that day is not counted; "
            f"counting starts on the next day, {first}",
            first,
        )
    first = start + timedelta(days=1)
    return first, TraceStep(
        "민법 제157조",
        f"초일({start})은 산입하지 않고 다음 날 {first}부터 기산",
        f"The first day ({start}) is not counted; counting starts on the next day, {first}",
        first,
    )


def _last_day_calendar(first: date, period: Period) -> tuple[date, TraceStep]:
    n = period.amount
    ko_len = period.describe("ko")
    en_len = period.describe("en")
    if period.unit == "weeks":
        corresponding = first + timedelta(weeks=n)
        last = corresponding - timedelta(days=1)
        return last, TraceStep(
            "민법 제160조 제2항",
            f"{ko_len} 뒤 기산일({first})에 해당하는 날({corresponding})의 전일인 {last}이 말일",
            f"The last day is the day before {corresponding}, the day {en_len} on that "
            f"corresponds to the first counted day ({first}): {last}",
            last,
        )
    if period.unit == "months":
        year, month = _add_months(first.year, first.month, n)
    else:
        year, month = first.year + n, first.month
    month_end = _days_in_month(year, month)
    if first.day > month_end:
        last = date(year, month, month_end)
        return last, TraceStep(
            "민법 제160조 제3항",
            f"최종 월({year}-{month:02d})에 기산일({first})에 해당하는 날이 없으므로 "
            f"그 월의 말일인 {last}이 말일",
            f"The final month ({year}-{month:02d}) has no day corresponding to the first "
            f"counted day ({first}), so the period ends on that month's last day, {last}",
            last,
        )
    corresponding = date(year, month, first.day)
    last = corresponding - timedelta(days=1)
    whole = first.day == 1 and (period.unit == "months" or first.month == 1)
    if whole:
        span_ko = "월" if period.unit == "months" else "연"
        span_en = "month" if period.unit == "months" else "year"
        return last, TraceStep(
            "민법 제160조 제1항",
            f"{span_ko}의 처음({first})부터 기산하므로 {ko_len}째 {span_ko}의 마지막 날인 "
            f"{last}이 말일",
            f"Counting starts at the beginning of a {span_en} ({first}), so the period ends "
            f"on the last day of its {_ordinal(period.amount)} {span_en}: {last}",
            last,
        )
    return last, TraceStep(
        "민법 제160조 제2항",
        f"{ko_len} 뒤 기산일({first})에 해당하는 날({corresponding})의 전일인 {last}이 말일",
        f"The last day is the day before {corresponding}, the day {en_len} on that corresponds "
        f"to the first counted day ({first}): {last}",
        last,
    )


def compute_due(start: date | datetime, period: Period, *, calendar: HolidayCalendar) -> Due:
    """Compute when ``period`` counted from ``start`` expires, with a trace of each step.

    ``start`` as a ``date`` is the day of the triggering event (first day not counted). As a
    ``datetime`` it is the moment the period begins (naive means Seoul time); exactly 00:00
    counts that day. Periods in hours or minutes need a ``datetime``.
    """
    if not isinstance(period, Period):
        raise TypeError(f"period must be a Period, got {type(period).__name__}")
    if period.unit in ("minutes", "hours"):
        return _compute_short(start, period)
    try:
        return _compute_calendar(start, period, calendar)
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"{period.describe('en')} from {start} is beyond the calendar.") from None


def _compute_calendar(start: date | datetime, period: Period, calendar: HolidayCalendar) -> Due:
    first, first_step = _first_day(start)
    steps: list[TraceStep] = [first_step]
    if period.unit == "days":
        last = first + timedelta(days=period.amount - 1)
        steps.append(
            TraceStep(
                "민법 제159조",
                f"기산일({first})부터 {period.amount}번째 날인 {last}이 기간의 말일",
                f"The {_ordinal(period.amount)} day counting from {first} is the last day: {last}",
                last,
            )
        )
    else:
        steps.append(
            TraceStep(
                "민법 제160조 제1항",
                "주·월·연으로 정한 기간은 역(曆)에 따라 계산",
                "Weeks, months and years follow the calendar",
                None,
            )
        )
        last, last_step = _last_day_calendar(first, period)
        steps.append(last_step)
    while calendar.is_closed(last):
        reason_ko, reason_en = _closed_reason(last, calendar)
        following = last + timedelta(days=1)
        steps.append(
            TraceStep(
                "민법 제161조",
                f"{last}은 {reason_ko}이므로 말일을 다음 날 {following}로 미룸",
                f"{last} is {reason_en}, so the last day moves to the next day, {following}",
                following,
            )
        )
        last = following
    ends_at = datetime.combine(last + timedelta(days=1), time(0), tzinfo=KST)
    steps.append(
        TraceStep(
            "민법 제159조",
            f"기간은 말일인 {last} 24:00 (KST)에 만료",
            f"The period ends at the end of its last day, {last} 24:00 KST",
            last,
        )
    )
    return Due(due=last, ends_at=ends_at, trace=tuple(steps))


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
