"""Which obligations each unit gets, when they appear, and their due dates, over whole years."""

from datetime import date, timedelta

import pytest

from deadlines.generation import generate_obligations
from deadlines.models import Obligation
from tests.deadlines.support import due_dates
from tests.deadlines.test_rules import MONTHLY_DUE_2026, MONTHLY_DUE_2027
from units.models import EnterpriseStatus, Province

pytestmark = pytest.mark.django_db

MARKET = {
    ("annual_report", date(2026, 3, 31)),
    ("determination", date(2026, 9, 20)),
    ("allocation", date(2026, 9, 30)),
    ("settlement", date(2026, 12, 31)),
    ("quality_control_plan", date(2026, 12, 31)),
}
POWER = MARKET | {("pre_allocation", date(2026, 6, 30)), ("verification", date(2026, 6, 30))}
STEEL_CEMENT_ALUMINIUM = MARKET | {
    ("pre_allocation", date(2026, 4, 10)),
    ("verification", date(2026, 7, 31)),
}
STEEL_CEMENT_OUTSIDE_THE_MARKET = {
    ("annual_report", date(2026, 3, 31)),
    ("verification", date(2026, 7, 31)),
}
OTHER_KEY_INDUSTRY = {
    ("annual_report", date(2026, 3, 31)),
    ("supplementary_report", date(2026, 3, 31)),
    ("verification", date(2026, 12, 31)),
}
PER_PROVINCE = {
    ("list_publication", date(2026, 10, 31)),
    ("institution_evaluation", date(2026, 11, 30)),
}


def monthly_until(today: date, due: list[date], year: int = 2026) -> set:
    """Monthly certifications that exist by `today`: each appears on its month's first day."""
    return {
        ("monthly_certification", due_on)
        for month, due_on in enumerate(due, start=1)
        if date(year, month, 1) <= today
    }


def month_end(year: int, month: int) -> date:
    return (date(year, month, 1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def walk_2026() -> list[date]:
    """The day before the notice year, then the first and last day of every month of 2026."""
    days = [date(2025, 12, 31)]
    for month in range(1, 13):
        days += [date(2026, month, 1), month_end(2026, month)]
    return days


@pytest.fixture
def units(make_unit):
    return {
        "power": make_unit("power"),
        "steel": make_unit("steel"),
        "cement": make_unit("cement"),
        "aluminium": make_unit("aluminium"),
        "steel outside the market": make_unit("steel", market=False),
        "cement outside the market": make_unit("cement", market=False),
        "petrochemical": make_unit("petrochemical"),
        "paper": make_unit("paper"),
    }


def expected(name: str, today: date) -> set:
    if today < date(2026, 1, 1):
        return set()
    market_monthly = monthly_until(today, MONTHLY_DUE_2026)
    return {
        "power": POWER | market_monthly,
        "steel": STEEL_CEMENT_ALUMINIUM | market_monthly,
        "cement": STEEL_CEMENT_ALUMINIUM | market_monthly,
        "aluminium": STEEL_CEMENT_ALUMINIUM | market_monthly,
        "steel outside the market": STEEL_CEMENT_OUTSIDE_THE_MARKET,
        "cement outside the market": STEEL_CEMENT_OUTSIDE_THE_MARKET,
        "petrochemical": OTHER_KEY_INDUSTRY,
        "paper": OTHER_KEY_INDUSTRY,
    }[name]


def test_walking_2026_each_sector_gets_exactly_its_obligations_when_they_appear(units):
    provinces = set(Province.objects.values_list("pk", flat=True))
    assert len(provinces) == 32
    per_province = Obligation.objects.filter(enterprise__isnull=True)

    for today in walk_2026():
        generate_obligations(today=today)

        for name, unit in units.items():
            assert due_dates(unit.obligations.all()) == expected(name, today), (name, today)
        # One of each per province, from the first day of the notice year.
        expected_per_province = PER_PROVINCE if today.year == 2026 else set()
        assert per_province.count() == len(provinces) * len(expected_per_province)
        assert set(per_province.values_list("province", "kind", "due_on")) == {
            (province, kind, due_on)
            for province in provinces
            for kind, due_on in expected_per_province
        }


def test_each_obligation_covers_the_period_its_notice_names(make_unit, shandong):
    power = make_unit("power")

    generate_obligations(today=date(2026, 12, 31))

    periods = {
        (o.kind, o.period_start, o.period_end)
        for o in Obligation.objects.filter(enterprise=power).exclude(kind="monthly_certification")
    }
    last_year, next_year = (
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2027, 1, 1), date(2027, 12, 31)),
    )
    assert periods == {
        ("annual_report", *last_year),
        ("pre_allocation", *last_year),
        ("verification", *last_year),
        ("determination", *last_year),
        ("allocation", *last_year),
        ("settlement", *last_year),
        ("quality_control_plan", *next_year),
    }
    assert set(
        Obligation.objects.filter(province=shandong, enterprise__isnull=True).values_list(
            "kind", "period_start"
        )
    ) == {("list_publication", date(2027, 1, 1)), ("institution_evaluation", date(2025, 1, 1))}
    months = Obligation.objects.filter(enterprise=power, kind="monthly_certification")
    assert sorted(months.values_list("period_start", "period_end", "due_on")) == [
        (date(2026, month, 1), month_end(2026, month), due)
        for month, due in enumerate(MONTHLY_DUE_2026, start=1)
    ]
    assert all(o.original_due_on == o.due_on and o.status == "open" for o in months)


