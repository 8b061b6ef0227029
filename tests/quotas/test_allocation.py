"""Pre-allocation, determination and issuance through the services: a 600 MW coal unit end to
end through the inputs read from the database (the worked example of test_calculation.py),
the negative true-up, missing data named, four-eyes, audit, the calendar obligations, the
review window in working days, and the reproducibility of every figure from its stored inputs.

The clock: compliance year 2025, handled in 2026 (pre-allocation by Jun 30, determination by
Sep 20, issuance by Sep 30)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from accounts.scoping import actor_for
from core.errors import DomainError, PermissionDenied
from core.models import AuditAction, AuditEvent
from deadlines.models import Notification, Obligation
from quotas import (
    allocation_reviews,
    batch_workflow,
    determination,
    issuance,
    pre_allocation,
    recompute,
)
from quotas.models import (
    Adjustment,
    Allocation,
    AllocationBatch,
    AllocationReview,
    BatchStatus,
    ReviewStatus,
)
from tests.factories import accounts as users
from tests.factories.quotas_allocation import (
    coal_unit,
    power_activity,
    unit,
    verified,
)
from tests.factories.units import FacilityFactory
from units.models import EnterpriseStatus
from verification.workdays import add_working_days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Refusals are checked in English (the site's default language is Chinese)."""
    with translation.override("en"):
        yield


SHANGHAI = ZoneInfo("Asia/Shanghai")
PRE_ALLOCATION_DAY = datetime(2026, 6, 20, 10, 0, tzinfo=SHANGHAI)
DETERMINATION_DAY = datetime(2026, 9, 10, 10, 0, tzinfo=SHANGHAI)  # a Thursday
# 7 working days after Thu Sep 10, 2026: Sep 11, 14, 15, 16, 17, 18 and Sunday Sep 20, a make-up
# working day before the Mid-Autumn and National Day holidays. Mon Sep 21 is one too many.
LAST_REVIEW_DAY = date(2026, 9, 20)
ISSUANCE_DAY = datetime(2026, 9, 22, 10, 0, tzinfo=SHANGHAI)


def at(time_machine, moment):
    time_machine.move_to(moment, tick=False)


@pytest.fixture
def approver(shandong):
    return users.staff(shandong, username="shandong-approver")


@pytest.fixture
def plant(shandong, jinan):
    """The worked example's unit: 600 MW, coal, water-cooled, 3,000,000 MWh generated and
    1,200,000 GJ supplied in 2024 and 2025, a load factor of 72% in its annual reports."""
    enterprise = unit(shandong, city=jinan, name_zh="山东华能测试电厂")
    facility = coal_unit(enterprise)
    for year in (2024, 2025):
        verified(
            enterprise,
            year,
            emissions=2_600_000,
            activity=power_activity(facility, generated=3_000_000, heat=1_200_000),
        )
    return enterprise


def act(user):
    return actor_for(user)


def approve(batch, *, by, approver):
    batch_workflow.submit_batch(actor=act(by), batch=batch)
    return batch_workflow.approve_batch(actor=act(approver), batch=batch)


def allocation_of(enterprise, year=2025) -> Allocation:
    return Allocation.objects.get(enterprise=enterprise, year=year)


def pre_allocated(province, staff, approver, time_machine):
    at(time_machine, PRE_ALLOCATION_DAY)
    batch = pre_allocation.draft_pre_allocation(
        actor=act(staff), province=province, year=2025, sector="power"
    )
    return approve(batch, by=staff, approver=approver)


def determined(province, staff, approver, time_machine):
    at(time_machine, DETERMINATION_DAY)
    batch = determination.draft_determination(
        actor=act(staff), province=province, year=2025, sector="power"
    )
    return approve(batch, by=staff, approver=approver)


def deduction(enterprise, tonnes, creator, *, year=2025):
    return Adjustment.objects.create(
        enterprise=enterprise,
        year=year,
        kind="under_surrendered",
        tonnes=tonnes,
        reason="2024年度未足额清缴",
        created_by=creator,
    )


def assert_reproducible(allocation: Allocation) -> None:
    allocation.refresh_from_db()
    figures = recompute.recompute(allocation)
    stored = {name: getattr(allocation, name) for name in figures}
    assert figures == stored


# --- the 600 MW unit, end to end ----------------------------------------------------------------


