"""seed_demo's annual lists: the demo provinces' lists of 2025-2027, published through the real
four-eyes workflow, coherent with the calendar, quiet, deterministic and idempotent."""

from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from accounts.scoping import actor_for
from core.models import AuditEvent
from deadlines.models import Notification, NotificationKind, Obligation, ObligationStatus
from deadlines.tasks import send_pending_emails
from tests.factories.units import AnnualEmissionsFactory, EnterpriseFactory, industry
from units import demo
from units.lists import selectors, services
from units.models import InclusionRule, ListEntry, ListStatus, Province, UnitList

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)
PROVINCES = {
    "370000": ("shandong", "shandong-approver"),
    "440000": ("guangdong", "guangdong-approver"),
}
YEARS = (2025, 2026, 2027)


def seed(today: date = TODAY) -> str:
    out = StringIO()
    call_command("seed_demo", "--scale", "small", "--today", today.isoformat(), stdout=out)
    return out.getvalue()


def published(code: str, year: int) -> UnitList:
    return UnitList.objects.get(province__code=code, year=year, status=ListStatus.PUBLISHED)


def state() -> tuple:
    """Everything the lists part of the demo writes, keyed by what it is rather than by id."""
    lists = sorted(
        UnitList.objects.values_list(
            "province__code", "year", "revision", "status", "formulated_at", "submitted_at",
            "approved_at", "published_at", "submitted_by__username", "approved_by__username",
            "published_by__username",
        )
    )  # fmt: skip
    entries = sorted(
        ListEntry.objects.values_list(
            "unit_list__province__code", "unit_list__year", "unit_list__revision",
            "enterprise__uscc", "scope", "proposed", "decision", "reason_code", "basis_emissions",
        )
    )  # fmt: skip
    obligations = sorted(
        Obligation.objects.filter(kind="list_publication").values_list(
            "province__code", "period_start", "status", "met_at", "fulfilment"
        )
    )
    notices = sorted(
        Notification.objects.values_list("recipient__username", "kind", "dedupe_key", "read_at")
    )
    counts = [model.objects.count() for model in (InclusionRule, User, AuditEvent, Notification)]
    return lists, entries, obligations, notices, counts


def test_the_demo_provinces_lists_of_three_years_are_published_by_two_people():
    seed()

    for code, (staff, approver) in PROVINCES.items():
        for year in YEARS:
            unit_list = published(code, year)
            published_on = timezone.localtime(unit_list.published_at).date()
            assert unit_list.revision == 1
            assert date(year - 1, 10, 21) <= published_on <= date(year - 1, 10, 30)
            assert unit_list.formulated_at < unit_list.submitted_at < unit_list.approved_at
            assert unit_list.approved_at < unit_list.published_at
            assert unit_list.submitted_by.username == staff
            assert unit_list.approved_by.username == approver
            assert unit_list.entries.count() == 30
        assert UnitList.objects.filter(province__code=code).count() == 3
    assert not UnitList.objects.exclude(province__code__in=PROVINCES).exists()


def test_the_2025_rules_are_the_demos_copy_of_2026():
    seed()

    rules_2025 = InclusionRule.objects.filter(list_year=2025)
    assert set(rules_2025.values_list("source", flat=True)) == {"demo"}
    assert set(rules_2025.values_list("sector", "is_market_sector", "threshold_t")) == set(
        InclusionRule.objects.filter(list_year=2026).values_list(
            "sector", "is_market_sector", "threshold_t"
        )
    )


@pytest.mark.parametrize("code", PROVINCES)
def test_2027_adds_and_removes_units_against_2026(code):
    seed()
    staff = User.objects.get(username=PROVINCES[code][0])

    change = selectors.year_over_year(actor=actor_for(staff), unit_list=published(code, 2027))

    assert change.previous == published(code, 2026)
    assert len(change.added) >= 1
    assert len(change.removed) >= 1
    assert {entry.reason_code for entry in change.added} == {"at_or_above_threshold"}
    assert {entry.reason_code for entry in change.removed} == {"below_threshold_years"}


def test_the_2027_list_obligation_is_met_when_the_list_was_published():
    seed()

    for code in PROVINCES:
        obligation = Obligation.objects.get(
            province__code=code,
            enterprise__isnull=True,
            kind="list_publication",
            period_start=date(2027, 1, 1),
        )
        assert obligation.status == ObligationStatus.MET_ON_TIME
        assert obligation.met_at == published(code, 2027).published_at


def test_the_listed_demo_enterprise_is_told_quietly(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        seed()

    assert send_pending_emails.delay not in callbacks, "no e-mail task is queued"
    assert mail.outbox == []
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    for username in ("ent-shandong", "ent-guangdong"):
        notices = Notification.objects.filter(
            recipient__username=username, kind=NotificationKind.LIST_INCLUDED
        )
        read = {notice.context["year"]: notice.read_at is not None for notice in notices}
        assert read == {2025: True, 2026: True, 2027: False}, "only the latest list's unread"


def test_the_approver_logins_work_and_are_printed():
    output = seed()

    for _staff, approver in PROVINCES.values():
        user = User.objects.get(username=approver)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert user.memberships.get().province.code in PROVINCES
        assert approver in output
    line = next(line for line in output.splitlines() if line.startswith("lists:"))
    assert line.startswith("lists: 6 published, 0 revised, 0 drafts formulated; 2027 against 2026:")


def test_running_it_again_changes_nothing():
    seed()
    before = state()

    output = seed()

    assert state() == before
    assert "lists: 0 published, 0 revised, 0 drafts formulated" in output


def test_before_its_day_the_next_list_is_a_draft_and_published_later():
    seed(date(2026, 10, 1))

    for code in PROVINCES:
        assert published(code, 2026).published_at < timezone.now()
        draft = UnitList.objects.get(province__code=code, year=2027)
        assert draft.status == ListStatus.DRAFT
        assert draft.entries.count() == 30

    output = seed()

    assert "lists: 2 published, 0 revised, 0 drafts formulated" in output
    for code in PROVINCES:
        unit_list = published(code, 2027)
        assert UnitList.objects.filter(province__code=code, year=2027).count() == 1
        assert timezone.localtime(unit_list.published_at).month == 10


def test_units_registered_after_publication_are_added_by_a_revision():
    seed()
    shandong = Province.objects.get(code="370000")
    newcomer = EnterpriseFactory(province=shandong, name_zh="山东新登记电厂", industry=industry())
    for year in (2023, 2024, 2025):
        AnnualEmissionsFactory(enterprise=newcomer, year=year, direct_emissions=300_000)

    output = seed()

    assert "lists: 0 published, 3 revised" in output
    for year in YEARS:
        revision = published("370000", year)
        assert revision.revision == 2
        assert revision.supersedes.status == ListStatus.SUPERSEDED
        assert revision.published_at > revision.supersedes.published_at
        assert revision.entries.get(enterprise=newcomer).decision in ("new", "continuing")
        assert revision.entries.count() == 31
    assert published("440000", 2027).revision == 1
    assert "lists: 0 published, 0 revised" in seed()


def test_a_correction_someone_started_is_left_alone():
    seed()
    staff = User.objects.get(username="shandong")
    revision = services.start_revision(
        actor=actor_for(staff), unit_list=published("370000", 2027), reason="核对一家单位"
    )

    assert "lists: 0 published, 0 revised" in seed()
    revision.refresh_from_db()
    assert revision.status == ListStatus.DRAFT
