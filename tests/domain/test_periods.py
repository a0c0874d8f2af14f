"""Periods and deadlines under 민법 제155조~제161조."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.domain.periods import (
    KST,
    Due,
    HolidayCalendar,
    Period,
    PeriodError,
    TraceStep,
    compute_due,
    parse_iso_date,
    parse_period,
)


@pytest.fixture(scope="module")
def cal() -> HolidayCalendar:
    return HolidayCalendar()


# --- parse_period ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("10 days", 10, "days"),
        ("1 day", 1, "days"),
        ("1 month", 1, "months"),
        ("2 weeks", 2, "weeks"),
        ("1 year", 1, "years"),
        ("3 hours", 3, "hours"),
        ("30 minutes", 30, "minutes"),
        ("1 Month", 1, "months"),
        ("  14   DAYS ", 14, "days"),
        ("12 months", 12, "months"),
        ("10일", 10, "days"),
        ("10 일", 10, "days"),
        ("1개월", 1, "months"),
        ("3 개월", 3, "months"),
        ("1달", 1, "months"),
        ("2주", 2, "weeks"),
        ("2주일", 2, "weeks"),
        ("1년", 1, "years"),
        ("3시간", 3, "hours"),
        ("30분", 30, "minutes"),
        ("１０일", 10, "days"),  # full-width digits from a Korean IME
        ("10\u00a0days", 10, "days"),
    ],
)
def test_parse_period_accepts(text: str, amount: int, unit: str) -> None:
    assert parse_period(text) == Period(amount, unit)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("0 days", "at least 1"),
        ("0일", "at least 1"),
        ("-3 weeks", "at least 1"),
        ("1 fortnight", "Unknown unit 'fortnight'"),
        ("", "empty"),
        ("   ", "empty"),
        ("days", "Could not read"),
        ("ten days", "Could not read"),
        ("10", "Could not read"),
        ("1.5 days", "Unknown unit"),
        ("10 days later", "Unknown unit"),
        ("10일 이내", "Unknown unit"),
        ("9999999 days", "too large"),
    ],
)
def test_parse_period_rejects(text: str, fragment: str) -> None:
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    assert fragment in str(info.value)


def test_period_error_is_value_error() -> None:
    assert issubclass(PeriodError, ValueError)


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(0, "days"), (-1, "days"), (1, "fortnights"), (True, "days"), (1.5, "days")],
)
def test_period_constructor_validates(amount: object, unit: str) -> None:
    with pytest.raises(PeriodError):
        Period(amount, unit)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("period", "ko", "en"),
    [
        (Period(10, "days"), "10일", "10 days"),
        (Period(1, "days"), "1일", "1 day"),
        (Period(1, "months"), "1개월", "1 month"),
        (Period(2, "weeks"), "2주", "2 weeks"),
        (Period(1, "years"), "1년", "1 year"),
        (Period(3, "hours"), "3시간", "3 hours"),
        (Period(1, "minutes"), "1분", "1 minute"),
    ],
)
def test_describe(period: Period, ko: str, en: str) -> None:
    assert period.describe() == ko
    assert period.describe("ko") == ko
    assert period.describe("en") == en
    assert parse_period(ko) == period
    assert parse_period(en) == period


def test_describe_unknown_language() -> None:
    with pytest.raises(ValueError, match="language"):
        Period(1, "days").describe("fr")


# --- parse_iso_date ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-01-27", date(2022, 1, 27)),
        (" 2024-02-29 ", date(2024, 2, 29)),
    ],
)
def test_parse_iso_date(text: str, expected: date) -> None:
    assert parse_iso_date(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2022-02-30", "not a real calendar date"),
        ("2023-02-29", "not a real calendar date"),
        ("2022-13-01", "not a real calendar date"),
        ("2022-00-10", "not a real calendar date"),
        ("2022/01/27", "YYYY-MM-DD"),
        ("20220127", "YYYY-MM-DD"),
        ("2022-1-27", "YYYY-MM-DD"),
        ("2022-W04-4", "YYYY-MM-DD"),
        ("yesterday", "YYYY-MM-DD"),
        ("", "empty"),
    ],
)
def test_parse_iso_date_rejects(text: str, fragment: str) -> None:
    with pytest.raises(PeriodError) as info:
        parse_iso_date(text)
    assert fragment in str(info.value)


# --- HolidayCalendar ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name_ko"),
    [
        (date(2022, 1, 31), "설날 전날"),
        (date(2022, 2, 1), "설날"),
        (date(2022, 2, 2), "설날 다음날"),
        (date(2022, 3, 1), "삼일절"),
        (date(2022, 3, 9), "대통령 선거일"),
        (date(2022, 6, 1), "지방선거일"),
        (date(2024, 4, 10), "국회의원 선거일"),
        (date(2022, 9, 9), "추석 전날"),
        (date(2022, 9, 12), "추석 대체 휴일"),
        (date(2022, 10, 10), "한글날 대체 휴일"),
        (date(2023, 10, 2), "임시공휴일"),
        (date(2023, 1, 24), "설날 대체 휴일"),
        (date(2024, 5, 6), "어린이날 대체 휴일"),
        (date(2022, 5, 5), "어린이날"),
        (date(2022, 6, 6), "현충일"),
        (date(2022, 8, 15), "광복절"),
        (date(2022, 10, 3), "개천절"),
        (date(2023, 10, 9), "한글날"),
    ],
)
def test_package_holidays(cal: HolidayCalendar, day: date, name_ko: str) -> None:
    assert cal.is_public_holiday(day)
    assert cal.is_closed(day)
    assert cal.holiday_name(day) == name_ko
    assert cal.holiday_name(day, "en")  # an English name exists too


@pytest.mark.parametrize(
    ("day", "holiday", "closed", "name"),
    [
        (date(2022, 2, 27), True, True, "일요일"),  # plain Sunday
        (date(2022, 2, 26), False, True, None),  # plain Saturday: closed, not a holiday
        (date(2022, 2, 28), False, False, None),  # plain Monday
        (date(2022, 9, 10), True, True, "추석"),  # Saturday that is also 추석
        (date(2022, 5, 8), True, True, "부처님오신날"),  # Sunday that is also a holiday
        (date(2022, 5, 1), True, True, "일요일"),  # 근로자의 날 2022 is not a public holiday
        (date(2022, 12, 30), False, False, None),
    ],
)
def test_weekdays_and_weekends(
    cal: HolidayCalendar, day: date, holiday: bool, closed: bool, name: str | None
) -> None:
    assert cal.is_public_holiday(day) is holiday
    assert cal.is_closed(day) is closed
    assert cal.holiday_name(day) == name


def test_english_names(cal: HolidayCalendar) -> None:
    assert cal.holiday_name(date(2022, 9, 12), "en") == "Alternative holiday for Chuseok"
    assert cal.holiday_name(date(2022, 2, 27), "en") == "Sunday"
    with pytest.raises(ValueError):
        cal.holiday_name(date(2022, 2, 27), "fr")


def test_extra_holiday() -> None:
    extra = HolidayCalendar(extra={date(2022, 2, 28): "임시공휴일(지정)"})
    assert extra.is_public_holiday(date(2022, 2, 28))
    assert extra.is_closed(date(2022, 2, 28))
    assert extra.holiday_name(date(2022, 2, 28)) == "임시공휴일(지정)"
    assert extra.holiday_name(date(2022, 2, 28), "en") == "임시공휴일(지정)"
    assert not HolidayCalendar().is_public_holiday(date(2022, 2, 28))


def test_extra_on_existing_holiday_joins_names() -> None:
    extra = HolidayCalendar(extra={date(2022, 3, 1): "Ad hoc"})
    assert extra.holiday_name(date(2022, 3, 1)) == "삼일절; Ad hoc"


def test_calendar_accepts_datetimes(cal: HolidayCalendar) -> None:
    assert cal.is_public_holiday(datetime(2022, 2, 1, 15, 0))
    assert HolidayCalendar(extra={datetime(2022, 2, 28, 9, 0): "x"}).is_closed(date(2022, 2, 28))


# --- compute_due: the worked examples from DOMAIN.md --------------------------------------------


def test_worked_example_one_month(cal: HolidayCalendar) -> None:
    result = compute_due(date(2022, 1, 27), parse_period("1 month"), calendar=cal)
    assert result.due == date(2022, 2, 28)
    assert result.ends_at == datetime(2022, 3, 1, 0, 0, tzinfo=KST)
    articles = [step.article for step in result.trace]
    assert articles == [
        "민법 제157조",
        "민법 제160조 제1항",
        "민법 제160조 제2항",
        "민법 제161조",
        "민법 제159조",
    ]
    assert result.trace[0].on == date(2022, 1, 28)
    assert result.trace[2].on == date(2022, 2, 27)
    assert "일요일" in result.trace[3].ko
    assert "Sunday" in result.trace[3].en
    assert result.trace[3].on == date(2022, 2, 28)


def test_worked_example_ten_days(cal: HolidayCalendar) -> None:
    result = compute_due(date(2022, 1, 21), parse_period("10 days"), calendar=cal)
    assert result.due == date(2022, 2, 3)
    moves = [step for step in result.trace if step.article == "민법 제161조"]
    assert [step.on for step in moves] == [date(2022, 2, 1), date(2022, 2, 2), date(2022, 2, 3)]
    assert "설날 전날" in moves[0].ko
    assert "설날" in moves[1].ko
    assert "Korean New Year" in moves[1].en
    last_day_step = result.trace[1]
    assert last_day_step.on == date(2022, 1, 31)


def test_to_json(cal: HolidayCalendar) -> None:
    data = compute_due(date(2022, 1, 27), Period(1, "months"), calendar=cal).to_json()
    assert data["due"] == "2022-02-28"
    assert data["ends_at"] == "2022-03-01T00:00:00+09:00"
    assert data["trace"][0] == {
        "article": "민법 제157조",
        "ko": "초일(2022-01-27)은 산입하지 않고 다음 날 2022-01-28부터 기산",
        "en": "The first day (2022-01-27) is not counted; counting starts on the next day, "
        "2022-01-28",
        "on": "2022-01-28",
    }
    assert data["trace"][1]["on"] is None
    assert {tuple(step) for step in data["trace"]} == {("article", "ko", "en", "on")}
    assert data["trace"][-1]["on"] == "2022-02-28"


def test_due_and_trace_are_frozen(cal: HolidayCalendar) -> None:
    result = compute_due(date(2022, 1, 27), Period(1, "months"), calendar=cal)
    assert isinstance(result, Due)
    assert isinstance(result.trace, tuple)
    assert all(isinstance(step, TraceStep) for step in result.trace)
    with pytest.raises(AttributeError):
        result.due = date(2000, 1, 1)  # type: ignore[misc]


# --- compute_due: table ------------------------------------------------------------------------

# (start, period, expected due, why)
CASES: list[tuple[date | datetime, str, date, str]] = [
    # plain days
    (date(2022, 3, 2), "1 day", date(2022, 3, 3), "Thursday, nothing to move"),
    (date(2022, 2, 28), "1 day", date(2022, 3, 2), "03-01 삼일절 moves to 03-02"),
    (date(2022, 2, 2), "10 days", date(2022, 2, 14), "02-12 Saturday, 02-13 Sunday"),
    (date(2022, 2, 11), "1일", date(2022, 2, 14), "Saturday then Sunday"),
    # election days
    (date(2022, 2, 27), "10 days", date(2022, 3, 10), "03-09 presidential election"),
    (date(2022, 5, 22), "10 days", date(2022, 6, 2), "06-01 local election"),
    (date(2024, 3, 31), "10 days", date(2024, 4, 11), "04-10 general election"),
    # 추석 with 대체공휴일, and the 2023 temporary holiday
    (date(2022, 9, 1), "10 days", date(2022, 9, 13), "09-11 추석, 09-12 substitute"),
    (date(2022, 9, 2), "1 week", date(2022, 9, 13), "09-09..09-12 chain"),
    (date(2023, 9, 20), "10 days", date(2023, 10, 4), "09-30 추석, Sun, 10-02 temp, 10-03"),
    (date(2023, 5, 15), "2 weeks", date(2023, 5, 30), "05-29 substitute for 부처님오신날"),
    (date(2024, 2, 2), "1 week", date(2024, 2, 13), "02-09 설 eve .. 02-12 substitute"),
    # weeks
    (date(2022, 3, 2), "2주", date(2022, 3, 16), "Wednesday to Wednesday"),
    (date(2022, 3, 4), "1 week", date(2022, 3, 11), "Friday to Friday"),
    # months: day-before rule and Art. 160(3)
    (date(2022, 1, 27), "1개월", date(2022, 2, 28), "worked example"),
    (date(2022, 1, 28), "1 month", date(2022, 2, 28), "first day 01-29: no 02-29, month end"),
    (date(2022, 1, 30), "1 month", date(2022, 2, 28), "first day 01-31: no 02-31, month end"),
    (date(2024, 1, 30), "1 month", date(2024, 2, 29), "leap year month end"),
    (date(2022, 1, 31), "1 month", date(2022, 2, 28), "first day 02-01: day before 03-01"),
    (date(2024, 1, 31), "1 month", date(2024, 2, 29), "leap year: day before 03-01"),
    (date(2022, 3, 30), "1 month", date(2022, 5, 2), "04-30 month end is Sat, 05-01 Sun"),
    (date(2022, 5, 29), "1 month", date(2022, 6, 29), "day before 06-30"),
    (date(2022, 5, 30), "1 month", date(2022, 6, 30), "no 06-31, month end"),
    (date(2022, 5, 31), "1 month", date(2022, 6, 30), "first day 06-01, whole month"),
    (date(2022, 3, 31), "2 months", date(2022, 5, 31), "whole months April and May"),
    (date(2022, 11, 30), "3 months", date(2023, 2, 28), "across the year end"),
    (date(2022, 10, 30), "4 months", date(2023, 2, 28), "first day 10-31: no 02-31"),
    # years, including 02-29
    (date(2024, 2, 28), "1 year", date(2025, 2, 28), "first day 02-29: no 2025-02-29"),
    (date(2024, 2, 29), "1 year", date(2025, 2, 28), "first day 03-01: day before 03-01"),
    (date(2024, 2, 28), "4 years", date(2028, 2, 28), "2028-02-29 exists: day before"),
    (date(2023, 2, 28), "1년", date(2024, 2, 29), "first day 03-01: day before is 02-29"),
    (date(2021, 12, 31), "1 year", date(2023, 1, 2), "12-31 Sat, 01-01 Sun holiday"),
    (date(2022, 1, 27), "12 months", date(2023, 1, 27), "01-27 is Friday"),
    # Art. 157 proviso: starting at 00:00 counts the first day
    (datetime(2022, 1, 21, 0, 0), "10 days", date(2022, 2, 3), "01-30 Sun, then 설날"),
    (datetime(2022, 3, 2, 0, 0), "1 day", date(2022, 3, 2), "one day, the same day"),
    (datetime(2022, 1, 31, 0, 0), "1 month", date(2022, 2, 28), "no 02-31, month end"),
    (datetime(2024, 2, 29, 0, 0), "1 year", date(2025, 2, 28), "no 2025-02-29"),
    (datetime(2022, 2, 1, 0, 0), "1 month", date(2022, 2, 28), "whole February"),
    (datetime(2022, 1, 1, 0, 0), "1 year", date(2023, 1, 2), "whole 2022, then shifted"),
    (datetime(2022, 3, 2, 0, 0, tzinfo=KST), "1 week", date(2022, 3, 8), "Wed to Tue"),
    (datetime(2022, 3, 1, 15, 0, tzinfo=UTC), "1 week", date(2022, 3, 8), "= 03-02 00:00 KST"),
    # not midnight: first day excluded
    (datetime(2022, 3, 2, 0, 0, 1), "1 day", date(2022, 3, 3), "one second past midnight"),
    (datetime(2022, 3, 2, 23, 59), "1 day", date(2022, 3, 3), "late evening"),
    (datetime(2022, 2, 28, 0, 0, tzinfo=UTC), "1 day", date(2022, 3, 2), "09:00 KST, 03-01"),
    (datetime(2022, 3, 1, 16, 0, tzinfo=UTC), "1 day", date(2022, 3, 3), "01:00 KST on 03-02"),
]


@pytest.mark.parametrize(("start", "text", "expected", "why"), CASES)
def test_compute_due_table(
    cal: HolidayCalendar, start: date | datetime, text: str, expected: date, why: str
) -> None:
    result = compute_due(start, parse_period(text), calendar=cal)
    assert result.due == expected, why
    assert result.ends_at == datetime.combine(
        expected + timedelta(days=1), datetime.min.time(), KST
    )
    assert result.ends_at.utcoffset() == timedelta(hours=9)
    assert result.trace[-1].article == "민법 제159조"
    assert result.trace[-1].on == expected
    assert not cal.is_closed(result.due)


def test_month_end_cites_160_3(cal: HolidayCalendar) -> None:
    result = compute_due(date(2022, 1, 30), Period(1, "months"), calendar=cal)
    step = next(s for s in result.trace if s.article == "민법 제160조 제3항")
    assert step.on == date(2022, 2, 28)
    assert "2022-01-31" in step.ko


def test_start_of_month_cites_160_1(cal: HolidayCalendar) -> None:
    result = compute_due(date(2022, 1, 31), Period(1, "months"), calendar=cal)
    articles = [s.article for s in result.trace]
    assert "민법 제160조 제2항" not in articles
    assert "민법 제160조 제3항" not in articles
    assert articles.count("민법 제160조 제1항") == 2


def test_midnight_start_cites_proviso(cal: HolidayCalendar) -> None:
    result = compute_due(datetime(2022, 1, 21), Period(10, "days"), calendar=cal)
    assert result.trace[0].article == "민법 제157조 단서"
    assert result.trace[0].on == date(2022, 1, 21)
    assert result.trace[1].on == date(2022, 1, 30)
    assert result.trace[2].article == "민법 제161조"
    assert "일요일" in result.trace[2].ko


def test_saturday_move_is_named(cal: HolidayCalendar) -> None:
    result = compute_due(date(2022, 2, 2), Period(10, "days"), calendar=cal)
    moves = [s for s in result.trace if s.article == "민법 제161조"]
    assert len(moves) == 2
    assert "토요일" in moves[0].ko and "Saturday" in moves[0].en
    assert "일요일" in moves[1].ko and "Sunday" in moves[1].en


def test_chuseok_saturday_is_named_as_holiday(cal: HolidayCalendar) -> None:
    result = compute_due(date(2022, 9, 2), Period(1, "weeks"), calendar=cal)
    moves = [s for s in result.trace if s.article == "민법 제161조"]
    assert len(moves) == 4
    assert "추석 전날" in moves[0].ko
    assert "공휴일(추석)" in moves[1].ko  # 09-10 is a Saturday but named as 추석
    assert "대체" in moves[3].ko
    assert "Alternative holiday for Chuseok" in moves[3].en


def test_temporary_holiday_2023_10_02_is_in_the_package(cal: HolidayCalendar) -> None:
    result = compute_due(date(2023, 9, 20), Period(10, "days"), calendar=cal)
    assert any("임시공휴일" in s.ko for s in result.trace)


def test_extra_holiday_moves_the_deadline() -> None:
    with_extra = HolidayCalendar(extra={date(2022, 2, 28): "임시공휴일(지정)"})
    result = compute_due(date(2022, 1, 27), Period(1, "months"), calendar=with_extra)
    # 02-27 Sunday, 02-28 ad hoc, 03-01 삼일절
    assert result.due == date(2022, 3, 2)
    assert any("임시공휴일(지정)" in s.ko for s in result.trace)
    assert any("Independence Movement Day" in s.en for s in result.trace)


def test_no_moves_when_open(cal: HolidayCalendar) -> None:
    result = compute_due(date(2022, 3, 2), Period(1, "days"), calendar=cal)
    assert [s.article for s in result.trace] == ["민법 제157조", "민법 제159조", "민법 제159조"]


# --- hours and minutes (Art. 156) ---------------------------------------------------------------

SHORT_CASES: list[tuple[datetime, str, datetime, date]] = [
    (
        datetime(2022, 1, 27, 14, 0),
        "3 hours",
        datetime(2022, 1, 27, 17, 0, tzinfo=KST),
        date(2022, 1, 27),
    ),
    (
        datetime(2022, 1, 27, 14, 0),
        "10시간",
        datetime(2022, 1, 28, 0, 0, tzinfo=KST),
        date(2022, 1, 27),  # ends at 24:00 of the 27th
    ),
    (
        datetime(2022, 1, 27, 23, 50),
        "30분",
        datetime(2022, 1, 28, 0, 20, tzinfo=KST),
        date(2022, 1, 28),
    ),
    (
        # 48 hours ending on 설날 eve: Art. 161 does not move an hour-based end.
        datetime(2022, 1, 29, 10, 0),
        "48 hours",
        datetime(2022, 1, 31, 10, 0, tzinfo=KST),
        date(2022, 1, 31),
    ),
    (
        datetime(2022, 1, 27, 5, 0, tzinfo=UTC),  # 14:00 KST
        "1 hour",
        datetime(2022, 1, 27, 15, 0, tzinfo=KST),
        date(2022, 1, 27),
    ),
]


@pytest.mark.parametrize(("start", "text", "ends_at", "due"), SHORT_CASES)
def test_hours_and_minutes(
    cal: HolidayCalendar, start: datetime, text: str, ends_at: datetime, due: date
) -> None:
    result = compute_due(start, parse_period(text), calendar=cal)
    assert result.ends_at == ends_at
    assert result.ends_at.utcoffset() == timedelta(hours=9)
    assert result.due == due
    assert [s.article for s in result.trace] == ["민법 제156조", "민법 제156조"]
    assert "161" in result.trace[1].en


def test_hours_need_a_time(cal: HolidayCalendar) -> None:
    with pytest.raises(PeriodError, match="date and time"):
        compute_due(date(2022, 1, 27), Period(3, "hours"), calendar=cal)


def test_beyond_the_calendar(cal: HolidayCalendar) -> None:
    with pytest.raises(PeriodError, match="beyond the calendar"):
        compute_due(date(9999, 6, 1), Period(1, "years"), calendar=cal)
    with pytest.raises(PeriodError, match="beyond the calendar"):
        compute_due(date(9999, 12, 25), Period(10, "days"), calendar=cal)
    with pytest.raises(PeriodError, match="beyond the calendar"):
        compute_due(datetime(9999, 12, 31, 20, 0), Period(10, "hours"), calendar=cal)


def test_period_type_checked(cal: HolidayCalendar) -> None:
    with pytest.raises(TypeError):
        compute_due(date(2022, 1, 27), "1 month", calendar=cal)  # type: ignore[arg-type]