class TestSixHundredMegawattUnit:
    def test_pre_allocation_from_the_2024_basis(
        self, plant, shandong, shandong_staff, approver, time_machine
    ):
        # 70% × (0.7860 × 3,000,000 × 1 × 1.024108 + 0.1050 × 1,200,000)
        # = 70% × 2,540,846.664 = 1,778,592.6648 → 1,778,593 t.
        pre_allocated(shandong, shandong_staff, approver, time_machine)
        allocation = allocation_of(plant)
        assert allocation.pre_allocated == Decimal(1_778_593)
        assert allocation.pre_allocation_inputs["data_year"] == 2024
        assert allocation.pre_allocation_inputs["missing"] == []
        assert allocation.pre_allocation_inputs["sources"]["load_factor"] == {
            "1号机组": "annual report"
        }
        facility = allocation.pre_allocation_inputs["facilities"][0]
        assert (facility["category"], facility["load_factor"]) == ("coal_above_300", "0.72")
        assert [line["label"] for line in allocation.pre_allocation_lines] == [
            "1号机组: generation",
            "1号机组: heat",
            "ratio",
        ]
        assert_reproducible(allocation)

    def test_determination_trues_up_with_a_pending_adjustment_netted(
        self, plant, shandong, shandong_staff, approver, time_machine
    ):
        pre_allocated(shandong, shandong_staff, approver, time_machine)
        adjustment = deduction(plant, 10_000, shandong_staff)
        batch = determined(shandong, shandong_staff, approver, time_machine)
        allocation = allocation_of(plant)
        # Determined 2,540,847 t (test_calculation.py); to issue
        # 2,540,847 − 1,778,593 (pre-allocated) − 10,000 (deduction) = 752,254 t.
        assert allocation.determined == Decimal(2_540_847)
        assert allocation.adjustments == Decimal(10_000)
        assert allocation.to_issue == Decimal(752_254)
        assert allocation.determination_inputs["pre_allocated"] == "1778593"
        adjustment.refresh_from_db()
        assert adjustment.netted_in == allocation
        assert batch.status == BatchStatus.APPROVED
        assert_reproducible(allocation)

    def test_issuance_after_the_review_window(
        self, plant, shandong, shandong_staff, approver, time_machine
    ):
        pre_allocated(shandong, shandong_staff, approver, time_machine)
        deduction(plant, 10_000, shandong_staff)
        determined(shandong, shandong_staff, approver, time_machine)
        at(time_machine, ISSUANCE_DAY)
        batch = issuance.draft_allocation(
            actor=act(shandong_staff), province=shandong, year=2025, sector="power"
        )
        issuance.record_issuance(
            actor=act(shandong_staff), batch=batch, issued_on=ISSUANCE_DAY.date()
        )
        approve(batch, by=shandong_staff, approver=approver)
        allocation = allocation_of(plant)
        assert (allocation.issued, allocation.issued_on) == (Decimal(752_254), date(2026, 9, 22))
        assert allocation.allocation_batch == batch

    def test_each_approval_meets_the_units_obligation_of_the_step(
        self, plant, shandong, shandong_staff, approver, time_machine
    ):
        pre_allocated(shandong, shandong_staff, approver, time_machine)
        determined(shandong, shandong_staff, approver, time_machine)
        at(time_machine, ISSUANCE_DAY)
        batch = issuance.draft_allocation(
            actor=act(shandong_staff), province=shandong, year=2025, sector="power"
        )
        issuance.record_issuance(
            actor=act(shandong_staff), batch=batch, issued_on=ISSUANCE_DAY.date()
        )
        approve(batch, by=shandong_staff, approver=approver)
        met = dict(
            Obligation.objects.filter(enterprise=plant, period_start=date(2025, 1, 1))
            .filter(kind__in=["pre_allocation", "determination", "allocation"])
            .values_list("kind", "status")
        )
        assert met == {
            "pre_allocation": "met_on_time",
            "determination": "met_on_time",
            "allocation": "met_on_time",
        }


