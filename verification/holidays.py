"""Holidays and make-up working days as data: national rows that administrators and the
provinces' staff enter for a year the holiday library does not cover yet (see
verification.workdays), with the coverage of each year for the holidays page."""

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import scoping
from core import audit
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction
from verification import workdays
from verification.models import HolidayDate

HOLIDAY_FIELDS = ("date", "is_working_day", "name")


def may_edit_holidays(actor: scoping.Actor) -> bool:
    return actor.is_administrator or bool(actor.staff_scopes)


@dataclass(frozen=True)
class YearCoverage:
    year: int
    library: bool
    entered: int
    provisional: bool


def holiday_coverage(*, actor: scoping.Actor, first: int, last: int) -> list[YearCoverage]:
    """Per year from `first` to `last` (and any later year with entered rows): whether the
    library knows its holidays, how many rows staff entered, and whether it is provisional."""
    counts = dict(
        scoping.visible(actor, HolidayDate)
        .filter(date__year__gte=first)
        .annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(rows=Count("pk"))
        .values_list("year", "rows")
    )
    last = max([last, *counts])
    provisional = set(workdays.provisional_years(date(first, 1, 1), date(last, 12, 31)))
    return [
        YearCoverage(
            year=year,
            library=workdays.library_covers(year),
            entered=counts.get(year, 0),
            provisional=year in provisional,
        )
        for year in range(first, last + 1)
    ]


def holidays_of(*, actor: scoping.Actor, year: int) -> QuerySet[HolidayDate]:
    return scoping.visible(actor, HolidayDate).filter(date__year=year).order_by("date")


def _without_row(day: date) -> bool:
    """Whether the day would be a working day if no row were entered for it."""
    if workdays.library_covers(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


@transaction.atomic
def add_holiday(
    *, actor: scoping.Actor, day: date, is_working_day: bool, name: str = ""
) -> HolidayDate:
    """Enter a public holiday on a weekday, or a make-up working day on a weekend; a row that
    would change nothing is refused so the list stays the schedule as published."""
    if not may_edit_holidays(actor):
        raise PermissionDenied(_("Only administrators and provincial staff enter holidays."))
    if HolidayDate.objects.filter(date=day).exists():
        raise DomainError(
            _("%(date)s is already entered; delete that row first to change it.")
            % {"date": day.isoformat()},
            field="date",
        )
    if _without_row(day) == is_working_day:
        message = (
            _("%(date)s is a working day already; enter a holiday or a weekend make-up day.")
            if is_working_day
            else _("%(date)s is a day off already; enter a holiday or a weekend make-up day.")
        )
        raise DomainError(message % {"date": day.isoformat()}, field="date")
    holiday = HolidayDate.objects.create(date=day, is_working_day=is_working_day, name=name.strip())
    audit.record(
        actor=actor.user,
        action=AuditAction.CREATE,
        target=holiday,
        changes=audit.diff({}, audit.snapshot(holiday, HOLIDAY_FIELDS)),
    )
    return holiday


@transaction.atomic
def delete_holiday(*, actor: scoping.Actor, day: date) -> None:
    if not may_edit_holidays(actor):
        raise PermissionDenied(_("Only administrators and provincial staff enter holidays."))
    holiday = HolidayDate.objects.select_for_update().filter(date=day).first()
    if holiday is None:
        raise NotFound("not found")
    audit.record(
        actor=actor.user,
        action=AuditAction.DELETE,
        target=holiday,
        changes=audit.diff(audit.snapshot(holiday, HOLIDAY_FIELDS), {}),
    )
    holiday.delete()


@dataclass(frozen=True)
class LibraryDay:
    date: date
    is_working_day: bool
    name: str


def _holiday_name(name: str | None) -> str:
    if not name:
        return ""
    try:
        holiday = chinese_calendar.Holiday(name)
    except ValueError:
        return name
    english = (translation.get_language() or "").startswith("en")
    return holiday.value if english else holiday.chinese


def library_days(year: int) -> list[LibraryDay]:
    """What the library holds for a year it covers, as the rows staff would enter: holidays
    on weekdays and make-up working days on weekends (empty for a year it does not cover)."""
    if not workdays.library_covers(year):
        return []
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if is_holiday == (day.weekday() < 5):
            days.append(LibraryDay(day, not is_holiday, _holiday_name(name)))
        day += timedelta(days=1)
    return days
