"""The allowances resources (allocations, settlements): the figures a reviewer relies on match
the stored records, a step's figures appear only once its batch is approved (for every token),
the filters and ordering, and an enterprise token's scope."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.scoping import actor_for
from quotas import batch_workflow, pre_allocation
from quotas.models import (
    Adjustment,
    AllocationBatch,
    BatchStatus,
    SettlementStatus,
    ShortfallCase,
    Step,
)
from tests.api.conftest import token_client
from tests.api.world_allowances import YEAR, allocation, batch, settlement
from tests.factories import accounts as users
from tests.factories.quotas_allocation import coal_unit, power_activity, unit, verified
from tests.factories.quotas_settlement import SurrenderFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def rows(api, basename: str, **params) -> list[dict]:
    response = api.get(reverse(f"api:{basename}-list"), params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(api, basename: str, **params) -> list[str]:
    return [row["id"] for row in rows(api, basename, **params)]


def one(api, basename: str, record) -> dict:
    response = api.get(reverse(f"api:{basename}-detail", kwargs={"public_id": record.public_id}))
    assert response.status_code == 200, response.content
    return response.json()


def tonnes(value) -> str:
    return str(int(value))


@pytest.fixture
def ministry_api(db):
    return token_client(users.ministry())


@pytest.fixture
def shandong_api(world):
    return token_client(users.staff(world.shandong, username="sd-allowances"))


# --- allocations ---------------------------------------------------------------------------------


class TestAllocationFigures:
    def test_approved_steps_show_the_stored_figures_and_lines(self, world, ministry_api):
        stored = world.first("370000", "allocations")
        shown = one(ministry_api, "allocation", stored)
        unit_ = stored.enterprise
        assert (shown["enterprise"], shown["uscc"], shown["province"]) == (
            str(unit_.public_id),
            unit_.uscc,
            "370000",
        )
        assert (shown["year"], shown["sector"], shown["plan_year"]) == (YEAR, "power", YEAR)
        pre = shown["pre_allocation"]
        assert pre["batch"]["status"] == BatchStatus.APPROVED
        assert pre["batch"]["id"] == str(stored.pre_allocation_batch.public_id)
        assert pre["pre_allocated"] == tonnes(stored.pre_allocated)
        facility = unit_.facilities.order_by("pk").first()
        assert pre["lines"] == [
            {
                "facility": str(facility.public_id),
                "label": f"{facility.name}: generation",
                "formula": stored.pre_allocation_lines[0]["formula"],
                "tonnes": stored.pre_allocation_lines[0]["tonnes"],
            }
        ]
        determination = shown["determination"]
        assert determination["determined"] == tonnes(stored.determined)
        assert determination["pre_allocated"] == tonnes(stored.pre_allocated)
        assert determination["adjustments"] == tonnes(stored.adjustments)
        assert determination["to_issue"] == tonnes(stored.to_issue)
        assert int(determination["to_issue"]) == int(determination["determined"]) - int(
            determination["pre_allocated"]
        ) - int(determination["adjustments"])
        assert [line["facility"] for line in determination["lines"]] == [
            str(facility.public_id),
            None,
        ]

    def test_a_step_awaiting_approval_shows_its_status_and_no_figures(self, world, ministry_api):
        stored = world.first("370000", "allocations")
        issuance = one(ministry_api, "allocation", stored)["issuance"]
        assert stored.issued is not None
        assert issuance["batch"]["status"] == BatchStatus.SUBMITTED
        assert issuance["batch"]["approved_at"] is None
        assert (issuance["issued"], issuance["issued_on"]) == (None, None)

    def test_once_approved_the_issuance_appears(self, world, ministry_api):
        stored = world.first("370000", "allocations")
        AllocationBatch.objects.filter(pk=stored.allocation_batch_id).update(
            status=BatchStatus.APPROVED, approved_at=timezone.now()
        )
        issuance = one(ministry_api, "allocation", stored)["issuance"]
        assert issuance["issued"] == tonnes(stored.issued)
        assert issuance["issued_on"] == stored.issued_on.isoformat()
        assert issuance["batch"]["approved_at"] is not None


@pytest.fixture
def steel_in_progress(world):
    """A Shandong steel unit whose pre-allocation is approved, whose determination is a draft
    and whose issuance has not started."""
    steel = unit(world.shandong, sector="steel", city=world.jinan)
    coal_unit(steel)
    return allocation(
        steel,
        world.shandong,
        world.uploader,
        pre_allocation_batch=_steel_batch(world, Step.PRE_ALLOCATION, BatchStatus.APPROVED),
        determination_batch=_steel_batch(world, Step.DETERMINATION, BatchStatus.DRAFT),
        allocation_batch=None,
    )


def _steel_batch(world, step, status) -> AllocationBatch:
    return batch(world.shandong, step, world.uploader, status, sector="steel")


class TestWorkInProgressIsHidden:
    @pytest.mark.parametrize("reader", ["ministry", "staff", "enterprise"])
    def test_no_token_sees_a_draft_figure(self, world, steel_in_progress, reader):
        user = {
            "ministry": lambda: users.ministry(),
            "staff": lambda: users.staff(world.shandong, username="sd-drafts"),
            "enterprise": lambda: users.enterprise_user(steel_in_progress.enterprise),
        }[reader]()
        shown = one(token_client(user), "allocation", steel_in_progress)
        assert shown["pre_allocation"]["pre_allocated"] == tonnes(steel_in_progress.pre_allocated)
        determination = shown["determination"]
        assert determination["batch"]["status"] == BatchStatus.DRAFT
        assert {name: value for name, value in determination.items() if name != "batch"} == {
            "determined": None,
            "pre_allocated": None,
            "adjustments": None,
            "to_issue": None,
            "lines": None,
        }
        assert shown["issuance"] == {"batch": None, "issued": None, "issued_on": None}

    def test_an_upheld_review_hides_the_determination_again(self, world, ministry_api):
        stored = world.first("370000", "allocations")
        assert one(ministry_api, "allocation", stored)["determination"]["determined"] is not None
        # As quotas.allocation_reviews._reopen_determination leaves the batch.
        AllocationBatch.objects.filter(pk=stored.determination_batch_id).update(
            status=BatchStatus.DRAFT, submitted_at=None, approved_at=None
        )
        determination = one(ministry_api, "allocation", stored)["determination"]
        assert determination["batch"]["status"] == BatchStatus.DRAFT
        assert determination["determined"] is None


PRE_ALLOCATION_DAY = datetime(2026, 6, 20, 10, 0, tzinfo=SHANGHAI)


def test_through_the_workflow_the_figure_appears_on_approval(
    shandong, jinan, shandong_staff, ministry_api, time_machine
):
    """The real services: a drafted pre-allocation is null with its status; approved by a
    second staff member, it is the figure stored, with every facility line."""
    time_machine.move_to(PRE_ALLOCATION_DAY, tick=False)
    plant = unit(shandong, name_zh="山东工作流电厂", city=jinan)
    facility = coal_unit(plant)
    for year in (2024, 2025):
        verified(
            plant,
            year,
            emissions=2_600_000,
            activity=power_activity(facility, generated=3_000_000, heat=1_200_000),
        )
    drafted = pre_allocation.draft_pre_allocation(
        actor=actor_for(shandong_staff), province=shandong, year=2025, sector="power"
    )
    [shown] = rows(ministry_api, "allocation")
    assert shown["pre_allocation"]["batch"]["status"] == BatchStatus.DRAFT
    assert shown["pre_allocation"]["pre_allocated"] is None
    batch_workflow.submit_batch(actor=actor_for(shandong_staff), batch=drafted)
    approver = users.staff(shandong, username="sd-approver")
    batch_workflow.approve_batch(actor=actor_for(approver), batch=drafted)
    stored = plant.allocations.get()
    [shown] = rows(ministry_api, "allocation")
    assert shown["pre_allocation"]["pre_allocated"] == tonnes(stored.pre_allocated) == "1778593"
    assert [line["tonnes"] for line in shown["pre_allocation"]["lines"]] == [
        line["tonnes"] for line in stored.pre_allocation_lines
    ]
    assert {line["facility"] for line in shown["pre_allocation"]["lines"]} <= {
        str(facility.public_id),
        None,
    }


class TestAllocationFilters:
    def test_by_province_city_sector_and_unit(self, world, ministry_api, steel_in_progress):
        shandong = world.all("370000", "allocations")
        everything = {str(a.public_id) for a in shandong} | {str(steel_in_progress.public_id)}
        assert set(ids(ministry_api, "allocation", province="370000")) == everything
        jinan = {
            str(a.public_id)
            for a in [*shandong, steel_in_progress]
            if a.enterprise.city == world.jinan
        }
        assert set(ids(ministry_api, "allocation", city="370100")) == jinan
        assert ids(ministry_api, "allocation", sector="steel") == [str(steel_in_progress.public_id)]
        unit_ = shandong[1].enterprise
        assert ids(ministry_api, "allocation", enterprise=str(unit_.public_id)) == [
            str(shandong[1].public_id)
        ]
        assert ids(ministry_api, "allocation", year=2024) == []

    def test_by_the_status_of_a_step(self, world, ministry_api, steel_in_progress):
        drafts = ids(ministry_api, "allocation", determination_status="draft")
        assert drafts == [str(steel_in_progress.public_id)]
        awaiting = set(ids(ministry_api, "allocation", issuance_status="submitted"))
        assert str(steel_in_progress.public_id) not in awaiting
        assert len(awaiting) == 4

    def test_updated_since_sees_an_approval(self, world, ministry_api, steel_in_progress):
        since = (timezone.now() + timedelta(seconds=1)).isoformat()
        assert ids(ministry_api, "allocation", updated_since=since) == []
        determination = steel_in_progress.determination_batch
        determination.status = BatchStatus.APPROVED
        determination.approved_at = timezone.now() + timedelta(seconds=2)
        determination.updated_at = determination.approved_at
        AllocationBatch.objects.filter(pk=determination.pk).update(
            status=determination.status,
            approved_at=determination.approved_at,
            updated_at=determination.updated_at,
        )
        assert ids(ministry_api, "allocation", updated_since=since) == [
            str(steel_in_progress.public_id)
        ]

    def test_ordering(self, world, ministry_api):
        by_name = rows(ministry_api, "allocation", ordering="enterprise")
        names = [row["enterprise_name"] for row in by_name]
        assert names == sorted(names)
        by_province = rows(ministry_api, "allocation", ordering="-province,uscc")
        assert [row["province"] for row in by_province] == ["440000"] * 2 + ["370000"] * 2

    def test_a_bad_filter_is_400(self, world, ministry_api):
        url = reverse("api:allocation-list")
        assert ministry_api.get(url, {"determination_status": "final"}).status_code == 400
        assert ministry_api.get(url, {"updated_since": "yesterday"}).status_code == 400


# --- settlements ---------------------------------------------------------------------------------


class TestSettlementFigures:
    def test_the_obligation_surrenders_and_balance(self, world, ministry_api):
        stored = world.first("370000", "settlements")
        shown = one(ministry_api, "settlement", stored)
        assert shown["status"] == SettlementStatus.OPEN
        assert shown["verified_emissions"] == tonnes(stored.verified_emissions)
        assert shown["allocated"] == tonnes(stored.allocated)
        assert shown["obligation"] == tonnes(stored.obligation) == "1000000"
        assert shown["due_on"] == stored.due_on.isoformat()
        assert shown["allowances_surrendered"] == "600000"
        assert shown["by_vintage"] == [{"vintage": 2025, "quantity": "600000"}]
        assert shown["ccer_surrendered"] == "40000"
        assert shown["surrendered"] == "640000"
        assert shown["remaining"] == "360000"
        # The 2025 power plan's CCER limit: 5% of the obligation.
        assert (shown["ccer_limit_pct"], shown["ccer_allowed"]) == ("5.00", "50000")
        assert [(row["kind"], row["vintage"], row["quantity"]) for row in shown["surrenders"]] == [
            ("allowance", 2025, "600000"),
            ("ccer", None, "40000"),
        ]
        assert shown["calculation"] == [
            {"label": "verified emissions", "formula": "1000000", "tonnes": "1000000"}
        ]
        assert (shown["shortfall"], shown["case"]) == (None, None)

    def test_a_shortfall_and_its_case(self, world, ministry_api):
        stored = world.all("370000", "settlements")[1]
        case = ShortfallCase.objects.get(settlement=stored)
        deduction = Adjustment.objects.create(
            enterprise=stored.enterprise,
            year=YEAR + 1,
            kind="under_surrendered",
            tonnes=case.shortfall,
            reason="未足额清缴",
            created_by=world.uploader,
        )
        ShortfallCase.objects.filter(pk=case.pk).update(deduction=deduction)
        shown = one(ministry_api, "settlement", stored)
        assert shown["status"] == SettlementStatus.NOT_SETTLED
        assert shown["shortfall"] == tonnes(case.shortfall) == "360000"
        assert shown["case"]["id"] == str(case.public_id)
        assert shown["case"]["status"] == "open"
        assert shown["case"]["correction_due"] == case.correction_due.isoformat()
        assert (shown["case"]["deduction_year"], shown["case"]["deduction_tonnes"]) == (
            YEAR + 1,
            "360000",
        )

    def test_ccer_limit_is_zero_without_an_allocation(self, world, ministry_api):
        lone = unit(world.shandong)
        shown = one(ministry_api, "settlement", settlement(lone, world.uploader, short=False))
        assert (shown["ccer_limit_pct"], shown["ccer_allowed"]) == ("0.00", "0")


class TestSettlementFilters:
    def test_by_status_and_shortfall(self, world, ministry_api):
        short = {
            str(s.public_id)
            for code in ("370000", "440000")
            for s in world.all(code, "settlements")[1:]
        }
        assert set(ids(ministry_api, "settlement", status="not_settled")) == short
        assert set(ids(ministry_api, "settlement", shortfall="true")) == short
        assert set(ids(ministry_api, "settlement", shortfall="false")).isdisjoint(short)
        assert len(ids(ministry_api, "settlement", shortfall="false")) == 2

    def test_by_province_sector_and_unit(self, world, ministry_api):
        guangdong = {str(s.public_id) for s in world.all("440000", "settlements")}
        assert set(ids(ministry_api, "settlement", province="440000")) == guangdong
        assert ids(ministry_api, "settlement", sector="steel") == []
        stored = world.first("440000", "settlements")
        assert ids(ministry_api, "settlement", enterprise=str(stored.enterprise.public_id)) == [
            str(stored.public_id)
        ]

    def test_updated_since_sees_a_new_surrender(self, world, ministry_api, time_machine):
        stored = world.first("370000", "settlements")
        since = timezone.now() + timedelta(hours=1)
        assert ids(ministry_api, "settlement", updated_since=since.isoformat()) == []
        time_machine.move_to(since + timedelta(minutes=1))
        SurrenderFactory(settlement=stored, recorded_by=world.uploader, quantity=Decimal(1000))
        assert ids(ministry_api, "settlement", updated_since=since.isoformat()) == [
            str(stored.public_id)
        ]

    def test_ordering_by_status_then_obligation(self, world, ministry_api):
        shown = rows(ministry_api, "settlement", ordering="-status,obligation")
        assert [row["status"] for row in shown] == ["open"] * 2 + ["not_settled"] * 2


# --- scope ---------------------------------------------------------------------------------------


class TestEnterpriseScope:
    def test_an_enterprise_token_sees_only_its_own_unit(self, world):
        own, neighbour = world.all("370000", "allocations")[:2]
        api = token_client(users.enterprise_user(own.enterprise, username="ent-allowances"))
        assert ids(api, "allocation") == [str(own.public_id)]
        own_settlement = world.first("370000", "settlements")
        assert ids(api, "settlement") == [str(own_settlement.public_id)]
        others = [
            ("allocation", neighbour),
            ("allocation", world.first("440000", "allocations")),
            ("settlement", world.all("370000", "settlements")[1]),
            ("settlement", world.first("440000", "settlements")),
        ]
        for basename, record in others:
            url = reverse(f"api:{basename}-detail", kwargs={"public_id": record.public_id})
            assert api.get(url).status_code == 404

    def test_a_city_token_sees_only_its_city(self, world):
        api = token_client(users.staff(world.shandong, city=world.qingdao, username="qd-allow"))
        qingdao = [
            s for s in world.all("370000", "settlements") if s.enterprise.city == world.qingdao
        ]
        assert ids(api, "settlement") == [str(s.public_id) for s in qingdao]

    def test_a_provincial_token_filtering_another_province_gets_nothing(self, shandong_api):
        assert ids(shandong_api, "allocation", province="440000") == []
        assert ids(shandong_api, "settlement", province="440000") == []