def test_a_negative_true_up_is_to_withdraw(shandong, shandong_staff, approver, time_machine):
    # 2024: as the worked example, pre-allocated 1,778,593 t. 2025: 1,500,000 MWh, no heat:
    # 0.7860 × 1,500,000 × 1.024108 = 1,207,423.332 → 1,207,423 t;
    # to issue 1,207,423 − 1,778,593 = −571,170 t (to withdraw).
    enterprise = unit(shandong, name_zh="山东低负荷电厂")
    facility = coal_unit(enterprise)
    verified(
        enterprise,
        2024,
        emissions=2_600_000,
        activity=power_activity(facility, generated=3_000_000, heat=1_200_000),
    )
    verified(
        enterprise,
        2025,
        emissions=1_300_000,
        activity=power_activity(facility, generated=1_500_000),
    )
    pre_allocated(shandong, shandong_staff, approver, time_machine)
    determined(shandong, shandong_staff, approver, time_machine)
    allocation = allocation_of(enterprise)
    assert (allocation.determined, allocation.to_issue) == (Decimal(1_207_423), Decimal(-571_170))
    assert_reproducible(allocation)


# --- missing data ---------------------------------------------------------------------------------


class TestMissingData:
    def test_each_missing_item_is_named_and_the_others_computed(
        self, plant, shandong, shandong_staff, time_machine
    ):
        no_figures = unit(shandong, name_zh="无核查数据电厂")
        coal_unit(no_figures)
        no_load = unit(shandong, name_zh="无负荷率电厂")
        verified(
            no_load,
            2024,
            emissions=1,
            activity=power_activity(coal_unit(no_load), generated=1),
            load_factor=None,
        )
        no_output = unit(shandong, name_zh="无发电量电厂")
        heat_only = coal_unit(no_output)
        verified(no_output, 2024, emissions=1, activity=[(heat_only, "heat_supplied", 5, "GJ")])
        at(time_machine, PRE_ALLOCATION_DAY)
        batch = pre_allocation.draft_pre_allocation(
            actor=act(shandong_staff), province=shandong, year=2025, sector="power"
        )
        missing = {
            allocation.enterprise.name_zh: allocation.pre_allocation_inputs["missing"]
            for allocation in Allocation.objects.filter(pre_allocation_batch=batch)
        }
        assert missing == {
            "山东华能测试电厂": [],
            "无核查数据电厂": ["2024 verified figures (confirmed verification)"],
            "无负荷率电厂": ["1号机组: load factor"],
            "无发电量电厂": ["1号机组: power generated"],
        }
        assert allocation_of(plant).pre_allocated == Decimal(1_778_593)
        assert allocation_of(no_load).pre_allocated is None
        with pytest.raises(DomainError, match="无发电量电厂、无核查数据电厂、无负荷率电厂"):
            batch_workflow.submit_batch(actor=act(shandong_staff), batch=batch)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.DRAFT

    def test_a_load_factor_verified_for_the_unit_comes_before_the_report(
        self, shandong, shandong_staff, time_machine
    ):
        # 80% verified (the report says 72%): 1 + 0.0014 × (85 − 80) = 1.007;
        # 70% × 0.7860 × 1,000,000 × 1.007 = 554,051.4 → 554,051 t.
        enterprise = unit(shandong)
        facility = coal_unit(enterprise)
        verified(
            enterprise,
            2024,
            emissions=1,
            activity=[
                *power_activity(facility, generated=1_000_000),
                (facility, "load_factor", 80, "%"),
            ],
        )
        at(time_machine, PRE_ALLOCATION_DAY)
        pre_allocation.draft_pre_allocation(
            actor=act(shandong_staff), province=shandong, year=2025, sector="power"
        )
        allocation = allocation_of(enterprise)
        assert allocation.pre_allocated == Decimal(554_051)
        assert allocation.pre_allocation_inputs["sources"]["load_factor"] == {
            "1号机组": "verified activity"
        }

    def test_units_outside_the_plan_or_without_verified_activity_are_listed_as_left_out(
        self, shandong, shandong_staff, time_machine
    ):
        enterprise = unit(shandong)
        facility = coal_unit(enterprise)
        FacilityFactory(enterprise=enterprise, name="燃油机组", fuel="oil", capacity=50)
        coal_unit(enterprise, name="2号机组")
        verified(enterprise, 2024, emissions=1, activity=power_activity(facility, generated=100))
        at(time_machine, PRE_ALLOCATION_DAY)
        pre_allocation.draft_pre_allocation(
            actor=act(shandong_staff), province=shandong, year=2025, sector="power"
        )
        left_out = allocation_of(enterprise).pre_allocation_inputs["left_out"]
        assert {(row["name"], row["reason"]) for row in left_out} == {
            ("燃油机组", "outside the plan"),
            ("2号机组", "no verified activity data"),
        }


# --- the workflow ---------------------------------------------------------------------------------