def test_monthly_obligations_appear_on_the_first_day_of_their_month(make_unit):
    power = make_unit("power")
    monthly = power.obligations.filter(kind="monthly_certification")

    generate_obligations(today=date(2026, 4, 30))
    assert monthly.count() == 4
    generate_obligations(today=date(2026, 5, 1))
    assert monthly.count() == 5
    assert monthly.get(period_start=date(2026, 5, 1)).due_on == date(2026, 7, 10)


def test_generating_again_creates_nothing_new(units):
    first = generate_obligations(today=date(2026, 6, 15))
    count = Obligation.objects.count()

    assert first == count > 0
    assert generate_obligations(today=date(2026, 6, 15)) == 0
    assert Obligation.objects.count() == count


@pytest.mark.parametrize("status", [EnterpriseStatus.CLOSED, EnterpriseStatus.MERGED])
def test_closed_and_merged_units_get_no_obligations(make_unit, status):
    unit = make_unit("power", status=status)

    generate_obligations(today=date(2026, 12, 31))

    assert not unit.obligations.exists()


def test_a_unit_closed_during_the_year_keeps_its_obligations_but_gets_no_new_ones(make_unit):
    unit = make_unit("steel")
    generate_obligations(today=date(2026, 2, 15))
    before = due_dates(unit.obligations.all())
    assert before == STEEL_CEMENT_ALUMINIUM | monthly_until(date(2026, 2, 15), MONTHLY_DUE_2026)

    unit.status = EnterpriseStatus.CLOSED
    unit.save()
    generate_obligations(today=date(2026, 6, 1))

    assert due_dates(unit.obligations.all()) == before


def test_obligations_belong_to_the_units_province(make_unit, guangdong):
    unit = make_unit("cement", province=guangdong)

    generate_obligations(today=date(2026, 1, 1))

    assert set(unit.obligations.values_list("province", flat=True)) == {guangdong.pk}


def test_2027_brings_the_inherited_obligations_and_keeps_2026s(make_unit):
    power = make_unit("power")
    generate_obligations(today=date(2026, 12, 31))
    obligations_2026 = due_dates(power.obligations.all())

    generate_obligations(today=date(2027, 12, 31))

    rules_2027 = power.obligations.filter(rule__year=2027)
    assert all(o.rule.is_provisional for o in rules_2027)
    assert due_dates(power.obligations.filter(rule__year=2026)) == obligations_2026
    assert due_dates(rules_2027) == {
        ("annual_report", date(2027, 3, 31)),
        ("pre_allocation", date(2027, 6, 30)),
        ("verification", date(2027, 6, 30)),
        ("determination", date(2027, 9, 20)),
        ("allocation", date(2027, 9, 30)),
        ("settlement", date(2027, 12, 31)),
        ("quality_control_plan", date(2027, 12, 31)),
    } | monthly_until(date(2027, 12, 31), MONTHLY_DUE_2027, year=2027)
    assert rules_2027.get(kind="annual_report").period_start == date(2026, 1, 1)


def test_a_sweep_that_first_runs_late_catches_up_on_last_years_obligations(make_unit):
    power = make_unit("power")

    generate_obligations(today=date(2027, 1, 5))

    assert due_dates(power.obligations.filter(rule__year=2026)) == POWER | monthly_until(
        date(2026, 12, 31), MONTHLY_DUE_2026
    )
    assert ("monthly_certification", date(2027, 3, 12)) in due_dates(power.obligations.all())


def test_february_2028_is_due_on_april_9(make_unit):
    power = make_unit("power")

    generate_obligations(today=date(2028, 2, 1))

    february = power.obligations.get(kind="monthly_certification", period_start=date(2028, 2, 1))
    assert (february.period_end, february.due_on) == (date(2028, 2, 29), date(2028, 4, 9))
