"""The 2026 notice as rule rows, their due dates, and years inheriting them provisionally."""

import threading
from datetime import date

import pytest
from django.db import connection

from core.errors import PermissionDenied
from core.models import AuditEvent
from deadlines import services
from deadlines.calendar import ensure_rules, internal_rules
from deadlines.models import DeadlineRule

FOUR = ("aluminium", "cement", "power", "steel")
HEAVY = ("aluminium", "cement", "steel")
OTHER_KEY = ("aviation", "chemical", "copper", "flat_glass", "paper", "petrochemical")

MONTHLY_DUE_2026 = [
    date(2026, 3, 12),
    date(2026, 4, 9),
    date(2026, 5, 10),
    date(2026, 6, 9),
    date(2026, 7, 10),
    date(2026, 8, 9),
    date(2026, 9, 9),
    date(2026, 10, 10),
    date(2026, 11, 9),
    date(2026, 12, 10),
    date(2027, 1, 9),
    date(2027, 2, 9),
]
MONTHLY_DUE_2027 = [due.replace(year=due.year + 1) for due in MONTHLY_DUE_2026]

pytestmark = pytest.mark.django_db


def national(year: int) -> list[DeadlineRule]:
    return list(DeadlineRule.objects.filter(year=year, province__isnull=True))


def yearly_due_dates(rules) -> set[tuple]:
    """(kind, party, one per enterprise, sectors, market scope, period year, due date)."""
    return {
        (
            rule.kind,
            rule.party,
            rule.per_enterprise,
            tuple(sorted(rule.sectors)),
            rule.market_scope,
            rule.period_year,
            rule.due_on(rule.periods()[0][1]),
        )
        for rule in rules
        if rule.period_kind == "year"
    }


def monthly_rule(year: int) -> DeadlineRule:
    return DeadlineRule.objects.get(year=year, kind="monthly_certification", province__isnull=True)


def test_the_2026_notice_sets_each_yearly_due_date():
    assert yearly_due_dates(national(2026)) == {
        ("annual_report", "enterprise", True, FOUR, "market", 2025, date(2026, 3, 31)),
        ("annual_report", "enterprise", True, (), "reporting_only", 2025, date(2026, 3, 31)),
        (
            "supplementary_report",
            "enterprise",
            True,
            OTHER_KEY,
            "reporting_only",
            2025,
            date(2026, 3, 31),
        ),
        ("pre_allocation", "province", True, HEAVY, "market", 2025, date(2026, 4, 10)),
        ("pre_allocation", "province", True, ("power",), "market", 2025, date(2026, 6, 30)),
        ("verification", "province", True, ("power",), "market", 2025, date(2026, 6, 30)),
        ("verification", "province", True, HEAVY, "market", 2025, date(2026, 7, 31)),
        (
            "verification",
            "province",
            True,
            ("cement", "steel"),
            "reporting_only",
            2025,
            date(2026, 7, 31),
        ),
        ("verification", "province", True, OTHER_KEY, "reporting_only", 2025, date(2026, 12, 31)),
        ("determination", "province", True, FOUR, "market", 2025, date(2026, 9, 20)),
        ("allocation", "province", True, FOUR, "market", 2025, date(2026, 9, 30)),
        ("list_publication", "province", False, (), "all", 2027, date(2026, 10, 31)),
        ("institution_evaluation", "province", False, (), "all", 2025, date(2026, 11, 30)),
        ("settlement", "enterprise", True, FOUR, "market", 2025, date(2026, 12, 31)),
        ("quality_control_plan", "enterprise", True, FOUR, "market", 2027, date(2026, 12, 31)),
    }
    assert len(national(2026)) == 16
    assert not any(rule.is_provisional for rule in national(2026))


def test_monthly_certification_is_due_40_days_after_each_month_of_2026():
    rule = monthly_rule(2026)

    assert rule.sectors == ["power", "steel", "cement", "aluminium"]
    assert rule.market_scope == "market"
    assert [rule.due_on(end) for _start, end in rule.periods()] == MONTHLY_DUE_2026


def test_2027_inherits_the_monthly_rule_and_its_due_dates():
    ensure_rules(year=2027)

    rule = monthly_rule(2027)
    assert rule.is_provisional
    assert [rule.due_on(end) for _start, end in rule.periods()] == MONTHLY_DUE_2027


def test_february_of_a_leap_year_ends_on_the_29th_and_is_due_on_april_9():
    ensure_rules(year=2027)
    ensure_rules(year=2028)
    periods_2027 = dict(monthly_rule(2027).periods())
    periods_2028 = dict(monthly_rule(2028).periods())

    assert periods_2027[date(2027, 2, 1)] == date(2027, 2, 28)
    assert periods_2028[date(2028, 2, 1)] == date(2028, 2, 29)
    # Month end + 40 days: March has 31 days, so February is due on April 9 either way (the
    # brief's "Feb 2027 -> 2027-04-11" is not month end + 40)...
    assert monthly_rule(2027).due_on(date(2027, 2, 28)) == date(2027, 4, 9)
    assert monthly_rule(2028).due_on(date(2028, 2, 29)) == date(2028, 4, 9)
    # ... and the extra day shows in January's due date instead.
    assert monthly_rule(2027).due_on(date(2027, 1, 31)) == date(2027, 3, 12)
    assert monthly_rule(2028).due_on(date(2028, 1, 31)) == date(2028, 3, 11)