class TestWorkflow:
    def test_the_preparer_and_the_submitter_cannot_approve(
        self, plant, shandong, shandong_staff, approver, time_machine
    ):
        at(time_machine, PRE_ALLOCATION_DAY)
        batch = pre_allocation.draft_pre_allocation(
            actor=act(shandong_staff), province=shandong, year=2025, sector="power"
        )
        batch_workflow.submit_batch(actor=act(approver), batch=batch)
        for person in (shandong_staff, approver):
            with pytest.raises(DomainError, match="other than the one who prepared"):
                batch_workflow.approve_batch(actor=act(person), batch=batch)
        batch.refresh_from_db()
        assert (batch.status, batch.approved_by) == (BatchStatus.SUBMITTED, None)
        assert (batch.prepared_by, batch.submitted_by) == (shandong_staff, approver)
        third = users.staff(shandong, username="shandong-third")
        batch_workflow.approve_batch(actor=act(third), batch=batch)
        batch.refresh_from_db()
        assert (batch.status, batch.approved_by) == (BatchStatus.APPROVED, third)

    def test_approval_is_audited_and_the_figures_before_and_after(
        self, plant, plant_user, shandong, shandong_staff, approver, time_machine
    ):
        batch = pre_allocated(shandong, shandong_staff, approver, time_machine)
        approval = AuditEvent.objects.for_target(batch).get(
            action=AuditAction.STATUS, changes__status__after="approved"
        )
        assert approval.actor == approver
        assert approval.changes["status"] == {"before": "submitted", "after": "approved"}
        figure = AuditEvent.objects.for_target(allocation_of(plant)).get()
        assert figure.action == AuditAction.CALCULATE
        assert figure.changes["pre_allocated"] == {"before": None, "after": "1778593"}
        # The unit's users are told the approved figure, with a link to the allocation page.
        notice = Notification.objects.get(kind="allocation_notice", recipient=plant_user)
        assert notice.context["tonnes"] == "1,778,593"
        assert notice.context["step"] == "pre_allocation"
        assert not Notification.objects.exclude(kind="allocation_notice").exists()

    def test_a_refreshed_draft_audits_only_what_changed_and_releases_closed_units(
        self, plant, shandong, shandong_staff, approver, time_machine
    ):
        # 70% × 0.7860 × 1,000 MWh × 1.024108 = 563.47 → 563 t.
        closing = unit(shandong, name_zh="关停电厂")
        facility = coal_unit(closing)
        verified(closing, 2024, emissions=1, activity=power_activity(facility, generated=1_000))
        at(time_machine, PRE_ALLOCATION_DAY)
        batch = pre_allocation.draft_pre_allocation(
            actor=act(shandong_staff), province=shandong, year=2025, sector="power"
        )
        closing.status = EnterpriseStatus.CLOSED
        closing.save()
        pre_allocation.draft_pre_allocation(
            actor=act(approver), province=shandong, year=2025, sector="power"
        )
        assert list(Allocation.objects.filter(pre_allocation_batch=batch)) == [allocation_of(plant)]
        assert AuditEvent.objects.for_target(allocation_of(plant)).count() == 1
        released = AuditEvent.objects.for_target(allocation_of(closing)).latest("pk")
        assert released.changes["pre_allocated"] == {"before": "563", "after": None}
        batch.refresh_from_db()
        assert batch.prepared_by == approver

    def test_return_needs_a_comment_and_brings_the_batch_back_to_draft(
        self, plant, shandong, shandong_staff, approver, time_machine
    ):
        at(time_machine, PRE_ALLOCATION_DAY)
        batch = pre_allocation.draft_pre_allocation(
            actor=act(shandong_staff), province=shandong, year=2025, sector="power"
        )
        batch_workflow.submit_batch(actor=act(shandong_staff), batch=batch)
        with pytest.raises(DomainError) as refused:
            batch_workflow.return_batch(actor=act(approver), batch=batch, comment="  ")
        assert refused.value.field == "comment"
        batch_workflow.return_batch(actor=act(approver), batch=batch, comment="核对负荷率")
        batch.refresh_from_db()
        assert (batch.status, batch.submitted_at) == (BatchStatus.DRAFT, None)
        event = AuditEvent.objects.for_target(batch).latest("pk")
        assert event.note == "核对负荷率"

    def test_another_provinces_staff_and_city_staff_cannot_draft_or_act(
        self, plant, shandong, guangdong_staff, jinan_staff, shandong_staff, time_machine
    ):
        at(time_machine, PRE_ALLOCATION_DAY)
        for outsider in (guangdong_staff, jinan_staff):
            with pytest.raises(PermissionDenied):
                pre_allocation.draft_pre_allocation(
                    actor=act(outsider), province=shandong, year=2025, sector="power"
                )
        assert not AllocationBatch.objects.exists()
        batch = pre_allocation.draft_pre_allocation(
            actor=act(shandong_staff), province=shandong, year=2025, sector="power"
        )
        with pytest.raises(DomainError):
            batch_workflow.submit_batch(actor=act(guangdong_staff), batch=batch)
        batch.refresh_from_db()
        assert batch.status == BatchStatus.DRAFT

    def test_the_order_of_the_steps(self, plant, shandong, shandong_staff, approver, time_machine):
        at(time_machine, PRE_ALLOCATION_DAY)
        staff = act(shandong_staff)
        pre_allocation.draft_pre_allocation(
            actor=staff, province=shandong, year=2025, sector="power"
        )
        with pytest.raises(DomainError, match="Approve the pre-allocation"):
            determination.draft_determination(
                actor=staff, province=shandong, year=2025, sector="power"
            )
        with pytest.raises(DomainError, match="Approve the determination"):
            issuance.draft_allocation(actor=staff, province=shandong, year=2025, sector="power")
        with pytest.raises(DomainError, match="no pre-allocation"):
            pre_allocation.draft_pre_allocation(
                actor=staff, province=shandong, year=2024, sector="cement"
            )

    def test_issuance_waits_for_the_review_window_and_the_reviews(
        self, plant, shandong, shandong_staff, approver, time_machine
    ):
        pre_allocated(shandong, shandong_staff, approver, time_machine)
        determined(shandong, shandong_staff, approver, time_machine)
        batch = issuance.draft_allocation(
            actor=act(shandong_staff), province=shandong, year=2025, sector="power"
        )
        with pytest.raises(DomainError, match="until 2026-09-20") as refused:
            issuance.record_issuance(
                actor=act(shandong_staff), batch=batch, issued_on=DETERMINATION_DAY.date()
            )
        assert refused.value.field == "issued_on"
        at(time_machine, datetime(2026, 9, 15, 9, 0, tzinfo=SHANGHAI))
        plant_user = users.enterprise_user(plant, username="plant-user")
        allocation_reviews.request_review(
            actor=act(plant_user), allocation=allocation_of(plant), grounds="供热量有误"
        )
        at(time_machine, ISSUANCE_DAY)
        with pytest.raises(DomainError, match="awaits a decision"):
            issuance.record_issuance(
                actor=act(shandong_staff), batch=batch, issued_on=ISSUANCE_DAY.date()
            )
        assert allocation_of(plant).issued is None


