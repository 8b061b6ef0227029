"""Working days: hand-computed windows across China's public holidays, with the official
make-up working days, from the holiday library for 2026 and from entered rows for 2027 (a year
the library does not cover). The objection window (7 working days, 2026 policy) and the
re-review window (10) are the policy's numbers.

Library facts used below (chinese_calendar.get_holiday_detail, chinesecalendar 1.11):
- National Day 2026: Oct 1 (Thu) – Oct 7 (Wed) off; Oct 10 (Sat) a make-up working day.
- Spring Festival 2026: Feb 15 (Sun) – Feb 23 (Mon) off; Feb 14 (Sat) and Feb 28 (Sat) make-up
  working days.
The first test checks those facts, so a change in the library shows up there first."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from tests.factories.verification_objections import confirmed_assignment
from verification import objections, workdays
from verification.models import HolidayDate, VerificationPolicy

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_library_facts_the_examples_rely_on():
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 1)) == (True, "National Day")
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 7)) == (True, "National Day")
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 8)) == (False, None)
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 10)) == (False, "National Day")
    assert chinese_calendar.get_holiday_detail(date(2026, 2, 14)) == (False, "Spring Festival")
    assert chinese_calendar.get_holiday_detail(date(2026, 2, 23)) == (True, "Spring Festival")
    assert chinese_calendar.get_holiday_detail(date(2026, 2, 28)) == (False, "Spring Festival")
    assert workdays.library_covers(2026)
    assert not workdays.library_covers(2027)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 10, 1))


class TestAcrossNationalDay2026:
    def test_seven_working_days_from_monday_28_september(self):
        # Sep 29 Tue (1), Sep 30 Wed (2), Oct 1–7 holiday, Oct 8 Thu (3), Oct 9 Fri (4),
        # Oct 10 Sat make-up working day (5), Oct 11 Sun off, Oct 12 Mon (6), Oct 13 Tue (7).
        assert workdays.add_working_days(date(2026, 9, 28), 7) == date(2026, 10, 13)

    def test_ten_working_days_of_re_review_from_13_october(self):
        # Oct 14 Wed (1), 15 (2), 16 (3), 17–18 weekend, 19 (4), 20 (5), 21 (6), 22 (7),
        # 23 (8), 24–25 weekend, 26 (9), 27 Tue (10).
        assert workdays.add_working_days(date(2026, 10, 13), 10) == date(2026, 10, 27)

    def test_starting_inside_the_holiday(self):
        # Oct 4 Sun (holiday): Oct 5–7 off, Oct 8 Thu (1), Oct 9 Fri (2), Oct 10 Sat (3).
        assert workdays.add_working_days(date(2026, 10, 4), 3) == date(2026, 10, 10)

    def test_not_provisional(self):
        assert workdays.provisional_years(date(2026, 9, 28), date(2026, 10, 13)) == []


class TestAcrossSpringFestival2026:
    def test_seven_working_days_end_on_the_make_up_saturday(self):
        # Feb 13 Fri (1), Feb 14 Sat make-up (2), Feb 15 Sun – Feb 23 Mon holiday,
        # Feb 24 Tue (3), 25 (4), 26 (5), 27 Fri (6), Feb 28 Sat make-up (7).
        assert workdays.add_working_days(date(2026, 2, 12), 7) == date(2026, 2, 28)

    def test_ten_working_days_from_the_eve(self):
        # From Feb 13 Fri: Feb 14 Sat make-up (1), holiday to Feb 23, Feb 24 (2), 25 (3),
        # 26 (4), 27 (5), Feb 28 Sat make-up (6), Mar 1 Sun off, Mar 2 (7), 3 (8), 4 (9),
        # Mar 5 Thu (10).
        assert workdays.add_working_days(date(2026, 2, 13), 10) == date(2026, 3, 5)


# A schedule for National Day 2027 as staff would enter it once published (invented for the
# test, not the State Council's): Oct 1 (Fri) and Oct 4–7 (Mon–Thu) off, so Oct 1–7 with the
# weekend; Sep 26 (Sun) and Oct 9 (Sat) make-up working days.
NATIONAL_DAY_2027 = [
    (date(2027, 9, 26), True),
    (date(2027, 10, 1), False),
    (date(2027, 10, 4), False),
    (date(2027, 10, 5), False),
    (date(2027, 10, 6), False),
    (date(2027, 10, 7), False),
    (date(2027, 10, 9), True),
]


def enter_national_day_2027():
    HolidayDate.objects.bulk_create(
        HolidayDate(date=day, is_working_day=working, name="国庆节")
        for day, working in NATIONAL_DAY_2027
    )


class TestA2027Window:
    def test_with_nothing_entered_weekdays_only_and_provisional(self):
        # Sep 29 Wed (1), Sep 30 Thu (2), Oct 1 Fri (3), Oct 2–3 weekend, Oct 4 Mon (4),
        # Oct 5 (5), Oct 6 (6), Oct 7 Thu (7).
        assert workdays.add_working_days(date(2027, 9, 28), 7) == date(2027, 10, 7)
        assert workdays.provisional_years(date(2027, 9, 28), date(2027, 10, 7)) == [2027]

    def test_with_the_holidays_entered(self):
        enter_national_day_2027()
        # Sep 29 Wed (1), Sep 30 Thu (2), Oct 1–7 off, Oct 8 Fri (3), Oct 9 Sat make-up (4),
        # Oct 10 Sun off, Oct 11 Mon (5), Oct 12 Tue (6), Oct 13 Wed (7).
        assert workdays.add_working_days(date(2027, 9, 28), 7) == date(2027, 10, 13)
        assert workdays.provisional_years(date(2027, 9, 28), date(2027, 10, 13)) == []

    def test_a_window_into_2027_is_provisional_from_new_year(self):
        # Dec 29 Tue (1), 30 (2), 31 (3), then 2027 by weekdays only: Jan 1 Fri (4) although
        # it is New Year's Day, Jan 4 Mon (5), 5 (6), Jan 6 Wed (7).
        end = workdays.add_working_days(date(2026, 12, 28), 7)
        assert end == date(2027, 1, 6)
        assert workdays.provisional_years(date(2026, 12, 28), end) == [2027]

    def test_an_entered_row_overrides_the_library(self):
        # An extra day off on Mon Oct 12 2026 pushes the National Day example (Oct 13) by one:
        # ... Oct 10 Sat (5), Oct 11 Sun off, Oct 12 entered off, Oct 13 (6), Oct 14 Wed (7).
        HolidayDate.objects.create(date=date(2026, 10, 12), is_working_day=False, name="调休")
        assert workdays.add_working_days(date(2026, 9, 28), 7) == date(2026, 10, 14)


class TestObjectionWindow:
    """The acceptance: an objection window in working days across a public holiday."""

    def test_confirmed_before_national_day_2026(self, shandong_enterprise):
        assignment = confirmed_assignment(
            shandong_enterprise, confirmed_at=datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI)
        )
        window = objections.objection_window(assignment)
        assert (window.confirmed_on, window.days, window.closes) == (
            date(2026, 9, 28),
            7,
            date(2026, 10, 13),
        )
        assert window.provisional == ()
        assert window.is_open(date(2026, 10, 13)) and not window.is_open(date(2026, 10, 14))

    def test_the_confirmation_date_is_the_date_in_shanghai(self, shandong_enterprise):
        # 17:30 UTC on Sep 27 is 01:30 on Sep 28 in Shanghai: the window starts from Sep 28.
        confirmed_at = datetime(2026, 9, 27, 17, 30, tzinfo=ZoneInfo("UTC"))
        assignment = confirmed_assignment(shandong_enterprise, confirmed_at=confirmed_at)
        window = objections.objection_window(assignment)
        assert window.confirmed_on == date(2026, 9, 28)
        assert window.closes == date(2026, 10, 13)

    def test_across_spring_festival(self, shandong_enterprise):
        assignment = confirmed_assignment(
            shandong_enterprise, confirmed_at=datetime(2026, 2, 12, 16, 0, tzinfo=SHANGHAI)
        )
        assert objections.objection_window(assignment).closes == date(2026, 2, 28)

    def test_a_2027_confirmation_before_and_after_the_holidays_are_entered(
        self, shandong_enterprise
    ):
        assignment = confirmed_assignment(
            shandong_enterprise,
            year=2026,
            confirmed_at=datetime(2027, 9, 28, 10, 0, tzinfo=SHANGHAI),
        )
        window = objections.objection_window(assignment)
        assert (window.closes, window.provisional) == (date(2027, 10, 7), (2027,))
        enter_national_day_2027()
        window = objections.objection_window(assignment)
        assert (window.closes, window.provisional) == (date(2027, 10, 13), ())

    def test_the_window_length_is_the_policys(self, shandong_enterprise):
        # A 2027 policy with 5 days governs the 2026 reporting year (verified in 2027), not 2025.
        VerificationPolicy.objects.create(
            year=2027, max_consecutive_years=3, objection_window_days=5, review_window_days=8
        )
        assert objections.policy_for(2026).year == 2027
        assert objections.policy_for(2025).year == 2026
        assert objections.policy_for(2019).year == 2026  # before any policy: the earliest
        confirmed_at = datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI)
        of_2025 = confirmed_assignment(shandong_enterprise, confirmed_at=confirmed_at)
        of_2026 = confirmed_assignment(shandong_enterprise, year=2026, confirmed_at=confirmed_at)
        # 2025 keeps 7 days (Oct 13); 2026 has 5: Sep 29 (1), Sep 30 (2), Oct 8 (3), Oct 9 (4),
        # Oct 10 Sat make-up (5).
        assert objections.objection_window(of_2025).closes == date(2026, 10, 13)
        assert objections.objection_window(of_2026).closes == date(2026, 10, 10)