def test_a_year_with_its_own_notice_keeps_its_rules():
    originals = {rule.pk for rule in national(2026)}

    assert {rule.pk for rule in ensure_rules(year=2026)} == originals
    assert DeadlineRule.objects.filter(year=2026).count() == 16


def test_a_year_before_any_notice_has_no_rules():
    assert ensure_rules(year=2025) == []
    assert not DeadlineRule.objects.filter(year__lt=2026).exists()


def test_a_year_without_a_notice_inherits_the_latest_years_rules_as_provisional():
    copies = ensure_rules(year=2027)

    originals = {rule.pk: rule for rule in national(2026)}
    assert len(copies) == 16
    assert {copy.inherited_from_id for copy in copies} == set(originals)
    for copy in copies:
        source = originals[copy.inherited_from_id]
        assert copy.year == 2027
        assert copy.is_provisional
        assert copy.confirmed_at is None
        assert copy.source == f"2026: {source.source}"
        assert (copy.kind, copy.sectors, copy.market_scope, copy.period_year_offset) == (
            source.kind,
            source.sectors,
            source.market_scope,
            source.period_year_offset,
        )
        assert (copy.due_kind, copy.due_month, copy.due_day, copy.offset_days) == (
            source.due_kind,
            source.due_month,
            source.due_day,
            source.offset_days,
        )
    annual = next(c for c in copies if c.kind == "annual_report" and c.market_scope == "market")
    assert annual.period_year == 2026
    assert annual.due_on(date(2026, 12, 31)) == date(2027, 3, 31)


def test_inheriting_twice_creates_the_copies_once():
    first = {rule.pk for rule in ensure_rules(year=2027)}
    second = {rule.pk for rule in ensure_rules(year=2027)}

    assert first == second
    assert DeadlineRule.objects.filter(year=2027).count() == 16


def test_a_later_year_inherits_from_the_latest_inherited_year():
    copies_2027 = {rule.pk for rule in ensure_rules(year=2027)}
    copies_2028 = ensure_rules(year=2028)

    assert {rule.inherited_from_id for rule in copies_2028} == copies_2027
    assert all(rule.is_provisional for rule in copies_2028)


def test_provincial_internal_deadlines_are_carried_with_their_national_rule(
    shandong, shandong_staff, actor
):
    parent = monthly_rule(2026)
    internal = services.add_internal_deadline(
        actor=actor(shandong_staff),
        parent=parent,
        province=shandong,
        offset_days=20,
        note="月度数据先报市局",
    )

    national_copies = ensure_rules(year=2027)

    assert internal.pk not in {rule.pk for rule in national_copies}
    [carried] = internal_rules(year=2027)
    assert carried.province == shandong
    assert carried.parent == monthly_rule(2027)
    assert carried.inherited_from == internal
    assert carried.is_provisional
    assert (carried.offset_days, carried.note) == (20, "月度数据先报市局")
    ensure_rules(year=2027)
    assert DeadlineRule.objects.filter(year=2027, province=shandong).count() == 1


def test_an_administrator_confirms_the_provisional_rules_and_it_is_audited(admin_user, actor):
    copies = ensure_rules(year=2027)

    confirmed = services.confirm_rules(actor=actor(admin_user), year=2027)

    assert confirmed == 16
    rules = DeadlineRule.objects.filter(year=2027)
    assert not rules.filter(is_provisional=True).exists()
    assert not rules.filter(confirmed_at__isnull=True).exists()
    for rule in copies:
        [event] = AuditEvent.objects.for_target(rule)
        assert event.actor == admin_user
        assert event.action == "status"
        assert event.changes == {"is_provisional": {"before": True, "after": False}}
    # Nothing left to confirm: a second confirmation changes nothing.
    assert services.confirm_rules(actor=actor(admin_user), year=2027) == 0


@pytest.mark.parametrize("persona", ["shandong_staff", "ministry_user", "shandong_enterprise_user"])
def test_only_administrators_may_confirm_provisional_rules(persona, request, actor):
    ensure_rules(year=2027)
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        services.confirm_rules(actor=actor(user), year=2027)

    assert DeadlineRule.objects.filter(year=2027, is_provisional=True).count() == 16
    assert not AuditEvent.objects.filter(target_type="deadlines.deadlinerule").exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_inheritances_create_each_copy_once(shandong, shandong_staff, actor):
    internal = services.add_internal_deadline(
        actor=actor(shandong_staff),
        parent=monthly_rule(2026),
        province=shandong,
        offset_days=20,
    )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def inherit():
        try:
            barrier.wait(timeout=10)
            results.append({rule.pk for rule in ensure_rules(year=2027)})
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=inherit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 2
    assert results[0] == results[1]
    assert DeadlineRule.objects.filter(year=2027, province__isnull=True).count() == 16
    assert list(
        DeadlineRule.objects.filter(year=2027, province=shandong).values_list(
            "inherited_from", flat=True
        )
    ) == [internal.pk]