# --- reviews --------------------------------------------------------------------------------------


@pytest.fixture
def notified(plant, shandong, shandong_staff, approver, time_machine):
    """The plant's determination approved on Thu Sep 10, 2026, with a 10,000 t deduction."""
    pre_allocated(shandong, shandong_staff, approver, time_machine)
    deduction(plant, 10_000, shandong_staff)
    determined(shandong, shandong_staff, approver, time_machine)
    return allocation_of(plant)


@pytest.fixture
def plant_user(plant):
    return users.enterprise_user(plant, username="plant-user")


class TestReview:
    def test_filed_on_the_last_working_day_of_the_window(self, notified, plant_user, time_machine):
        at(time_machine, datetime(2026, 9, 20, 16, 0, tzinfo=SHANGHAI))
        review = allocation_reviews.request_review(
            actor=act(plant_user), allocation=notified, grounds="负荷率应为75%"
        )
        assert review.filed_on == LAST_REVIEW_DAY
        assert review.decide_by == add_working_days(LAST_REVIEW_DAY, 10)
        assert AuditEvent.objects.for_target(review).get().action == AuditAction.CREATE

    def test_refused_the_next_working_day(self, notified, plant_user, time_machine):
        at(time_machine, datetime(2026, 9, 21, 9, 0, tzinfo=SHANGHAI))
        with pytest.raises(DomainError, match="closed on 2026-09-20"):
            allocation_reviews.request_review(
                actor=act(plant_user), allocation=notified, grounds="逾期"
            )
        assert not AllocationReview.objects.exists()

    def test_only_the_enterprise_asks_and_with_grounds(
        self, notified, plant_user, shandong_staff, shandong_enterprise_user, time_machine
    ):
        at(time_machine, datetime(2026, 9, 14, 9, 0, tzinfo=SHANGHAI))
        with pytest.raises(PermissionDenied):
            allocation_reviews.request_review(
                actor=act(shandong_staff), allocation=notified, grounds="复核"
            )
        with pytest.raises(DomainError):  # another unit's user does not even see it
            allocation_reviews.request_review(
                actor=act(shandong_enterprise_user), allocation=notified, grounds="复核"
            )
        with pytest.raises(DomainError) as refused:
            allocation_reviews.request_review(
                actor=act(plant_user), allocation=notified, grounds=" "
            )
        assert refused.value.field == "grounds"
        assert not AllocationReview.objects.exists()

    def test_rejected_the_determination_stands_and_the_decision_is_final(
        self, notified, plant_user, approver, time_machine
    ):
        at(time_machine, datetime(2026, 9, 14, 9, 0, tzinfo=SHANGHAI))
        review = allocation_reviews.request_review(
            actor=act(plant_user), allocation=notified, grounds="复核"
        )
        with pytest.raises(PermissionDenied):
            allocation_reviews.decide_review(
                actor=act(plant_user), review=review, upheld=True, decision="x"
            )
        allocation_reviews.decide_review(
            actor=act(approver), review=review, upheld=False, decision="数据无误"
        )
        review.refresh_from_db()
        assert (review.status, review.decided_by) == (ReviewStatus.REJECTED, approver)
        notified.determination_batch.refresh_from_db()
        assert notified.determination_batch.status == BatchStatus.APPROVED
        with pytest.raises(DomainError, match="final"):
            allocation_reviews.decide_review(
                actor=act(approver), review=review, upheld=True, decision="x"
            )
        with pytest.raises(DomainError, match="final"):
            allocation_reviews.request_review(
                actor=act(plant_user), allocation=notified, grounds="再议"
            )

    def test_upheld_the_determination_is_redone(
        self, notified, plant_user, shandong, shandong_staff, approver, time_machine
    ):
        at(time_machine, datetime(2026, 9, 14, 9, 0, tzinfo=SHANGHAI))
        review = allocation_reviews.request_review(
            actor=act(plant_user), allocation=notified, grounds="扣减量有误"
        )
        allocation_reviews.decide_review(
            actor=act(approver), review=review, upheld=True, decision="扣减量改为5000吨"
        )
        batch = notified.determination_batch
        batch.refresh_from_db()
        assert (batch.status, batch.approved_by) == (BatchStatus.DRAFT, None)
        adjustment = Adjustment.objects.get()
        assert adjustment.netted_in is None
        adjustment.tonnes = 5_000
        adjustment.save()
        redone = determination.draft_determination(
            actor=act(shandong_staff), province=shandong, year=2025, sector="power"
        )
        assert redone == batch
        approve(redone, by=shandong_staff, approver=approver)
        allocation = allocation_of(notified.enterprise)
        assert allocation.to_issue == Decimal(2_540_847 - 1_778_593 - 5_000)
        adjustment.refresh_from_db()
        assert adjustment.netted_in == allocation
        assert_reproducible(allocation)


