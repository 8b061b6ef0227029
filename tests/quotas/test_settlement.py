"""Settlement through the services: the worked examples of the issue (a gas unit capped at its
allocation, a coal enterprise over the 20% gap cap, CCER above 5% refused with the allowed
figure), opening (idempotent, audited, settled ones never touched), surrenders on time and late,
the close of the year with the shortfall case (fine range hand-computed) and the deduction, the
case's correction and fine, the import of the registry's export (all or nothing, every bad row
and column named, equal to the same surrenders typed in), the compliance summary's counts, the
interim target and an enterprise's quota position.

The clock is fixed at 2026-11-20 10:00 in Asia/Shanghai: the 2025 settlement is due 2026-12-31.
"""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook

from accounts.scoping import actor_for
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import AuditEvent, target_label
from deadlines.models import Obligation, ObligationStatus
from quotas import (
    compliance,
    quota_position,
    registry_import,
    settlement_closing,
    settlement_opening,
    settlement_selectors,
    surrenders,
)
from quotas.models import (
    Adjustment,
    Allocation,
    AllocationBatch,
    BatchStatus,
    CaseStatus,
    ComplianceTarget,
    PenaltyRule,
    Settlement,
    SettlementStatus,
    ShortfallCase,
    Step,
    Surrender,
)
from tests.factories import accounts as users
from tests.factories.quotas_settlement import (
    AllocationFactory,
    SettlementFactory,
    SurrenderFactory,
    approved_batch,
    settlement_obligation,
    unit_ready,
    verified,
)
from tests.factories.units import EnterpriseFactory, FacilityFactory
from units.imports.errors import ImportFileRejected, ImportRejected

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
AFTER_DUE = datetime(2027, 1, 5, 10, 0, tzinfo=SHANGHAI)
HEADER = ["统一社会信用代码", "单位名称", "类型", "年份", "数量", "日期", "登记编号"]


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def in_english():
    """The messages are asserted in English, whatever the catalogs translate them to."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff(shandong_staff):
    return actor_for(shandong_staff)


@pytest.fixture
def coal_unit(shandong):
    # Allocation 1,000,000 t; verified 1,300,000 t; gap 300,000 t > 20% × 1,300,000 = 260,000 t:
    # the obligation is 1,000,000 + 260,000 = 1,260,000 t.
    return unit_ready(
        province=shandong, emissions=1_300_000, determined=1_000_000, name_zh="鲁北燃煤电厂"
    )


@pytest.fixture
def coal_settlement(staff, shandong, coal_unit):
    settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
    return Settlement.objects.get(enterprise=coal_unit, year=2025)


def surrender(staff, settlement, quantity, *, kind="allowance", vintage=2025, on=date(2026, 11, 1),
              reference=""):  # fmt: skip
    return surrenders.record_surrender(
        actor=staff,
        settlement=settlement,
        kind=kind,
        quantity=Decimal(quantity),
        vintage=vintage if kind == "allowance" else None,
        surrendered_on=on,
        registry_reference=reference,
    )


def events_of(obj):
    return AuditEvent.objects.filter(target_type=target_label(type(obj)), target_id=str(obj.pk))


# --- opening --------------------------------------------------------------------------------------


class TestOpening:
    def test_gas_unit_whose_emissions_exceed_its_allocation_owes_its_allocation(
        self, staff, shandong
    ):
        # Allocation 555,000 t (0.3700 × 1,500,000 MWh); verified 600,000 t > 555,000 t.
        # Every facility burns natural gas: the obligation is at most the allocation, 555,000 t.
        unit = unit_ready(
            province=shandong, emissions=600_000, determined=555_000, fuel="natural_gas"
        )
        result = settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
        assert (result.created, result.updated) == (1, 0)
        owed = Settlement.objects.get(enterprise=unit)
        assert (owed.verified_emissions, owed.allocated, owed.obligation, owed.cap_rule) == (
            Decimal(600_000),
            Decimal(555_000),
            Decimal(555_000),
            "gas_unit",
        )
        assert owed.status == SettlementStatus.OPEN
        assert owed.due_on == date(2026, 12, 31)
        assert [line["tonnes"] for line in owed.calculation] == ["600000", "555000"]
        assert events_of(owed).get().action == "create"

    def test_a_unit_with_a_coal_facility_is_no_gas_unit(self, staff, shandong):
        # Gas and coal facilities: the gas-unit rule does not apply. Gap 45,000 t is within
        # 20% × 600,000 = 120,000 t, so the obligation is the verified 600,000 t.
        unit = unit_ready(
            province=shandong, emissions=600_000, determined=555_000, fuel="natural_gas"
        )
        FacilityFactory(enterprise=unit, fuel="coal")
        settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
        owed = Settlement.objects.get(enterprise=unit)
        assert (owed.obligation, owed.cap_rule) == (Decimal(600_000), "")

    def test_coal_enterprise_whose_gap_exceeds_the_cap(self, coal_settlement):
        # 1,000,000 + 20% × 1,300,000 = 1,260,000 t < 1,300,000 t verified.
        assert (coal_settlement.obligation, coal_settlement.cap_rule) == (
            Decimal(1_260_000),
            "gap_cap",
        )
        assert coal_settlement.calculation[-1]["formula"] == "1000000 + 1300000 × 20.00%"

    def test_verified_emissions_are_rounded_by_the_plan(self, staff, shandong):
        # 1,234,567.50 t → 1,234,568 t (whole tonnes, half up).
        unit = unit_ready(province=shandong, emissions="1234567.50", determined=1_200_000)
        settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
        assert Settlement.objects.get(enterprise=unit).verified_emissions == Decimal(1_234_568)

    def test_due_date_comes_from_the_calendar(self, staff, shandong):
        extended = unit_ready(
            province=shandong, emissions=500_000, determined=500_000, with_obligation=False
        )
        settlement_obligation(extended, due_on=date(2027, 1, 31))
        plain = unit_ready(
            province=shandong, emissions=500_000, determined=500_000, with_obligation=False
        )
        settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
        assert Settlement.objects.get(enterprise=extended).due_on == date(2027, 1, 31)
        assert Settlement.objects.get(enterprise=plain).due_on == date(2026, 12, 31)

    def test_units_without_a_determined_allocation_are_named_not_opened(self, staff, shandong):
        unit = EnterpriseFactory(province=shandong, name_zh="未核定电厂")
        verified(unit, 700_000)
        AllocationFactory(enterprise=unit, determined=None)
        result = settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
        assert result.without_allocation == ["未核定电厂"]
        assert not Settlement.objects.exists()

    def test_a_determination_not_yet_approved_opens_no_settlement(self, staff, shandong):
        # The figure of a draft or submitted determination changes with each recalculation.
        unit = unit_ready(province=shandong, emissions=700_000, determined=650_000)
        batch = Allocation.objects.get(enterprise=unit).determination_batch
        for status in (BatchStatus.DRAFT, BatchStatus.SUBMITTED):
            AllocationBatch.objects.filter(pk=batch.pk).update(status=status)
            result = settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
            assert result.without_allocation == [unit.name_zh]
            assert not Settlement.objects.exists()
        AllocationBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.APPROVED)
        assert (
            settlement_opening.open_settlements(actor=staff, province=shandong, year=2025).created
            == 1
        )

    def test_running_again_updates_only_open_settlements_whose_inputs_changed(
        self, staff, shandong, coal_unit, coal_settlement
    ):
        again = settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 1)

        coal_unit.allocations.update(determined=Decimal(1_100_000))
        again = settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
        assert again.updated == 1
        coal_settlement.refresh_from_db()
        # 1,100,000 + 260,000 = 1,360,000 ≥ 1,300,000: within the cap, the verified emissions.
        assert (coal_settlement.obligation, coal_settlement.cap_rule) == (Decimal(1_300_000), "")
        update = events_of(coal_settlement).get(action="update")
        assert update.changes["obligation"] == {"before": "1260000", "after": "1300000"}

        Settlement.objects.filter(pk=coal_settlement.pk).update(
            status=SettlementStatus.ON_TIME, settled_on=date(2026, 11, 1)
        )
        coal_unit.allocations.update(determined=Decimal(900_000))
        again = settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
        assert (again.updated, again.kept_closed) == (0, 1)
        coal_settlement.refresh_from_db()
        assert coal_settlement.allocated == Decimal(1_100_000)

    def test_opening_takes_the_same_queries_for_any_number_of_units(self, staff, shandong):
        def opened_with(units: int) -> int:
            Settlement.objects.all().delete()
            for _ in range(units):
                unit_ready(province=shandong, emissions=500_000, determined=480_000)
            with CaptureQueriesContext(connection) as queries:
                result = settlement_opening.open_settlements(
                    actor=staff, province=shandong, year=2025
                )
            assert result.created == Settlement.objects.count()
            return len(queries)

        assert opened_with(2) == opened_with(6)

    def test_only_staff_of_the_whole_province(
        self, shandong, guangdong_staff, jinan_staff, shandong_enterprise_user, coal_unit
    ):
        with pytest.raises(NotFound):
            settlement_opening.open_settlements(
                actor=actor_for(guangdong_staff), province=shandong, year=2025
            )
        with pytest.raises(PermissionDenied):
            settlement_opening.open_settlements(
                actor=actor_for(jinan_staff), province=shandong, year=2025
            )
        with pytest.raises(NotFound):
            settlement_opening.open_settlements(
                actor=actor_for(shandong_enterprise_user), province=shandong, year=2025
            )
        assert not Settlement.objects.exists()


# --- surrenders -----------------------------------------------------------------------------------


class TestSurrender:
    def test_ccer_above_five_percent_is_refused_with_the_allowed_figure(
        self, staff, coal_settlement
    ):
        # 5% of the obligation 1,260,000 t = 63,000 t; 70,000 t is 7,000 t too many.
        with pytest.raises(surrenders.SurrenderRefused) as refused:
            surrender(staff, coal_settlement, 70_000, kind="ccer")
        assert refused.value.errors == [
            (
                "quantity",
                "at most 63,000 t CCER may count (5% of 1,260,000 t); 7,000 t more than allowed",
            )
        ]
        assert not Surrender.objects.exists()
        assert not AuditEvent.objects.filter(target_type=target_label(Surrender)).exists()

        surrender(staff, coal_settlement, 63_000, kind="ccer")
        with pytest.raises(surrenders.SurrenderRefused, match="1 t more than allowed"):
            surrender(staff, coal_settlement, 1, kind="ccer")

    def test_later_vintages_are_refused_naming_the_vintage(self, staff, coal_settlement):
        with pytest.raises(surrenders.SurrenderRefused) as refused:
            surrender(staff, coal_settlement, 100_000, vintage=2026)
        assert refused.value.errors == [
            (
                "vintage",
                "Allowances of vintage 2026 cannot be surrendered for 2025: only vintages up to "
                "2025 count.",
            )
        ]
        surrender(staff, coal_settlement, 100_000, vintage=2024)  # banked: counts
        assert not Surrender.objects.filter(vintage=2026).exists()

    def test_nothing_beyond_the_obligation(self, staff, coal_settlement):
        surrender(staff, coal_settlement, 1_200_000)
        with pytest.raises(surrenders.SurrenderRefused, match="Only 60,000 t remain"):
            surrender(staff, coal_settlement, 60_001)
        assert Surrender.objects.count() == 1

    def test_bad_input_names_the_field(self, staff, coal_settlement):
        with pytest.raises(surrenders.SurrenderRefused) as refused:
            surrenders.record_surrender(
                actor=staff,
                settlement=coal_settlement,
                kind="allowance",
                quantity=Decimal("10.5"),
                vintage=None,
                surrendered_on=date(2026, 12, 1),
                registry_reference="",
            )
        fields = [field for field, _message in refused.value.errors]
        assert fields == ["vintage", "surrendered_on", "quantity"]
        assert not Surrender.objects.exists()

    def test_a_registry_reference_is_recorded_once(self, staff, coal_settlement):
        surrender(staff, coal_settlement, 1_000, reference="QJ-1")
        with pytest.raises(surrenders.SurrenderRefused, match="recorded already"):
            surrender(staff, coal_settlement, 1_000, reference="QJ-1")

    def test_settled_on_time_when_the_total_reaches_the_obligation(
        self, staff, coal_unit, coal_settlement
    ):
        surrender(staff, coal_settlement, 1_000_000, on=date(2026, 11, 10))
        surrender(staff, coal_settlement, 197_000, vintage=2024, on=date(2026, 11, 2))
        coal_settlement.refresh_from_db()
        assert coal_settlement.status == SettlementStatus.OPEN
        surrender(staff, coal_settlement, 63_000, kind="ccer", on=date(2026, 11, 5))
        coal_settlement.refresh_from_db()
        # The last surrender by date completes it: settled on 2026-11-10, on time.
        assert (coal_settlement.status, coal_settlement.settled_on) == (
            SettlementStatus.ON_TIME,
            date(2026, 11, 10),
        )
        obligation = Obligation.objects.get(kind="settlement", enterprise=coal_unit)
        assert obligation.status == ObligationStatus.MET_ON_TIME
        assert obligation.met_at.astimezone(SHANGHAI).date() == date(2026, 11, 10)
        with pytest.raises(surrenders.SurrenderRefused, match="already complete"):
            surrender(staff, coal_settlement, 1)

    def test_settled_late_after_the_due_date(self, staff, shandong):
        unit = unit_ready(
            province=shandong, emissions=500_000, determined=500_000, with_obligation=False
        )
        settlement_obligation(unit, due_on=date(2026, 11, 15))
        settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
        owed = Settlement.objects.get(enterprise=unit)
        surrender(staff, owed, 500_000, on=date(2026, 11, 18))
        owed.refresh_from_db()
        assert (owed.status, owed.settled_on) == (SettlementStatus.LATE, date(2026, 11, 18))
        obligation = Obligation.objects.get(kind="settlement", enterprise=unit)
        assert obligation.status == ObligationStatus.MET_LATE

    def test_other_provinces_and_enterprise_users_record_nothing(
        self, guangdong_staff, shandong_enterprise_user, coal_settlement, coal_unit
    ):
        with pytest.raises(NotFound):
            surrender(actor_for(guangdong_staff), coal_settlement, 1_000)
        owner = actor_for(users.enterprise_user(coal_unit, username="coal-owner"))
        with pytest.raises(PermissionDenied):
            surrender(owner, coal_settlement, 1_000)
        with pytest.raises(NotFound):
            surrender(actor_for(shandong_enterprise_user), coal_settlement, 1_000)
        assert not Surrender.objects.exists()


# --- closing the year -----------------------------------------------------------------------------


class TestClosing:
    def test_not_yet_due(self, staff, shandong, coal_settlement):
        with pytest.raises(DomainError, match="due on 2026-12-31"):
            settlement_closing.close_year(
                actor=staff,
                province=shandong,
                year=2025,
                today=date(2026, 11, 20),
                average_price=Decimal(80),
            )
        assert not ShortfallCase.objects.exists()

    def test_shortfall_case_with_the_fine_range_and_the_deduction(
        self, staff, shandong, coal_unit, coal_settlement, time_machine
    ):
        surrender(staff, coal_settlement, 1_200_000)
        on_time = unit_ready(province=shandong, emissions=400_000, determined=400_000)
        settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
        surrender(staff, Settlement.objects.get(enterprise=on_time), 400_000)
        time_machine.move_to(AFTER_DUE, tick=False)

        result = settlement_closing.close_year(
            actor=staff,
            province=shandong,
            year=2025,
            today=date(2027, 1, 5),
            average_price=Decimal("80.00"),
        )
        # Shortfall 1,260,000 − 1,200,000 = 60,000 t. 2025 rule: 5–10 × the average price:
        # 5 × 80 × 60,000 = CNY 24,000,000.00; 10 × 80 × 60,000 = CNY 48,000,000.00.
        # Correct within 30 days: 2027-01-05 + 30 = 2027-02-04.
        assert (result.closed, result.shortfall) == (1, Decimal(60_000))
        coal_settlement.refresh_from_db()
        assert coal_settlement.status == SettlementStatus.NOT_SETTLED
        case = coal_settlement.case
        assert (case.shortfall, case.fine_min, case.fine_max) == (
            Decimal(60_000),
            Decimal("24000000.00"),
            Decimal("48000000.00"),
        )
        assert case.correction_due == date(2027, 2, 4)
        assert case.status == CaseStatus.OPEN
        deduction = case.deduction
        assert (deduction.enterprise, deduction.year, deduction.kind, deduction.tonnes) == (
            coal_unit,
            2026,
            "under_surrendered",
            Decimal(60_000),
        )
        assert events_of(case).exists() and events_of(deduction).exists()
        assert Settlement.objects.get(enterprise=on_time).status == SettlementStatus.ON_TIME

    def test_fixed_fines_without_deduction(self, staff, shandong, coal_settlement, time_machine):
        PenaltyRule.objects.filter(year=2025).update(
            fine_min=Decimal(20_000),
            fine_max=Decimal(30_000),
            price_multiple_min=None,
            price_multiple_max=None,
            deduct_next_year=False,
        )
        time_machine.move_to(AFTER_DUE, tick=False)
        settlement_closing.close_year(
            actor=staff, province=shandong, year=2025, today=date(2027, 1, 5), average_price=None
        )
        case = ShortfallCase.objects.get()
        assert (case.shortfall, case.fine_min, case.fine_max) == (
            Decimal(1_260_000),
            Decimal(20_000),
            Decimal(30_000),
        )
        assert case.deduction is None and not Adjustment.objects.exists()

    def test_price_multiples_need_the_average_price(
        self, staff, shandong, coal_settlement, time_machine
    ):
        time_machine.move_to(AFTER_DUE, tick=False)
        with pytest.raises(DomainError) as refused:
            settlement_closing.close_year(
                actor=staff,
                province=shandong,
                year=2025,
                today=date(2027, 1, 5),
                average_price=None,
            )
        assert refused.value.field == "average_price"
        coal_settlement.refresh_from_db()
        assert coal_settlement.status == SettlementStatus.OPEN
        assert not ShortfallCase.objects.exists() and not Adjustment.objects.exists()

    def test_other_provinces_close_nothing(
        self, guangdong_staff, shandong, coal_settlement, time_machine
    ):
        time_machine.move_to(AFTER_DUE, tick=False)
        with pytest.raises(NotFound):
            settlement_closing.close_year(
                actor=actor_for(guangdong_staff),
                province=shandong,
                year=2025,
                today=date(2027, 1, 5),
                average_price=Decimal(80),
            )
        coal_settlement.refresh_from_db()
        assert coal_settlement.status == SettlementStatus.OPEN

    def test_correction_cancels_the_deduction_and_the_fine_closes_the_case(
        self, staff, shandong, coal_settlement, time_machine
    ):
        surrender(staff, coal_settlement, 1_200_000)
        time_machine.move_to(AFTER_DUE, tick=False)
        settlement_closing.close_year(
            actor=staff,
            province=shandong,
            year=2025,
            today=date(2027, 1, 5),
            average_price=Decimal(80),
        )
        case = ShortfallCase.objects.get()
        with pytest.raises(DomainError, match="60,000 t are still to surrender"):
            settlement_closing.correct_case(actor=staff, case=case)

        surrender(staff, coal_settlement, 60_000, on=date(2027, 1, 5))
        coal_settlement.refresh_from_db()
        assert (coal_settlement.status, coal_settlement.settled_on) == (
            SettlementStatus.LATE,
            date(2027, 1, 5),
        )
        case = settlement_closing.correct_case(actor=staff, case=case, note="已补缴")
        assert case.status == CaseStatus.CORRECTED and case.deduction is None
        assert not Adjustment.objects.exists()

        with pytest.raises(DomainError) as refused:
            settlement_closing.decide_penalty(actor=staff, case=case, amount=Decimal(1_000))
        assert refused.value.field == "amount"
        assert "24,000,000.00" in refused.value.message
        case = settlement_closing.decide_penalty(actor=staff, case=case, amount=Decimal(24_000_000))
        assert (case.status, case.penalty_decided) == (CaseStatus.CLOSED, Decimal(24_000_000))
        with pytest.raises(DomainError, match="decided already"):
            settlement_closing.decide_penalty(actor=staff, case=case, amount=Decimal(24_000_000))
        assert events_of(case).filter(action="status").count() == 2


# --- the registry's export ------------------------------------------------------------------------


def workbook_file(rows, *, header=HEADER, name="清缴记录.xlsx", prepare=None) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if prepare:
        prepare(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def import_file(staff, shandong, upload):
    return registry_import.import_surrenders(
        actor=staff, province=shandong, year=2025, uploaded_file=upload
    )


class TestImport:
    def test_a_good_import_equals_the_same_surrenders_typed_in(self, staff, shandong):
        imported = unit_ready(province=shandong, emissions=1_300_000, determined=1_000_000)
        typed = unit_ready(province=shandong, emissions=1_300_000, determined=1_000_000)
        settlement_opening.open_settlements(actor=staff, province=shandong, year=2025)
        lines = [
            ("配额", 2025, 1_000_000, date(2026, 11, 2)),
            ("配额", 2024, 197_000, date(2026, 11, 3)),
            ("CCER", None, 63_000, date(2026, 11, 4)),
        ]
        upload = workbook_file(
            [
                [imported.uscc, imported.name_zh, kind, vintage, quantity, on, f"IMP{n}"]
                for n, (kind, vintage, quantity, on) in enumerate(lines)
            ]
        )
        result = import_file(staff, shandong, upload)
        assert (result.surrenders, result.settled) == (3, 1)
        owed = Settlement.objects.get(enterprise=typed)
        for n, (kind, vintage, quantity, on) in enumerate(lines):
            surrender(
                staff,
                owed,
                quantity,
                kind="ccer" if kind == "CCER" else "allowance",
                vintage=vintage,
                on=on,
                reference=f"TYP{n}",
            )

        def shown(unit):
            settlement = Settlement.objects.get(enterprise=unit)
            rows = settlement.surrenders.values_list(
                "kind", "vintage", "quantity", "surrendered_on"
            )
            calendar = Obligation.objects.get(kind="settlement", enterprise=unit)
            return (
                list(rows),
                settlement.status,
                settlement.settled_on,
                calendar.status,
                calendar.met_at,
            )

        assert shown(imported) == shown(typed)
        assert shown(imported)[1] == SettlementStatus.ON_TIME
        assert AuditEvent.objects.filter(action="import").count() == 3

    def test_every_bad_row_and_column_is_named_and_nothing_is_saved(
        self, staff, shandong, guangdong_enterprise, coal_unit, coal_settlement
    ):
        SurrenderFactory(settlement=coal_settlement, quantity=1_000, registry_reference="OLD-1")
        uscc = coal_unit.uscc
        upload = workbook_file(
            [
                [uscc, "", "配额", 2025, 500_000, "2026-11-02", "R1"],  # good
                ["91370100MA3XXXXX0X", "", "配额", 2025, 10, "2026-11-02", "R2"],  # unknown
                [guangdong_enterprise.uscc, "", "配额", 2025, 10, "2026-11-02", "R3"],
                [uscc, "", "配额", 2025, "十万吨", "2026-11-02", "R4"],  # text in a number
                [uscc, "", "配额", 2025, 10, "2026-13-45", "R5"],  # not a date
                [uscc, "", "配额", 2026, 10, "2026-11-02", "R6"],  # later vintage
                [uscc, "", "CCER", None, 70_000, "2026-11-02", "R7"],  # over 63,000
                [uscc, "", "配额", 2025, 10, "2026-11-02", "R1"],  # repeated reference
                [uscc, "", "配额", 2025, 10, "2026-11-02", "OLD-1"],  # recorded already
                [uscc, "", "碳票", 2025, 10, "2026-11-02", "R10"],  # unknown kind
                [uscc, "", "配额", 2025, 800_000, "2026-11-02", "R11"],  # beyond the obligation
            ]
        )
        with pytest.raises(ImportRejected) as rejected:
            import_file(staff, shandong, upload)
        named = [(error.row, error.column) for error in rejected.value.errors]
        assert named == [
            (3, "统一社会信用代码"),
            (4, "统一社会信用代码"),
            (5, "数量"),
            (6, "日期"),
            (7, "年份"),
            (8, "数量"),
            (9, "登记编号"),
            (10, "登记编号"),
            (11, "类型"),
            (12, "数量"),
        ]
        messages = {error.row: error.message for error in rejected.value.errors}
        assert "another province" in messages[4]
        assert "vintage 2026" in messages[7]
        assert messages[8].startswith("at most 63,000 t CCER may count (5% of 1,260,000 t)")
        assert "row 2" in messages[9]
        # 1,260,000 − 1,000 recorded − 500,000 in row 2 = 759,000 t remain.
        assert "Only 759,000 t remain" in messages[12]
        assert Surrender.objects.count() == 1

    def test_formulas_and_text_in_numbers_are_row_errors(
        self, staff, shandong, coal_unit, coal_settlement
    ):
        upload = workbook_file(
            [
                [coal_unit.uscc, "", "配额", 2025, "=1000*2", "2026-11-02", "F1"],
                [coal_unit.uscc, "", "配额", "二〇二五", "1,000", "2026-11-02", "F2"],
            ]
        )
        with pytest.raises(ImportRejected) as rejected:
            import_file(staff, shandong, upload)
        errors = [(e.row, e.column, e.value) for e in rejected.value.errors]
        assert errors == [(2, "数量", "=1000*2"), (3, "年份", "二〇二五")]
        assert "Formulas are not accepted" in rejected.value.errors[0].message

    def test_merged_cells_reject_the_file_naming_the_range(
        self, staff, shandong, coal_unit, coal_settlement
    ):
        upload = workbook_file(
            [[coal_unit.uscc, "", "配额", 2025, 1000, "2026-11-02", "M1"],
             [coal_unit.uscc, "", "配额", 2025, 1000, "2026-11-02", "M2"]],
            prepare=lambda sheet: sheet.merge_cells("A2:A3"),
        )  # fmt: skip
        with pytest.raises(ImportFileRejected, match="A2:A3"):
            import_file(staff, shandong, upload)
        assert not Surrender.objects.exists()

    def test_not_a_workbook_or_another_header(self, staff, shandong, coal_settlement):
        with pytest.raises(ImportFileRejected, match=r"\.xlsx"):
            import_file(staff, shandong, SimpleUploadedFile("清缴.xlsx", b"not a zip"))
        with pytest.raises(ImportFileRejected, match="数量"):
            import_file(staff, shandong, workbook_file([["x"]], header=HEADER[:4]))

    def test_headers_may_carry_their_explanation(self, staff, shandong, coal_unit, coal_settlement):
        header = [
            "统一社会信用代码\nUSCC",
            "单位名称",
            "类型(配额/CCER)",
            "年份（vintage）",
            "数量",
            "日期",
            "登记编号",
        ]
        upload = workbook_file(
            [[coal_unit.uscc, "", "CCER", None, 1_000, date(2026, 11, 2), "H1"]], header=header
        )
        assert import_file(staff, shandong, upload).surrenders == 1

    def test_another_province_imports_nothing(self, guangdong_staff, shandong, coal_unit):
        upload = workbook_file([[coal_unit.uscc, "", "配额", 2025, 1, "2026-11-02", "X1"]])
        with pytest.raises(NotFound):
            import_file(actor_for(guangdong_staff), shandong, upload)


# --- the reads ------------------------------------------------------------------------------------


def mixed_year(shandong, staff_user):
    """3 on time, 2 late (1 fined), 2 not settled (1 fined), 1 open."""
    made = []
    for status, settled_on, fined in [
        ("on_time", date(2026, 11, 1), None),
        ("on_time", date(2026, 11, 2), None),
        ("on_time", date(2026, 12, 30), None),
        ("late", date(2027, 1, 10), Decimal(100_000)),
        ("late", date(2027, 1, 12), None),
        ("not_settled", None, Decimal(200_000)),
        ("not_settled", None, None),
        ("open", None, None),
    ]:
        settlement = SettlementFactory(
            enterprise=EnterpriseFactory(province=shandong),
            status=status,
            settled_on=settled_on,
        )
        if status != "on_time" and (status == "not_settled" or fined):
            ShortfallCase.objects.create(
                settlement=settlement,
                shortfall=Decimal(50_000),
                correction_due=date(2027, 2, 4),
                penalty_decided=fined,
            )
        made.append(settlement)
    return made


class TestReads:
    def test_compliance_summary_counts_equal_the_counts_of_the_rows(
        self, staff, shandong, shandong_staff, guangdong
    ):
        made = mixed_year(shandong, shandong_staff)
        SettlementFactory(enterprise=EnterpriseFactory(province=guangdong), status="on_time")
        rows = compliance.compliance_summary(actor=staff, province=shandong, year=2025)
        counts = settlement_selectors.counts(actor=staff, province=shandong, year=2025)
        assert [row.number for row in rows] == list(range(1, len(made) + 1))
        expected = {
            "on_time": sum(1 for s in made if s.status == "on_time"),
            "late": sum(1 for s in made if s.status == "late"),
            "not_settled": sum(1 for s in made if s.status == "not_settled"),
            "penalised": sum(
                1 for s in made if hasattr(s, "case") and s.case.penalty_decided is not None
            ),
        }
        assert expected == {"on_time": 3, "late": 2, "not_settled": 2, "penalised": 2}
        assert sum(row.on_time == "是" for row in rows) == counts.on_time == expected["on_time"]
        assert sum(row.late == "是" for row in rows) == counts.late == expected["late"]
        assert (
            sum(row.not_settled == "是" for row in rows)
            == counts.not_settled
            == expected["not_settled"]
        )
        assert sum(row.penalised == "是" for row in rows) == counts.penalised == 2
        assert sum(row.penalised == "—" for row in rows) == 4  # on time and open: not applicable
        assert (counts.total, counts.open) == (8, 1)
        by_name = {row.name: row for row in rows}
        late_fined = by_name[made[3].enterprise.name_zh]
        assert (late_fined.on_time, late_fined.late, late_fined.penalised) == ("否", "是", "是")
        assert late_fined.remark == "2027年1月10日完成清缴"
        assert "未足额清缴50,000吨" in by_name[made[6].enterprise.name_zh].remark

    def test_interim_target_progress(self, staff, shandong, time_machine):
        # Seeded: 95% of the units settled by 2026-12-15. 20 units.
        target = ComplianceTarget.objects.get(year=2025)
        assert (target.share_pct, target.by_date) == (Decimal(95), date(2026, 12, 15))
        days = [date(2026, 11, 1)] * 15 + [date(2026, 12, 10)] * 3 + [date(2026, 12, 20)] * 2
        for day in days:
            SettlementFactory(
                enterprise=EnterpriseFactory(province=shandong), status="on_time", settled_on=day
            )
        # Today 2026-11-20: 15 of 20 = 75.00%; 95% of 20 = 19 units, 4 still needed.
        (progress,) = compliance.target_progress(
            actor=staff, province=shandong, year=2025, today=date(2026, 11, 20)
        )
        assert (progress.settled, progress.total, progress.share_pct) == (15, 20, Decimal("75.00"))
        assert (progress.needed, progress.state) == (4, "in_progress")
        # After the target date only those settled by 2026-12-15 count: 18 of 20 = 90% < 95%.
        (progress,) = compliance.target_progress(
            actor=staff, province=shandong, year=2025, today=date(2027, 1, 5)
        )
        assert (progress.as_of, progress.settled, progress.share_pct) == (
            date(2026, 12, 15),
            18,
            Decimal("90.00"),
        )
        assert (progress.needed, progress.state) == (1, "missed")

    def test_the_enterprise_position(self, staff, shandong, coal_unit, coal_settlement):
        AllocationFactory(enterprise=coal_unit, year=2024, determined=Decimal(900_000))
        surrender(staff, coal_settlement, 800_000)
        surrender(staff, coal_settlement, 100_000, vintage=2024)
        surrender(staff, coal_settlement, 50_000, kind="ccer")
        Allocation.objects.filter(enterprise=coal_unit, year=2025).update(
            pre_allocation_batch=approved_batch(coal_unit, Step.PRE_ALLOCATION),
            allocation_batch=approved_batch(coal_unit, Step.ALLOCATION),
        )
        owner = actor_for(users.enterprise_user(coal_unit, username="coal-owner"))
        latest, earlier = quota_position.position(actor=owner, enterprise=coal_unit)
        assert latest.year == 2025
        assert (latest.pre_allocated, latest.determined, latest.issued) == (
            Decimal(700_000),
            Decimal(1_000_000),
            Decimal(300_000),
        )
        assert latest.issued_on == date(2026, 9, 28)
        assert latest.settlement.obligation == Decimal(1_260_000)
        assert latest.vintages == [(2024, Decimal(100_000)), (2025, Decimal(800_000))]
        assert (latest.ccer, latest.surrendered) == (Decimal(50_000), Decimal(950_000))
        # 1,260,000 − 950,000 = 310,000 t still to surrender by 2026-12-31.
        assert (latest.balance, latest.deadline) == (Decimal(310_000), date(2026, 12, 31))
        assert (earlier.year, earlier.settlement, earlier.balance) == (2024, None, None)
        assert earlier.deadline == date(2025, 12, 31)

    def test_the_position_shows_a_step_only_once_approved(self, staff, coal_unit, coal_settlement):
        allocation = Allocation.objects.get(enterprise=coal_unit, year=2025)
        issuance = approved_batch(coal_unit, Step.ALLOCATION)
        Allocation.objects.filter(pk=allocation.pk).update(allocation_batch=issuance)
        owner = actor_for(users.enterprise_user(coal_unit))
        for status in (BatchStatus.DRAFT, BatchStatus.SUBMITTED):
            AllocationBatch.objects.filter(pk=issuance.pk).update(status=status)
            for reader in (staff, owner):
                [row] = quota_position.position(actor=reader, enterprise=coal_unit)
                assert (row.determined, row.issued, row.issued_on) == (
                    Decimal(1_000_000),
                    None,
                    None,
                )
                # Never pre-allocated (no batch): nothing shown either.
                assert row.pre_allocated is None

    def test_position_of_another_enterprise_is_not_found(
        self, shandong_enterprise_user, guangdong_staff, coal_unit
    ):
        for user in (shandong_enterprise_user, guangdong_staff):
            with pytest.raises(NotFound):
                quota_position.position(actor=actor_for(user), enterprise=coal_unit)
