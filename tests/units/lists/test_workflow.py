"""The annual list's services: formulation, overrides, the four-eyes workflow, publication (with
its obligation and notices), correction by revision, who may act, and the audit trail."""

from datetime import date, datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from accounts.scoping import actor_for
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditAction, AuditEvent
from deadlines import services as deadline_services
from deadlines.models import Notification, NotificationKind, Obligation, ObligationStatus
from tests.factories import accounts as users
from tests.factories.units import AnnualEmissionsFactory, EnterpriseFactory, industry
from units.lists import services
from units.models import (
    Decision,
    EnterpriseStatus,
    Industry,
    ListEntry,
    ListScope,
    ListStatus,
    UnitList,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2027


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def unit(province, name: str, verified: dict[int, int], *, sector: str = "power", **fields):
    if sector == "power":
        the_industry = industry()
    else:
        the_industry = Industry.objects.filter(sector=sector).order_by("code").first()
    enterprise = EnterpriseFactory(province=province, name_zh=name, industry=the_industry, **fields)
    for year, tonnes in verified.items():
        AnnualEmissionsFactory(enterprise=enterprise, year=year, direct_emissions=tonnes)
    return enterprise


@pytest.fixture
def approver(shandong):
    return users.staff(shandong, username="shandong-approver")


@pytest.fixture
def units(shandong, guangdong):
    """Shandong's units, each meant for one decision on the 2027 list, and one in Guangdong."""
    return {
        "big": unit(shandong, "山东大电厂", {2024: 900_000, 2025: 800_000}),
        "small": unit(shandong, "山东小电厂", {2024: 20_000, 2025: 20_000}),
        "declining": unit(shandong, "山东衰退电厂", {2024: 25_000, 2025: 24_000}),
        "closed": unit(shandong, "山东关停电厂", {2024: 90_000}, status=EnterpriseStatus.CLOSED),
        "chemical": unit(shandong, "山东化工厂", {2025: 40_000}, sector="chemical"),
        "cantonese": unit(guangdong, "广东电厂", {2025: 700_000}),
    }


@pytest.fixture
def list_2026(shandong, shandong_staff, approver, units):
    """Last year's published list: the big, the declining and the closed unit were on it."""
    published = UnitList.objects.create(
        province=shandong,
        year=YEAR - 1,
        status=ListStatus.PUBLISHED,
        submitted_by=shandong_staff,
        approved_by=approver,
        published_by=approver,
        published_at=at(2025, 10, 28, 10, 0),
    )
    for key in ("big", "declining", "closed"):
        ListEntry.objects.create(
            unit_list=published,
            enterprise=units[key],
            scope=ListScope.MARKET,
            proposed=Decision.CONTINUING,
            decision=Decision.CONTINUING,
            reason_code="at_or_above_threshold",
        )
    return published


@pytest.fixture
def unit_users(units):
    return {key: users.enterprise_user(units[key], username=f"ent-{key}") for key in units}


def formulate(user, province, year=YEAR) -> UnitList:
    return services.formulate(actor=actor_for(user), province=province, year=year)


def decisions(unit_list: UnitList) -> dict[str, str]:
    return dict(unit_list.entries.values_list("enterprise__name_zh", "decision"))


def entry(unit_list: UnitList, enterprise) -> ListEntry:
    return unit_list.entries.get(enterprise=enterprise)


def override(user, the_entry, decision, reason="省厅复核：数据更正") -> ListEntry:
    return services.override(
        actor=actor_for(user), entry=the_entry, decision=decision, reason=reason
    )


def submit(user, unit_list):
    return services.submit(actor=actor_for(user), unit_list=unit_list)


def approve(user, unit_list):
    return services.approve(actor=actor_for(user), unit_list=unit_list)


def publish(user, unit_list):
    return services.publish(actor=actor_for(user), unit_list=unit_list)


def revise(user, unit_list, reason="更正一家单位的核查数据"):
    return services.start_revision(actor=actor_for(user), unit_list=unit_list, reason=reason)


def published(staff, approver, province, year=YEAR) -> UnitList:
    unit_list = formulate(staff, province, year)
    submit(staff, unit_list)
    approve(approver, unit_list)
    return publish(approver, unit_list)


# --- Formulation -----------------------------------------------------------------------------


def test_formulation_proposes_a_decision_for_every_unit_of_the_province_only(
    shandong, shandong_staff, units, list_2026
):
    unit_list = formulate(shandong_staff, shandong)

    assert (unit_list.province, unit_list.year, unit_list.status) == (
        shandong,
        YEAR,
        ListStatus.DRAFT,
    )
    assert unit_list.formulated_at is not None
    assert decisions(unit_list) == {
        "山东大电厂": Decision.CONTINUING,
        "山东小电厂": Decision.NOT_INCLUDED,
        "山东衰退电厂": Decision.REMOVED,
        "山东关停电厂": Decision.REMOVED,
        "山东化工厂": Decision.NEW,
    }
    assert not unit_list.entries.filter(enterprise=units["cantonese"]).exists()
    big = entry(unit_list, units["big"])
    assert (big.proposed, big.reason_code, big.basis_emissions) == (
        Decision.CONTINUING,
        "at_or_above_threshold",
        Decimal("800000.00"),
    )
    assert big.explanation["rule"]["list_year"] == YEAR
    assert entry(unit_list, units["declining"]).reason_code == "below_threshold_years"
    assert entry(unit_list, units["closed"]).reason_code == "closed"
    assert entry(unit_list, units["chemical"]).scope == ListScope.REPORTING_ONLY
    assert entry(unit_list, units["big"]).scope == ListScope.MARKET


def test_without_last_years_list_every_included_unit_is_new(shandong, shandong_staff, units):
    unit_list = formulate(shandong_staff, shandong)

    assert decisions(unit_list)["山东大电厂"] == Decision.NEW
    assert decisions(unit_list)["山东衰退电厂"] == Decision.NOT_INCLUDED
    assert decisions(unit_list)["山东关停电厂"] == Decision.NOT_INCLUDED


def test_a_year_without_rules_cannot_be_formulated(shandong, shandong_staff, units):
    with pytest.raises(DomainError, match="no inclusion rules for 2030"):
        formulate(shandong_staff, shandong, 2030)

    assert not UnitList.objects.exists()


def test_formulating_again_refreshes_the_same_draft(shandong, shandong_staff, units):
    first = formulate(shandong_staff, shandong)
    newcomer = unit(shandong, "山东新电厂", {2025: 50_000})

    second = formulate(shandong_staff, shandong)

    assert second.pk == first.pk
    assert UnitList.objects.count() == 1
    assert second.entries.count() == 6
    assert entry(second, newcomer).decision == Decision.NEW


def test_recalculating_keeps_overrides_that_still_differ_and_drops_agreeing_ones(
    shandong, shandong_staff, units
):
    unit_list = formulate(shandong_staff, shandong)
    override(shandong_staff, entry(unit_list, units["small"]), Decision.NEW)
    override(shandong_staff, entry(unit_list, units["declining"]), Decision.NEW)
    # New figures: the declining unit now reaches the threshold, as the override said.
    units["declining"].annual_emissions.filter(year=2025).update(direct_emissions=30_000)

    formulate(shandong_staff, shandong)

    kept = entry(unit_list, units["small"])
    assert (kept.proposed, kept.decision) == (Decision.NOT_INCLUDED, Decision.NEW)
    assert kept.override_reason == "省厅复核：数据更正"
    assert kept.overridden_by == shandong_staff
    agreed = entry(unit_list, units["declining"])
    assert (agreed.proposed, agreed.decision) == (Decision.NEW, Decision.NEW)
    assert (agreed.override_reason, agreed.overridden_by) == ("", None)


# --- Overrides -------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_an_override_needs_a_written_reason(shandong, shandong_staff, units, reason):
    unit_list = formulate(shandong_staff, shandong)
    small = entry(unit_list, units["small"])

    with pytest.raises(DomainError) as refused:
        override(shandong_staff, small, Decision.NEW, reason=reason)

    assert refused.value.field == "reason"
    small.refresh_from_db()
    assert small.decision == Decision.NOT_INCLUDED


def test_an_override_with_a_reason_replaces_the_proposal(shandong, shandong_staff, units):
    unit_list = formulate(shandong_staff, shandong)

    changed = override(shandong_staff, entry(unit_list, units["small"]), Decision.NEW, " 核实 ")

    changed.refresh_from_db()
    assert (changed.proposed, changed.decision) == (Decision.NOT_INCLUDED, Decision.NEW)
    assert (changed.override_reason, changed.overridden_by) == ("核实", shandong_staff)
    assert changed.is_overridden


def test_setting_the_proposal_back_clears_the_override(shandong, shandong_staff, units):
    unit_list = formulate(shandong_staff, shandong)
    small = override(shandong_staff, entry(unit_list, units["small"]), Decision.NEW)

    back = override(shandong_staff, small, Decision.NOT_INCLUDED, reason="")

    back.refresh_from_db()
    assert (back.decision, back.override_reason, back.overridden_by) == (
        Decision.NOT_INCLUDED,
        "",
        None,
    )


def test_an_unknown_decision_is_refused(shandong, shandong_staff, units):
    unit_list = formulate(shandong_staff, shandong)

    with pytest.raises(DomainError):
        override(shandong_staff, entry(unit_list, units["small"]), "maybe")


def test_the_database_refuses_an_override_without_a_reason(shandong, shandong_staff, units):
    small = entry(formulate(shandong_staff, shandong), units["small"])
    small.decision = Decision.NEW

    with pytest.raises(IntegrityError), transaction.atomic():
        small.save()


def test_only_a_draft_can_be_overridden(shandong, shandong_staff, units):
    unit_list = formulate(shandong_staff, shandong)
    submit(shandong_staff, unit_list)

    with pytest.raises(DomainError, match="Only a draft"):
        override(shandong_staff, entry(unit_list, units["small"]), Decision.NEW)


# --- Four eyes -------------------------------------------------------------------------------


def test_the_submitter_cannot_approve(shandong, shandong_staff, units):
    unit_list = formulate(shandong_staff, shandong)
    submit(shandong_staff, unit_list)

    with pytest.raises(DomainError, match="someone other than"):
        approve(shandong_staff, unit_list)

    unit_list.refresh_from_db()
    assert unit_list.status == ListStatus.SUBMITTED
    assert unit_list.approved_by is None


def test_a_second_staff_member_approves(shandong, shandong_staff, approver, units):
    unit_list = formulate(shandong_staff, shandong)
    submit(shandong_staff, unit_list)

    approve(approver, unit_list)

    unit_list.refresh_from_db()
    assert unit_list.status == ListStatus.APPROVED
    assert (unit_list.submitted_by, unit_list.approved_by) == (shandong_staff, approver)
    assert unit_list.submitted_at <= unit_list.approved_at


def test_the_database_refuses_an_approval_by_the_submitter(shandong, shandong_staff, units):
    unit_list = formulate(shandong_staff, shandong)
    submit(shandong_staff, unit_list)
    unit_list.refresh_from_db()
    unit_list.status = ListStatus.APPROVED
    unit_list.approved_by = unit_list.submitted_by

    with pytest.raises(IntegrityError), transaction.atomic():
        unit_list.save()


def test_an_empty_list_cannot_be_submitted(shandong, shandong_staff):
    unit_list = formulate(shandong_staff, shandong)

    with pytest.raises(DomainError, match="Formulate"):
        submit(shandong_staff, unit_list)


def test_steps_out_of_order_are_refused(shandong, shandong_staff, approver, units):
    unit_list = formulate(shandong_staff, shandong)

    with pytest.raises(DomainError):
        approve(approver, unit_list)
    with pytest.raises(DomainError):
        publish(approver, unit_list)
    submit(shandong_staff, unit_list)
    with pytest.raises(DomainError):
        submit(shandong_staff, unit_list)
    with pytest.raises(DomainError):
        publish(approver, unit_list)
    with pytest.raises(DomainError, match="with its approver"):
        formulate(shandong_staff, shandong)


def test_returning_to_draft_needs_a_note(shandong, shandong_staff, approver, units):
    unit_list = formulate(shandong_staff, shandong)
    submit(shandong_staff, unit_list)

    with pytest.raises(DomainError) as refused:
        services.return_to_draft(actor=actor_for(approver), unit_list=unit_list, note=" ")
    assert refused.value.field == "note"

    services.return_to_draft(actor=actor_for(approver), unit_list=unit_list, note="请核对化工厂")

    unit_list.refresh_from_db()
    assert unit_list.status == ListStatus.DRAFT
    assert (unit_list.submitted_by, unit_list.submitted_at) == (None, None)
    # Back in draft it can be changed, and the submitter may now be another person.
    override(shandong_staff, entry(unit_list, units["small"]), Decision.NEW)
    submit(approver, unit_list)
    approve(shandong_staff, unit_list)


# --- Publication -----------------------------------------------------------------------------


def list_obligation(province) -> Obligation:
    return Obligation.objects.get(
        province=province,
        enterprise__isnull=True,
        kind="list_publication",
        period_start=date(YEAR, 1, 1),
    )


def test_publication_makes_the_list_public_and_immutable(shandong, shandong_staff, approver, units):
    unit_list = published(shandong_staff, approver, shandong)

    unit_list.refresh_from_db()
    assert unit_list.status == ListStatus.PUBLISHED
    assert unit_list.published_by == approver
    assert unit_list.published_at is not None
    assert not unit_list.is_editable
    with pytest.raises(DomainError, match="Only a draft"):
        override(shandong_staff, entry(unit_list, units["small"]), Decision.NEW)
    with pytest.raises(DomainError, match="published"):
        formulate(shandong_staff, shandong)
    with pytest.raises(DomainError):
        submit(shandong_staff, unit_list)
    assert entry(unit_list, units["small"]).decision == Decision.NOT_INCLUDED
    assert UnitList.objects.count() == 1


@pytest.mark.parametrize(
    ("published_at", "status"),
    [
        (at(2026, 10, 31, 23, 30), ObligationStatus.MET_ON_TIME),
        (at(2026, 11, 1, 0, 30), ObligationStatus.MET_LATE),
    ],
)
def test_publication_meets_the_provinces_list_obligation(
    shandong, shandong_staff, approver, units, published_at, status
):
    with time_machine.travel(published_at, tick=False):
        unit_list = published(shandong_staff, approver, shandong)

    obligation = list_obligation(shandong)
    assert obligation.due_on == date(2026, 10, 31)
    assert obligation.status == status
    assert obligation.met_at == published_at
    assert obligation.met_by == approver
    assert obligation.fulfilment == f"units.unitlist:{unit_list.pk}"
    assert (
        not Obligation.objects.filter(kind="list_publication").exclude(province=shandong).exists()
    )


def test_publication_tells_listed_units_and_removed_ones(
    shandong, shandong_staff, approver, units, list_2026, unit_users
):
    fake_task = mock.Mock()
    unit_list = formulate(shandong_staff, shandong)
    submit(shandong_staff, unit_list)
    approve(approver, unit_list)

    with mock.patch.object(deadline_services, "send_pending_emails", fake_task):
        publish(approver, unit_list)

    # Written in the publishing transaction (the test's, never committed): no e-mail yet.
    fake_task.delay.assert_not_called()
    kinds = dict(Notification.objects.values_list("recipient__username", "kind"))
    assert kinds == {
        "ent-big": NotificationKind.LIST_INCLUDED,
        "ent-chemical": NotificationKind.LIST_INCLUDED,
        "ent-declining": NotificationKind.LIST_REMOVED,
        "ent-closed": NotificationKind.LIST_REMOVED,
    }


def test_the_e_mail_task_is_enqueued_on_commit(
    shandong, shandong_staff, approver, units, unit_users, django_capture_on_commit_callbacks
):
    fake_task = mock.Mock()
    unit_list = formulate(shandong_staff, shandong)
    submit(shandong_staff, unit_list)
    approve(approver, unit_list)

    with (
        mock.patch.object(deadline_services, "send_pending_emails", fake_task),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        publish(approver, unit_list)
        assert fake_task.delay.call_count == 0

    assert callbacks
    fake_task.delay.assert_called()
    notice = Notification.objects.get(recipient=unit_users["big"])
    assert notice.kind == NotificationKind.LIST_INCLUDED
    assert notice.emailed_at is None
    assert notice.context == {
        "year": YEAR,
        "province": "370000",
        "decision": Decision.NEW,
        "scope": ListScope.MARKET,
        "revision": 1,
    }
    assert Notification.objects.get(recipient=unit_users["chemical"]).context["scope"] == (
        ListScope.REPORTING_ONLY
    )
    assert not Notification.objects.filter(recipient=unit_users["small"]).exists()
    assert not Notification.objects.filter(recipient=unit_users["cantonese"]).exists()


def test_an_inactive_user_is_not_told(shandong, shandong_staff, approver, units, unit_users):
    unit_users["big"].is_active = False
    unit_users["big"].save()

    published(shandong_staff, approver, shandong)

    assert not Notification.objects.filter(recipient=unit_users["big"]).exists()
    assert Notification.objects.filter(recipient=unit_users["chemical"]).exists()


# --- Revisions -------------------------------------------------------------------------------


def test_a_revision_needs_a_reason_and_a_published_list(shandong, shandong_staff, approver, units):
    draft = formulate(shandong_staff, shandong)
    with pytest.raises(DomainError, match="Only a published"):
        revise(shandong_staff, draft)
    submit(shandong_staff, draft)
    approve(approver, draft)
    original = publish(approver, draft)

    with pytest.raises(DomainError) as refused:
        revise(shandong_staff, original, reason="  ")

    assert refused.value.field == "reason"
    assert UnitList.objects.count() == 1


def test_a_revision_copies_the_entries_into_a_new_draft(shandong, shandong_staff, approver, units):
    original = formulate(shandong_staff, shandong)
    override(shandong_staff, entry(original, units["small"]), Decision.NEW, "现场核实")
    submit(shandong_staff, original)
    approve(approver, original)
    publish(approver, original)

    revision = revise(shandong_staff, original)

    assert (revision.revision, revision.status, revision.supersedes) == (
        2,
        ListStatus.DRAFT,
        original,
    )
    assert revision.correction_reason == "更正一家单位的核查数据"
    assert decisions(revision) == decisions(original)
    copied = entry(revision, units["small"])
    assert (copied.proposed, copied.override_reason, copied.overridden_by) == (
        Decision.NOT_INCLUDED,
        "现场核实",
        shandong_staff,
    )
    original.refresh_from_db()
    assert original.status == ListStatus.PUBLISHED, "public until the revision is published"
    with pytest.raises(DomainError, match="already being prepared"):
        revise(shandong_staff, original)


def test_a_published_revision_supersedes_the_list_and_tells_only_changed_units(
    shandong, shandong_staff, approver, units, unit_users
):
    original = published(shandong_staff, approver, shandong)
    obligation_before = list_obligation(shandong)
    before = Notification.objects.count()

    revision = revise(shandong_staff, original)
    override(shandong_staff, entry(revision, units["small"]), Decision.NEW, "核查数据更正")
    override(shandong_staff, entry(revision, units["chemical"]), Decision.NOT_INCLUDED, "误列")
    submit(approver, revision)
    approve(shandong_staff, revision)
    publish(approver, revision)

    original.refresh_from_db()
    revision.refresh_from_db()
    assert original.status == ListStatus.SUPERSEDED
    assert revision.status == ListStatus.PUBLISHED
    assert UnitList.objects.get(province=shandong, year=YEAR, status="published") == revision
    new_notices = Notification.objects.order_by("pk")[before:]
    # The unit added by the correction is told it is listed, the one taken off that it is not.
    assert sorted((n.recipient.username, n.kind, n.context["revision"]) for n in new_notices) == [
        ("ent-chemical", NotificationKind.LIST_REMOVED, 2),
        ("ent-small", NotificationKind.LIST_INCLUDED, 2),
    ]
    assert list_obligation(shandong).met_at == obligation_before.met_at


# --- Who may act -----------------------------------------------------------------------------


@pytest.fixture
def outsiders(jinan, guangdong_staff, ministry_user, units):
    return {
        "city-bound staff": users.staff(jinan.province, city=jinan, username="jinan-staff"),
        "another province's staff": guangdong_staff,
        "an enterprise user": users.enterprise_user(units["big"], username="ent-own"),
        "the ministry": ministry_user,
    }


OUTSIDERS = ["city-bound staff", "another province's staff", "an enterprise user", "the ministry"]
# Lists another province's staff or an enterprise user cannot see look as if they did not exist.
NOT_SEEN = {"another province's staff", "an enterprise user"}


@pytest.mark.parametrize("who", OUTSIDERS)
def test_only_the_provinces_own_staff_formulate(shandong, units, outsiders, who):
    user = outsiders[who]

    with pytest.raises(PermissionDenied):
        formulate(user, shandong)

    assert not UnitList.objects.exists()


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize(
    ("state", "step"),
    [
        ("draft", lambda actor, ul, e: services.submit(actor=actor, unit_list=ul)),
        (
            "draft",
            lambda actor, ul, e: services.override(
                actor=actor, entry=e, decision=Decision.NEW, reason="x"
            ),
        ),
        ("submitted", lambda actor, ul, e: services.approve(actor=actor, unit_list=ul)),
        (
            "submitted",
            lambda actor, ul, e: services.return_to_draft(actor=actor, unit_list=ul, note="x"),
        ),
        ("approved", lambda actor, ul, e: services.publish(actor=actor, unit_list=ul)),
        (
            "published",
            lambda actor, ul, e: services.start_revision(actor=actor, unit_list=ul, reason="x"),
        ),
    ],
    ids=["submit", "override", "approve", "return", "publish", "revise"],
)
def test_only_the_provinces_own_staff_move_a_list_on(
    shandong, shandong_staff, approver, units, outsiders, who, state, step
):
    user = outsiders[who]
    unit_list = formulate(shandong_staff, shandong)
    if state != "draft":
        submit(shandong_staff, unit_list)
    if state in ("approved", "published"):
        approve(approver, unit_list)
    if state == "published":
        publish(approver, unit_list)
    small = entry(unit_list, units["small"])

    with pytest.raises(NotFound if who in NOT_SEEN else PermissionDenied):
        step(actor_for(user), unit_list, small)

    unit_list.refresh_from_db()
    assert unit_list.status == state
    assert entry(unit_list, units["small"]).decision == Decision.NOT_INCLUDED
    assert UnitList.objects.count() == 1


def test_an_administrator_may_act_for_any_province(guangdong, admin_user, guangdong_staff, units):
    unit_list = formulate(admin_user, guangdong)
    submit(admin_user, unit_list)
    approve(guangdong_staff, unit_list)

    assert decisions(unit_list) == {"广东电厂": Decision.NEW}


# --- Audit trail -----------------------------------------------------------------------------


def events(target) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_target(target).order_by("pk"))


def test_every_step_is_audited_with_before_and_after(
    shandong, shandong_staff, approver, units, list_2026
):
    unit_list = formulate(shandong_staff, shandong)
    small = override(shandong_staff, entry(unit_list, units["small"]), Decision.NEW, "核实")
    submit(shandong_staff, unit_list)
    services.return_to_draft(actor=actor_for(approver), unit_list=unit_list, note="再核对")
    submit(shandong_staff, unit_list)
    approve(approver, unit_list)
    publish(approver, unit_list)
    revision = revise(approver, unit_list, reason="更正")

    trail = events(unit_list)
    assert [(e.actor, e.action, e.note) for e in trail] == [
        (shandong_staff, AuditAction.CALCULATE, ""),
        (shandong_staff, AuditAction.STATUS, ""),
        (approver, AuditAction.STATUS, "再核对"),
        (shandong_staff, AuditAction.STATUS, ""),
        (approver, AuditAction.STATUS, ""),
        (approver, AuditAction.STATUS, ""),
    ]
    formulated, submitted, returned, _again, approved, published_ = trail
    assert formulated.tenant_code == "370000"
    # Units per decision before and after the calculation (both scopes).
    assert formulated.changes == {
        "new": {"before": 0, "after": 1},
        "continuing": {"before": 0, "after": 1},
        "removed": {"before": 0, "after": 2},
        "not_included": {"before": 0, "after": 1},
    }
    assert submitted.changes["status"] == {"before": "draft", "after": "submitted"}
    assert submitted.changes["submitted_by"] == {"before": None, "after": str(shandong_staff)}
    assert returned.changes["status"] == {"before": "submitted", "after": "draft"}
    assert approved.changes["approved_by"] == {"before": None, "after": str(approver)}
    assert published_.changes["status"] == {"before": "approved", "after": "published"}
    assert published_.changes["published_at"]["before"] is None
    assert published_.changes["published_at"]["after"]

    (overridden,) = events(small)
    assert overridden.changes == {
        "decision": {"before": Decision.NOT_INCLUDED, "after": Decision.NEW},
        "override_reason": {"before": "", "after": "核实"},
    }
    (created,) = events(revision)
    assert created.action == AuditAction.CREATE
    assert created.changes["revision"] == {"before": None, "after": 2}
    assert created.changes["correction_reason"] == {"before": None, "after": "更正"}


def test_a_refused_step_leaves_no_audit_event(shandong, shandong_staff, units):
    unit_list = formulate(shandong_staff, shandong)
    submit(shandong_staff, unit_list)
    before = AuditEvent.objects.count()

    with pytest.raises(DomainError):
        approve(shandong_staff, unit_list)

    assert AuditEvent.objects.count() == before