# --- reproducibility ------------------------------------------------------------------------------


def test_every_figure_is_reproduced_from_its_stored_inputs(
    shandong, shandong_staff, approver, time_machine
):
    """A province's mix: the worked example, an air-cooled unit at 78% load, a 300 MW unit at
    90%, a gas unit, a two-unit plant with heat, a unit with a deduction and one whose 2025
    output fell; and a cement plant under the 2025 intensity plan (pre-allocated on 70% of its
    2024 emissions)."""
    plants = []

    def power(name, units, *, load="72", deduct=None):
        enterprise = unit(shandong, name_zh=name)
        rows = []
        for index, (capacity, fuel, cooling, generated, heat) in enumerate(units, start=1):
            facility = coal_unit(
                enterprise, name=f"{index}号机组", capacity=capacity, fuel=fuel, cooling=cooling
            )
            rows.append((facility, generated, heat))
        for year, scale in ((2024, 1), (2025, Decimal("0.93"))):
            activity = [
                row
                for facility, generated, heat in rows
                for row in power_activity(
                    facility,
                    generated=Decimal(generated) * scale,
                    heat=None if heat is None else Decimal(heat) * scale,
                )
            ]
            verified(enterprise, year, emissions=Decimal("812345.67") * scale, activity=activity,
                     load_factor=load)  # fmt: skip
        if deduct:
            deduction(enterprise, deduct, shandong_staff)
        plants.append(enterprise)

    power("示例电厂", [(600, "coal", "water", 3_000_000, 1_200_000)])
    power("空冷电厂", [(660, "coal", "air", 3_300_001, None)], load="78")
    power("小机组电厂", [(300, "coal", "water", 1_650_000, 400_000)], load="90")
    power("燃机电厂", [(400, "natural_gas", "na", 1_500_000, 300_000)], load=None)
    power(
        "两机电厂",
        [(350, "coal", "water", 1_800_000, 0), (1000, "coal", "air", 5_600_003, 2_000_000)],
    )
    power("扣减电厂", [(600, "coal", "water", 2_900_000, 0)], deduct=25_000)
    cement = unit(shandong, sector="cement", name_zh="水泥熟料厂")
    line = FacilityFactory(enterprise=cement, name="熟料线", capacity=5000, capacity_unit="t/d",
                           fuel="coal", category="production_line")  # fmt: skip
    verified(cement, 2024, emissions="812345.6", activity=[(line, "output", 900_000, "t")])
    verified(cement, 2025, emissions="830000", activity=[(line, "output", 950_000, "t")])

    for sector in ("power", "cement"):
        at(time_machine, PRE_ALLOCATION_DAY)
        batch = pre_allocation.draft_pre_allocation(
            actor=act(shandong_staff), province=shandong, year=2025, sector=sector
        )
        approve(batch, by=shandong_staff, approver=approver)
        at(time_machine, DETERMINATION_DAY)
        batch = determination.draft_determination(
            actor=act(shandong_staff), province=shandong, year=2025, sector=sector
        )
        approve(batch, by=shandong_staff, approver=approver)

    allocations = list(Allocation.objects.filter(year=2025))
    assert len(allocations) == 7
    for allocation in allocations:
        assert allocation.determined is not None, allocation.determination_inputs["missing"]
        assert_reproducible(allocation)
    # The cement plant: 0.8600 × 950,000 = 817,000 t; 70% × 812,345.6 = 568,641.92 → 568,642 t.
    assert (allocation_of(cement).determined, allocation_of(cement).pre_allocated) == (
        Decimal(817_000),
        Decimal(568_642),
    )


