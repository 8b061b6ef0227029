"""Working days in China: weekends and public holidays off, the official make-up working days
on. The chinesecalendar library holds the State Council's schedule for the years it covers; for
a later year, staff enter that year's holidays and make-up days as HolidayDate rows (which also
override the library where they exist). Until they do, such a year counts weekdays only and is
reported as provisional."""

from datetime import date, timedelta

import chinese_calendar

from verification.models import HolidayDate


def _entered(start: date, end: date) -> dict[date, bool]:
    return dict(
        HolidayDate.objects.filter(date__range=(start, end)).values_list("date", "is_working_day")
    )


def library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _is_working_day(day: date, entered: dict[date, bool]) -> bool:
    if day in entered:
        return entered[day]
    if library_covers(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (the day of notification does not count)."""
    entered = _entered(start, start + timedelta(days=days * 3 + 30))
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if _is_working_day(day, entered):
            counted += 1
    return day


def provisional_years(start: date, end: date) -> list[int]:
    """Years in the span that neither the library nor the entered rows cover: their working
    days are weekdays only until staff enter the holidays."""
    entered_years = {
        day.year
        for day in HolidayDate.objects.filter(date__range=(start, end)).dates("date", "year")
    }
    return [
        year
        for year in range(start.year, end.year + 1)
        if not library_covers(year) and year not in entered_years
    ]
