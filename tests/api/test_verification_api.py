"""The verification resources: results with the figures the province confirmed (never the
verifiers' work in progress), institutions, and the evaluations of institutions; their filters,
ordering and who sees what."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from tests.api.conftest import token_client
from tests.api.world_verification import DRAFT_CONCLUSION, DRAFT_EMISSIONS, SHANGHAI
from tests.factories import accounts as users
from tests.factories.verification import InstitutionFactory
from tests.factories.verification_evaluation import evaluation_row, scheme
from verification.models import (
    Assignment,
    AssignmentStatus,
    EvaluationRound,
    EvaluationStatus,
    Objection,
    ObjectionStatus,
    VerifiedFigures,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    return token_client(users.ministry())


@pytest.fixture
def shandong_api(world):
    return token_client(users.staff(world.shandong, username="sd-verification"))


def rows(api, basename: str, **params) -> list[dict]:
    response = api.get(reverse(f"api:{basename}-list"), params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(api, basename: str, **params) -> list[str]:
    return [row["id"] for row in rows(api, basename, **params)]


def public_ids(records) -> set[str]:
    return {str(record.public_id) for record in records}


def detail(api, basename: str, record):
    return api.get(reverse(f"api:{basename}-detail", kwargs={"public_id": record.public_id}))


def confirmed(world, code: str = "370000") -> Assignment:
    return world.all(code, "verification_results")[0]


def in_progress(world, code: str = "370000") -> Assignment:
    return world.all(code, "verification_results")[1]


def set_status(assignment: Assignment, status: str, **fields) -> None:
    Assignment.objects.filter(pk=assignment.pk).update(status=status, **fields)


class TestResult:
    def test_shows_the_stored_verified_figures_per_facility(self, world, api):
        assignment = confirmed(world)
        figures = VerifiedFigures.objects.get(assignment=assignment)
        shown = detail(api, "verification-result", assignment).json()
        unit = assignment.enterprise
        assert shown["status"] == "confirmed"
        assert (shown["enterprise"], shown["uscc"]) == (str(unit.public_id), unit.uscc)
        assert (shown["province"], shown["sector"], shown["year"]) == ("370000", "power", 2025)
        assert shown["institution"] == str(assignment.institution.public_id)
        assert shown["institution_name"] == assignment.institution.name_zh
        assert shown["report"] == str(assignment.report.public_id)
        assert shown["reported_emissions"] == "2439470.88"
        assert Decimal(shown["verified_emissions"]) == figures.emissions
        assert shown["confirmed_on"] == figures.confirmed_on.isoformat()
        facilities = {facility.pk: str(facility.public_id) for facility in unit.facilities.all()}
        expected = [{**row, "facility": facilities[row["facility"]]} for row in figures.activity]
        assert shown["figures"] == expected
        assert len(expected) == 2
        assert shown["conclusion"] == assignment.conclusion
        assert shown["objection"] is None

    def test_an_objection_upheld_revises_the_emissions_and_shows_its_state(self, world, api):
        assignment = confirmed(world, "440000")
        Objection.objects.create(
            assignment=assignment,
            grounds="排放量核定有误",
            filed_by=world.uploader,
            filed_on=date(2026, 7, 3),
            decide_by=date(2026, 7, 17),
            status=ObjectionStatus.UPHELD,
            revised_emissions=Decimal("2350000.00"),
            decided_at=datetime(2026, 7, 10, 9, tzinfo=SHANGHAI),
        )
        VerifiedFigures.objects.filter(assignment=assignment).update(emissions=Decimal("2350000"))
        shown = detail(api, "verification-result", assignment).json()
        assert shown["verified_emissions"] == "2350000.00"
        assert shown["objection"]["status"] == "upheld"
        assert shown["objection"]["revised_emissions"] == "2350000.00"
        assert (shown["objection"]["filed_on"], shown["objection"]["decide_by"]) == (
            "2026-07-03",
            "2026-07-17",
        )
        assert ids(api, "verification-result", objection="upheld") == [str(assignment.public_id)]
        assert ids(api, "verification-result", objection="filed") == []


class TestWorkInProgress:
    """The verifiers' drafts stay on the assignment page: the API shows where the assignment
    stands, the conclusion once submitted and the figures once confirmed."""

    @pytest.mark.parametrize("status", [AssignmentStatus.ASSIGNED, AssignmentStatus.RETURNED])
    def test_drafts_are_never_served(self, world, api, shandong_api, status):
        assignment = in_progress(world)
        set_status(assignment, status)
        for client in (api, shandong_api):
            response = detail(client, "verification-result", assignment)
            shown = response.json()
            assert shown["status"] == status
            assert shown["verified_emissions"] is None
            assert shown["confirmed_on"] is None
            assert shown["figures"] == []
            assert shown["conclusion"] is shown["concluded_at"] is None
            text = response.content.decode()
            assert str(DRAFT_EMISSIONS) not in text
            assert DRAFT_CONCLUSION not in text
            listed = client.get(reverse("api:verification-result-list")).content.decode()
            assert DRAFT_CONCLUSION not in listed
            assert str(DRAFT_EMISSIONS) not in listed

    def test_a_submitted_conclusion_is_shown_but_not_its_figures_until_confirmed(
        self, world, shandong_api
    ):
        assignment = in_progress(world)
        set_status(assignment, AssignmentStatus.CONCLUDED, concluded_at=timezone.now())
        shown = detail(shandong_api, "verification-result", assignment).json()
        assert shown["conclusion"] == DRAFT_CONCLUSION
        assert shown["concluded_at"] is not None
        assert shown["verified_emissions"] is None
        assert shown["figures"] == []

    def test_the_ministry_sees_a_withdrawn_assignment_and_its_verifiers_do_not(self, world, api):
        assignment = in_progress(world)
        set_status(assignment, AssignmentStatus.WITHDRAWN)
        assert detail(api, "verification-result", assignment).json()["status"] == "withdrawn"
        verifier = token_client(users.verifier(assignment.institution, username="v-withdrawn"))
        assert detail(verifier, "verification-result", assignment).status_code == 404


class TestWhoSeesWhat:
    def test_the_enterprise_sees_only_its_confirmed_results_without_the_conclusion(self, world):
        own = confirmed(world)
        wip = in_progress(world)
        api = token_client(users.enterprise_user(own.enterprise, wip.enterprise, username="e-v"))
        assert ids(api, "verification-result") == [str(own.public_id)]
        shown = detail(api, "verification-result", own).json()
        assert shown["verified_emissions"] == "2400000.00"
        assert len(shown["figures"]) == 2
        assert shown["conclusion"] is None
        assert detail(api, "verification-result", wip).status_code == 404
        assert detail(api, "verification-result", confirmed(world, "440000")).status_code == 404
        assert rows(api, "institution") == []
        assert rows(api, "institution-evaluation") == []

    def test_a_verifier_sees_its_institutions_work_but_not_its_drafts(self, world):
        wip = in_progress(world)
        api = token_client(users.verifier(wip.institution, username="v-own"))
        assert ids(api, "verification-result") == [str(wip.public_id)]
        assert detail(api, "verification-result", wip).json()["verified_emissions"] is None
        assert detail(api, "verification-result", confirmed(world)).status_code == 404
        assert ids(api, "institution") == [str(wip.institution.public_id)]

    def test_city_staff_see_only_their_citys_units(self, world):
        api = token_client(users.staff(world.shandong, city=world.jinan, username="jn-v"))
        results = world.all("370000", "verification_results")
        jinan = [result for result in results if result.enterprise.city == world.jinan]
        assert set(ids(api, "verification-result")) == public_ids(jinan)
        assert 0 < len(jinan) < len(results)


class TestResultFilters:
    def test_province_year_sector_and_status(self, world, api):
        guangdong = world.all("440000", "verification_results")
        assert set(ids(api, "verification-result", province="440000")) == public_ids(guangdong)
        assert len(ids(api, "verification-result", year=2025)) == 2 * world.size
        assert ids(api, "verification-result", year=2024) == []
        assert len(ids(api, "verification-result", sector="power")) == 2 * world.size
        assert ids(api, "verification-result", sector="cement") == []
        assert set(ids(api, "verification-result", status="confirmed")) == public_ids(
            [confirmed(world), confirmed(world, "440000")]
        )

    def test_unit_and_institution(self, world, api):
        assignment = in_progress(world, "440000")
        by_unit = ids(api, "verification-result", enterprise=str(assignment.enterprise.public_id))
        assert by_unit == [str(assignment.public_id)]
        by_institution = ids(
            api, "verification-result", institution=str(assignment.institution.public_id)
        )
        assert by_institution == [str(assignment.public_id)]

    def test_updated_since_sees_a_change_of_the_objection(self, world, api):
        Assignment.objects.update(updated_at=timezone.now() - timedelta(days=30))
        since = (timezone.now() - timedelta(days=1)).isoformat()
        assert ids(api, "verification-result", updated_since=since) == []
        assignment = confirmed(world)
        Objection.objects.create(
            assignment=assignment,
            grounds="排放量核定有误",
            filed_by=world.uploader,
            filed_on=date(2026, 7, 3),
            decide_by=date(2026, 7, 17),
        )
        assert ids(api, "verification-result", updated_since=since) == [str(assignment.public_id)]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"status": "draft"}, "status"),
            ({"year": "20x5"}, "year"),
            ({"institution": "not-a-uuid"}, "institution"),
            ({"objection": "pending"}, "objection"),
        ],
    )
    def test_a_bad_value_is_400_naming_the_filter(self, world, api, params, field):
        response = api.get(reverse("api:verification-result-list"), params)
        assert response.status_code == 400
        assert set(response.json()) == {field}


class TestResultOrdering:
    def test_by_unit_both_ways(self, world, api):
        names = [
            row["enterprise_name"]
            for row in rows(api, "verification-result", ordering="enterprise")
        ]
        assert names == sorted(names)
        backwards = [
            row["enterprise_name"]
            for row in rows(api, "verification-result", ordering="-enterprise")
        ]
        assert backwards == names[::-1]

    def test_default_is_newest_year_then_province_then_unit(self, world, api):
        shown = [
            (-row["year"], row["province"], row["enterprise_name"])
            for row in rows(api, "verification-result")
        ]
        assert shown == sorted(shown)

    def test_by_status_and_confirmation_day(self, world, api):
        statuses = [row["status"] for row in rows(api, "verification-result", ordering="status")]
        assert statuses == sorted(statuses)
        days = [
            row["confirmed_on"] for row in rows(api, "verification-result", ordering="confirmed_on")
        ]
        assert days[:2] == ["2026-07-01", "2026-07-01"]


class TestInstitutions:
    def test_fields_provinces_served_and_verifiers(self, world, api):
        institution = world.first("370000", "institutions")
        institution.provinces.add(world.guangdong)
        users.verifier(institution, username="v-count-1")
        users.verifier(institution, username="v-count-2")
        shown = detail(api, "institution", institution).json()
        assert shown["uscc"] == institution.uscc
        assert shown["name_zh"] == institution.name_zh
        assert shown["provinces"] == ["370000", "440000"]
        assert shown["verifiers"] == 2
        assert (
            detail(api, "institution", world.first("440000", "institutions")).json()["verifiers"]
            == 0
        )

    def test_one_serving_two_provinces_is_listed_once_to_each(self, world):
        institution = world.first("370000", "institutions")
        institution.provinces.add(world.guangdong)
        guangdong = token_client(users.staff(world.guangdong, username="gd-inst"))
        listed = ids(guangdong, "institution")
        assert listed.count(str(institution.public_id)) == 1
        assert set(listed) == public_ids(world.all("440000", "institutions")) | {
            str(institution.public_id)
        }
        assert detail(guangdong, "institution", institution).json()["verifiers"] == 0
        both = users.staff(world.guangdong, username="both-inst")
        Membership.objects.create(user=both, role=Role.PROVINCIAL_STAFF, province=world.shandong)
        listed = ids(token_client(both), "institution", page_size=1000)
        assert sorted(listed) == sorted(
            public_ids(world.all("370000", "institutions"))
            | set(public_ids(world.all("440000", "institutions")))
        )

    def test_filters_and_ordering(self, world, api):
        guangdong = world.all("440000", "institutions")
        assert set(ids(api, "institution", province="440000")) == public_ids(guangdong)
        one = guangdong[0]
        assert ids(api, "institution", uscc=one.uscc) == [str(one.public_id)]
        since = (timezone.now() + timedelta(days=1)).isoformat()
        assert ids(api, "institution", updated_since=since) == []
        names = [row["name_zh"] for row in rows(api, "institution", ordering="-name")]
        assert names == sorted(names, reverse=True)
        assert len(names) == 2 * world.size


class TestEvaluations:
    def test_fields_are_the_stored_scores(self, world, api):
        evaluation = world.first("440000", "institution_evaluations")
        [shown] = rows(
            api, "institution-evaluation", institution=str(evaluation.institution.public_id)
        )
        assert shown == {
            "province": "440000",
            "year": 2026,
            "status": "published",
            "published_at": shown["published_at"],
            "institution": str(evaluation.institution.public_id),
            "institution_name": evaluation.institution.name_zh,
            "reports": evaluation.reports,
            "timeliness": "25.00",
            "quality": "45.00",
            "compliance": "15.00",
            "total": "85.00",
            "grade": "good",
            "vetoed": False,
        }
        assert shown["published_at"].startswith("2026-11-28")

    def test_a_province_sees_its_own_and_the_ministry_every_province(
        self, world, api, shandong_api
    ):
        listed = rows(shandong_api, "institution-evaluation")
        assert {row["province"] for row in listed} == {"370000"}
        assert len(listed) == len(world.all("370000", "institution_evaluations"))
        assert len(rows(api, "institution-evaluation")) == 2 * world.size

    def test_a_draft_only_to_its_province_and_the_ministry(self, world, api, shandong_api):
        draft = EvaluationRound.objects.create(
            province=world.guangdong, year=2027, scheme=scheme(), prepared_by=world.uploader
        )
        institution = InstitutionFactory(provinces=[world.guangdong, world.shandong])
        evaluation_row(draft, institution, total="55.00", grade="fail")
        guangdong = token_client(users.staff(world.guangdong, username="gd-eval"))
        verifier = token_client(users.verifier(institution, username="v-eval"))
        assert [row["status"] for row in rows(guangdong, "institution-evaluation", year=2027)] == [
            "draft"
        ]
        assert len(rows(api, "institution-evaluation", status="draft")) == 1
        assert rows(shandong_api, "institution-evaluation", year=2027) == []
        assert rows(verifier, "institution-evaluation") == []
        EvaluationRound.objects.filter(pk=draft.pk).update(status=EvaluationStatus.PUBLISHED)
        assert [row["total"] for row in rows(verifier, "institution-evaluation")] == ["55.00"]

    def test_filters_and_ordering(self, world, api):
        evaluations = world.all("370000", "institution_evaluations")
        first = evaluations[0]
        first.total, first.grade = Decimal("95.00"), "excellent"
        first.save()
        assert len(rows(api, "institution-evaluation", province="370000", year=2026)) == len(
            evaluations
        )
        assert rows(api, "institution-evaluation", year=2025) == []
        assert [row["total"] for row in rows(api, "institution-evaluation", grade="excellent")] == [
            "95.00"
        ]
        assert len(rows(api, "institution-evaluation", status="published")) == 2 * world.size
        totals = [row["total"] for row in rows(api, "institution-evaluation", ordering="-total")]
        assert totals[0] == "95.00"
        assert totals == sorted(totals, key=Decimal, reverse=True)
        default = rows(api, "institution-evaluation", province="370000")
        assert default[0]["total"] == "95.00"
        response = api.get(reverse("api:institution-evaluation-list"), {"status": "final"})
        assert response.status_code == 400