def test_recompute_reads_nothing_but_the_stored_inputs(
    plant, shandong, shandong_staff, approver, time_machine, django_assert_num_queries
):
    pre_allocated(shandong, shandong_staff, approver, time_machine)
    determined(shandong, shandong_staff, approver, time_machine)
    allocation = allocation_of(plant)
    with django_assert_num_queries(0):
        figures = recompute.recompute(allocation)
    assert figures["determined"] == Decimal(2_540_847)


# --- the cost of a province -----------------------------------------------------------------------


def test_drafting_and_approving_a_determination_takes_the_same_queries_for_more_units(
    plant, shandong, jinan, shandong_staff, approver, time_machine, django_assert_max_num_queries
):
    """A province has hundreds of units: the services read and write them in bulk."""
    pre_allocated(shandong, shandong_staff, approver, time_machine)

    def add_units(n):
        for _ in range(n):
            enterprise = unit(shandong, city=jinan)
            facility = coal_unit(enterprise)
            verified(
                enterprise,
                2025,
                emissions=2_000_000,
                activity=power_activity(facility, generated=2_500_000, heat=1_000_000),
            )

    def queries_of_a_determination() -> tuple[int, int]:
        at(time_machine, DETERMINATION_DAY)
        with django_assert_max_num_queries(200) as drafting:
            batch = determination.draft_determination(
                actor=act(shandong_staff), province=shandong, year=2025, sector="power"
            )
        batch_workflow.submit_batch(actor=act(shandong_staff), batch=batch)
        with django_assert_max_num_queries(200) as approving:
            batch_workflow.approve_batch(actor=act(approver), batch=batch)
        Allocation.objects.filter(determination_batch=batch).update(
            determination_batch=None, determined=None, to_issue=None
        )
        batch.delete()
        Obligation.objects.filter(kind="allocation_determination").delete()
        return len(drafting), len(approving)

    add_units(1)
    few = queries_of_a_determination()
    add_units(4)
    assert queries_of_a_determination() == few
